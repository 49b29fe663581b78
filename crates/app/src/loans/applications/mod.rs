//! Loan applications: entered by staff of the handling org or made on the portal (a private link
//! shows where it stands); listed, summed by bank, sector and street, exported; one application's
//! page with its follow-ups. The person's ID number and phone are encrypted; the bank sees the ID
//! number masked unless it states that a credit check needs it (audited).

mod lists;
mod view;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{LoanId, OrgId};
use qingtuan_domain::loan::{BusinessSector, LoanState};
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::money::Fen;
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::partner::CreditCode;
use qingtuan_domain::person::{IdNumber, Phone, age_on};
use qingtuan_domain::region::RegionKind;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{loan_application, loan_product, org, partner};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};
use serde_json::json;

use super::{Side, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::crypto::sha256_hex;
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::{required_date, required_text};
use crate::signup::Receipt;
use crate::{Actor, App, AppError, ClientInfo};

pub use lists::{Filter, LoanRow, Loans, Tally, export, list};
pub use view::{FollowUpRow, LoanView, show, unmask};

/// An application as typed, by staff or on the portal.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewApplication {
    pub product_id: String,
    /// The league org that handles it (staff: within their scope; the portal: a street).
    pub org_code: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub business_name: String,
    /// When the business is registered.
    pub business_credit_code: String,
    pub sector: String,
    pub jobs_before: String,
    /// Yuan.
    pub amount: String,
    pub purpose: String,
    /// Staff only: the day it was made (the portal's is today).
    pub applied_on: String,
}

/// An application that passed its checks, ready to be written.
struct Checked {
    product: loan_product::Model,
    name: String,
    id_number: IdNumber,
    birth: NaiveDate,
    phone: Phone,
    business_name: String,
    business_credit_code: String,
    sector: BusinessSector,
    jobs_before: i32,
    amount: Fen,
    purpose: String,
    applied_on: NaiveDate,
}

/// Checks everything but the org: the product, the person (an ID number, the age limit on the day
/// of applying), the business, the amount (more than 0, at most the product's top amount).
async fn check(
    app: &App,
    form: &NewApplication,
    applied_on: Option<NaiveDate>,
    problems: &mut Vec<FieldError>,
) -> AppResult<Option<Checked>> {
    let product = match form.product_id.trim().parse::<i64>() {
        Ok(id) => loan_product::Entity::find_by_id(id).one(&app.db).await?,
        Err(_) => None,
    };
    if let Some(on) = product.as_ref().and_then(|p| p.closed_on) {
        problems.push(FieldError::new("product_id", format!("该贷款产品已于 {on} 停办，请选择其他产品")));
    }
    if product.is_none() {
        problems.push(FieldError::new("product_id", "请选择贷款产品"));
    }
    let name = required_text(&form.name, "name", "姓名", 50).map_err(|e| problems.extend(e.0)).ok();
    let id_number = IdNumber::parse(&form.id_number).map_err(|e| problems.extend(e.0)).ok();
    let phone = Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok();
    let business_name =
        required_text(&form.business_name, "business_name", "经营主体名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let business_credit_code = match form.business_credit_code.trim() {
        "" => Some(String::new()),
        raw => CreditCode::parse(raw)
            .map(|c| c.as_str().to_owned())
            .map_err(|e| problems.extend(e.0.into_iter().map(|f| FieldError { field: "business_credit_code", ..f })))
            .ok(),
    };
    let sector = BusinessSector::parse(&form.sector).map_err(|e| problems.extend(e.0)).ok();
    let jobs_before = form.jobs_before.trim().parse::<i32>().ok().filter(|n| (0..=100_000).contains(n));
    if jobs_before.is_none() {
        problems.push(FieldError::new("jobs_before", "现有就业人数应为 0 到 100000 的整数"));
    }
    let amount = Fen::parse_yuan("amount", &form.amount).map_err(|e| problems.extend(e.0)).ok();
    let purpose = required_text(&form.purpose, "purpose", "贷款用途", 200).map_err(|e| problems.extend(e.0)).ok();
    if let (Some(p), Some(a)) = (&product, amount)
        && a.0 > p.max_amount_fen
    {
        problems
            .push(FieldError::new("amount", format!("{}每笔最多 {} 元", p.name, Fen(p.max_amount_fen).yuan_text())));
    }
    let birth = id_number.as_ref().and_then(IdNumber::birth_date);
    if let (Some(p), Some(b), Some(day)) = (&product, birth, applied_on) {
        let age = age_on(b, day);
        if age > p.max_age {
            problems.push(FieldError::new(
                "id_number",
                format!("{}要求申请时年龄不超过 {} 周岁，申请人 {day} 时 {age} 周岁", p.name, p.max_age),
            ));
        } else if age < 18 {
            problems.push(FieldError::new("id_number", "申请人应年满 18 周岁"));
        }
    }
    let (
        Some(product),
        Some(name),
        Some(id_number),
        Some(birth),
        Some(phone),
        Some(business_name),
        Some(business_credit_code),
        Some(sector),
        Some(jobs_before),
        Some(amount),
        Some(purpose),
        Some(applied_on),
        true,
    ) = (
        product,
        name,
        id_number,
        birth,
        phone,
        business_name,
        business_credit_code,
        sector,
        jobs_before,
        amount,
        purpose,
        applied_on,
        problems.is_empty(),
    )
    else {
        return Ok(None);
    };
    Ok(Some(Checked {
        product,
        name,
        id_number,
        birth,
        phone,
        business_name,
        business_credit_code,
        sector,
        jobs_before,
        amount,
        purpose,
        applied_on,
    }))
}

async fn insert(conn: &Write, app: &App, c: &Checked, org_id: i64, token_hash: Option<String>) -> AppResult<i64> {
    let row = loan_application::ActiveModel {
        product_id: Set(c.product.id),
        partner_id: Set(c.product.partner_id),
        org_id: Set(org_id),
        name: Set(c.name.clone()),
        id_number_enc: Set(app.keys.encrypt(c.id_number.as_str())?),
        id_hash: Set(app.keys.lookup_hash(c.id_number.as_str())),
        phone_enc: Set(app.keys.encrypt(c.phone.as_str())?),
        birth_date: Set(c.birth),
        business_name: Set(c.business_name.clone()),
        business_credit_code: Set(c.business_credit_code.clone()),
        sector: Set(c.sector.code().to_owned()),
        jobs_before: Set(c.jobs_before),
        amount_fen: Set(c.amount.0),
        purpose: Set(c.purpose.clone()),
        applied_on: Set(c.applied_on),
        token_hash: Set(token_hash),
        state: Set(LoanState::Applied.code().to_owned()),
        note: Set(String::new()),
        repayment: Set(String::new()),
        jobs_created: Set(0),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

fn applied_json(c: &Checked, org: &str) -> serde_json::Value {
    json!({
        "product": c.product.name, "org": org, "name": c.name, "id_number": mask_id_number(c.id_number.as_str()),
        "business": c.business_name, "sector": c.sector.code(), "amount_fen": c.amount.0, "applied_on": c.applied_on,
    })
}

/// Records an application at the desk (loans.write over the handling org).
pub async fn record(app: &App, actor: &Actor, form: &NewApplication) -> AppResult<LoanId> {
    let proof = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let mut problems = Vec::new();
    let applied_on = required_date("applied_on", &form.applied_on, "申请日期", local_date(app.now()))
        .map_err(|e| problems.push(e))
        .ok();
    let Some(c) = check(app, form, applied_on, &mut problems).await? else {
        return Err(Invalid(problems).into());
    };
    within_programme(app, &c, proof.get().0, &mut problems).await?;
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let txn = app.begin().await?;
    let id = insert(&txn, app, &c, proof.get().0, None).await?;
    let entry = Entry::new(AuditAction::LoanApplied, ObjectKind::Loan)
        .object(id)
        .within(&proof)
        .after(applied_json(&c, form.org_code.trim()));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(LoanId(id))
}

/// The orgs a young person may apply through on the portal, by name: the active league
/// committees of the streets, wherever they sit in the tree — or, in a tree whose orgs have no
/// regions yet, those directly under the root.
pub async fn portal_orgs(app: &App) -> AppResult<Vec<(String, String)>> {
    let streets = qingtuan_entity::region::Entity::find()
        .select_only()
        .column(qingtuan_entity::region::Column::Id)
        .filter(qingtuan_entity::region::Column::Kind.eq(RegionKind::Street.code()))
        .into_query();
    let kinds = [OrgKind::WorkingCommittee.code(), OrgKind::DistrictCommittee.code()];
    let active = org::Entity::find().filter(org::Column::DissolvedOn.is_null()).order_by_asc(org::Column::Path);
    let mut found = active
        .clone()
        .filter(org::Column::RegionId.in_subquery(streets))
        .filter(org::Column::Kind.is_in(kinds))
        .all(&app.db)
        .await?;
    if found.is_empty() {
        let roots = org::Entity::find()
            .select_only()
            .column(org::Column::Id)
            .filter(org::Column::ParentId.is_null())
            .into_query();
        found = active.filter(org::Column::ParentId.in_subquery(roots)).all(&app.db).await?;
    }
    Ok(found.into_iter().map(|o| (o.code, o.name)).collect())
}

/// An application goes to an org of the product's programme: the running org or one below it,
/// whose staff recommend it.
async fn within_programme(app: &App, c: &Checked, org: i64, problems: &mut Vec<FieldError>) -> AppResult<()> {
    if !crate::tree::is_below_or_at(&app.db, OrgId(org), OrgId(c.product.org_id)).await? {
        let runner =
            crate::tree::names(&app.db, vec![c.product.org_id]).await?.remove(&c.product.org_id).unwrap_or_default();
        let message = format!("“{}”由{runner}办理，请选择其范围内的组织", c.product.name);
        problems.push(FieldError::new("org_code", message));
    }
    Ok(())
}

/// Applies on the portal (no account): checked like an application at the desk, dated today,
/// rate-limited like every portal form; the private link shows where it stands.
pub async fn apply(app: &App, client: &ClientInfo, form: &NewApplication) -> AppResult<Receipt> {
    let now = app.now();
    let mut problems = Vec::new();
    let org = portal_orgs(app).await?.into_iter().find(|(code, _)| *code == form.org_code.trim());
    if org.is_none() {
        problems.push(FieldError::new("org_code", "请选择所在街道"));
    }
    let checked = check(app, form, Some(local_date(now)), &mut problems).await?;
    let (Some(c), Some((code, _))) = (checked, org) else { return Err(Invalid(problems).into()) };
    let org = crate::tree::find_by_code(&app.db, &code).await?.ok_or(AppError::NotFound)?;
    within_programme(app, &c, org.id, &mut problems).await?;
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let anonymous = Actor::anonymous(client, &mask_phone(c.phone.as_str()));
    let txn = app.begin().await?;
    if !crate::portal::within_limits(&txn, now, &anonymous, &app.keys.lookup_hash(c.phone.as_str())).await? {
        txn.commit().await?;
        return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
    }
    let waiting = loan_application::Entity::find()
        .filter(loan_application::Column::IdHash.eq(app.keys.lookup_hash(c.id_number.as_str())))
        .filter(loan_application::Column::State.is_in([LoanState::Applied.code(), LoanState::Recommended.code()]))
        .one(&txn)
        .await?;
    if waiting.is_some() {
        txn.commit().await?;
        let message = "此身份证号码已有一笔正在办理的申请，请通过申请时获得的链接查看进度";
        return Err(Invalid::one("id_number", message).into());
    }
    let receipt = Receipt::new();
    let id = insert(&txn, app, &c, org.id, Some(sha256_hex(&receipt.token))).await?;
    let entry = Entry::new(AuditAction::LoanApplied, ObjectKind::Loan)
        .object(id)
        .scope(OrgId(org.id))
        .after(applied_json(&c, &code));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(receipt)
}

/// An application as its applicant's private link shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MyApplication {
    pub product: String,
    pub bank: String,
    pub org: String,
    pub business_name: String,
    pub amount: String,
    pub applied_on: NaiveDate,
    pub state: String,
    pub note: String,
    pub approved: Option<String>,
    pub disbursed: Option<String>,
}

/// The application behind a private link.
pub async fn mine(app: &App, token: &str) -> AppResult<MyApplication> {
    let a = loan_application::Entity::find()
        .filter(loan_application::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let product = loan_product::Entity::find_by_id(a.product_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let bank = partner::Entity::find_by_id(a.partner_id).one(&app.db).await?.map(|b| b.name).unwrap_or_default();
    let org = org::Entity::find_by_id(a.org_id).one(&app.db).await?.map(|o| o.name).unwrap_or_default();
    let state = LoanState::parse(&a.state)?;
    Ok(MyApplication {
        product: product.name,
        bank,
        org,
        business_name: a.business_name,
        amount: Fen(a.amount_fen).yuan_text(),
        applied_on: a.applied_on,
        state: state.label().to_owned(),
        note: a.note,
        approved: a.approved_amount_fen.map(|f| Fen(f).yuan_text()),
        disbursed: a
            .disbursed_on
            .map(|d| format!("{d} 放款 {} 元", Fen(a.disbursed_amount_fen.unwrap_or(0)).yuan_text())),
    })
}

/// The sectors a business may be in.
pub fn sectors() -> &'static [BusinessSector] {
    BusinessSector::ALL
}

/// A proof over the handling org, for the pipeline's audit rows.
pub(super) fn within(side: &Side, a: &loan_application::Model, entry: Entry) -> Entry {
    match side {
        Side::League(proof) => entry.within(proof),
        Side::Bank(_) => entry.scope(OrgId(a.org_id)),
    }
}
