//! Loan products: what a partner bank offers young entrepreneurs (e.g. 青创先锋贷), run by a league
//! org — the age limit on the day of applying, the top amount.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{LoanProductId, OrgId};
use qingtuan_domain::money::Fen;
use qingtuan_domain::partner::PartnerKind;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{loan_product, partner};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::required_text;
use crate::{Actor, App, AppError};

/// A product as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewProduct {
    /// The league org that runs it.
    pub org_code: String,
    /// The bank's unified social credit code.
    pub bank_code: String,
    pub name: String,
    pub max_age: String,
    /// Yuan.
    pub max_amount: String,
}

/// Registers a product (loans.write over the org that runs it); the bank is a registered partner
/// of the bank kind.
pub async fn create(app: &App, actor: &Actor, form: &NewProduct) -> AppResult<LoanProductId> {
    let (org, proof) = scope::org_by_code(app, actor, WRITE, &form.org_code).await.map(|p| (p.get(), p))?;
    let mut problems = Vec::new();
    let bank = crate::tree::partner_by_credit_code(&app.db, &form.bank_code).await?;
    let bank = match bank {
        Some(b) if PartnerKind::parse(&b.kind) == Ok(PartnerKind::Bank) => Some(b),
        Some(b) => {
            problems.push(FieldError::new("bank_code", format!("“{}”不是银行类合作伙伴", b.name)));
            None
        }
        None => {
            let message = format!("统一社会信用代码“{}”不是已登记的合作伙伴", form.bank_code.trim());
            problems.push(FieldError::new("bank_code", message));
            None
        }
    };
    let terms =
        ProductTerms { name: form.name.clone(), max_age: form.max_age.clone(), max_amount: form.max_amount.clone() };
    let checked = terms.checked().map_err(|e| problems.extend(e.0)).ok();
    let (Some(bank), Some((name, max_age, max_amount)), true) = (bank, checked, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    let row = loan_product::ActiveModel {
        org_id: Set(org.0),
        partner_id: Set(bank.id),
        name: Set(name.clone()),
        max_age: Set(max_age),
        max_amount_fen: Set(max_amount.0),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::LoanProductCreated, ObjectKind::LoanProduct)
        .object(row.id)
        .within(&proof)
        .after(json!({ "bank": bank.name, "name": name, "max_age": max_age, "max_amount_fen": max_amount.0 }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(LoanProductId(row.id))
}

/// What a product offers, as typed: its name, the age limit, the top amount (yuan).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProductTerms {
    pub name: String,
    pub max_age: String,
    pub max_amount: String,
}

impl ProductTerms {
    fn checked(&self) -> Result<(String, i32, Fen), Invalid> {
        let mut problems = Vec::new();
        let name = required_text(&self.name, "name", "产品名称", 100).map_err(|e| problems.extend(e.0)).ok();
        let max_age = self.max_age.trim().parse::<i32>().ok().filter(|a| (18..=60).contains(a));
        if max_age.is_none() {
            problems.push(FieldError::new("max_age", "年龄上限应为 18 到 60 的整数"));
        }
        let max_amount = Fen::parse_yuan("max_amount", &self.max_amount).map_err(|e| problems.extend(e.0)).ok();
        match (name, max_age, max_amount) {
            (Some(n), Some(a), Some(m)) if problems.is_empty() => Ok((n, a, m)),
            _ => Err(Invalid(problems)),
        }
    }
}

/// A product the actor may change (loans.write over the org that runs it).
async fn writable(
    app: &App,
    actor: &Actor,
    id: LoanProductId,
) -> AppResult<(loan_product::Model, scope::InScope<OrgId>)> {
    let found = loan_product::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = OrgId(found.as_ref().map_or(0, |p| p.org_id));
    let proof = scope::require(app, actor, WRITE, (ObjectKind::LoanProduct, id.0.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, proof))
}

/// Changes what a product offers (loans.write over the org that runs it): its name, age limit and
/// top amount, for applications from now on; the bank and the org stay. Audited with the change.
pub async fn update(app: &App, actor: &Actor, id: LoanProductId, terms: &ProductTerms) -> AppResult<()> {
    let (p, proof) = writable(app, actor, id).await?;
    let (name, max_age, max_amount) = terms.checked()?;
    let before = json!({ "name": p.name, "max_age": p.max_age, "max_amount_fen": p.max_amount_fen });
    let after = json!({ "name": name, "max_age": max_age, "max_amount_fen": max_amount.0 });
    let txn = app.begin().await?;
    let mut active: loan_product::ActiveModel = p.into();
    active.name = Set(name);
    active.max_age = Set(max_age);
    active.max_amount_fen = Set(max_amount.0);
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::LoanProductChanged, ObjectKind::LoanProduct)
        .object(id.0)
        .within(&proof)
        .before(before)
        .after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Stops offering a product from today (loans.write over the org that runs it): it leaves the
/// portal and the desk's form; the applications made under it go on to their end.
pub async fn close(app: &App, actor: &Actor, id: LoanProductId) -> AppResult<()> {
    let (p, proof) = writable(app, actor, id).await?;
    if let Some(on) = p.closed_on {
        return Err(Invalid::one("product", format!("该贷款产品已于 {on} 停办")).into());
    }
    let today = qingtuan_domain::time::local_date(app.now());
    let name = p.name.clone();
    let txn = app.begin().await?;
    let mut active: loan_product::ActiveModel = p.into();
    active.closed_on = Set(Some(today));
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::LoanProductClosed, ObjectKind::LoanProduct)
        .object(id.0)
        .within(&proof)
        .after(json!({ "name": name, "closed_on": today }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A product as lists and forms show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductRow {
    pub id: LoanProductId,
    pub name: String,
    pub bank: String,
    pub max_age: i32,
    /// Yuan with two decimals, as the edit form takes it back.
    pub max_amount: String,
    pub closed_on: Option<chrono::NaiveDate>,
}

/// The products offered now, for the application forms (product names are public: the portal
/// offers them).
pub async fn offered(app: &App) -> AppResult<Vec<ProductRow>> {
    let rows = rows(app, loan_product::Entity::find().filter(loan_product::Column::ClosedOn.is_null())).await?;
    Ok(rows)
}

async fn rows(app: &App, query: sea_orm::Select<loan_product::Entity>) -> AppResult<Vec<ProductRow>> {
    let products = query.order_by_asc(loan_product::Column::Id).all(&app.db).await?;
    let banks = partner::Entity::find()
        .filter(partner::Column::Id.is_in(products.iter().map(|p| p.partner_id)))
        .all(&app.db)
        .await?;
    Ok(products
        .into_iter()
        .map(|p| ProductRow {
            id: LoanProductId(p.id),
            bank: banks.iter().find(|b| b.id == p.partner_id).map(|b| b.name.clone()).unwrap_or_default(),
            max_amount: Fen(p.max_amount_fen).yuan_text(),
            max_age: p.max_age,
            name: p.name,
            closed_on: p.closed_on,
        })
        .collect())
}

/// Every product, closed ones too, for staff who read loans somewhere.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<ProductRow>> {
    if actor.partner_with(READ).is_none() {
        scope::require_somewhere(app, actor, READ).await?;
    }
    rows(app, loan_product::Entity::find()).await
}
