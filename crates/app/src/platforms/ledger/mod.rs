//! The contributions ledger (资源台账, P1 "财政投入 + 社会资源"): every resource that enters the
//! work is a dated line — fiscal (from which budget) or social (from a registered partner, another
//! unit or a person, possibly anonymous); money, goods at their valuation, or space and service
//! hours as units at a rate; what it was for. The donations volunteering records are its social
//! money and goods lines (`write`), so there is one book. The ledger's page sums what it lists: by
//! source, kind, giver and purpose, and the social-to-fiscal leverage.

mod lists;

use chrono::NaiveDate;
use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{LedgerLineId, OrgId};
use qingtuan_domain::money::Fen;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::platform::{ContributionKind, DonorKind, Funding, Purpose};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{activity, contribution, contribution_document, project, recruitment_call};
use sea_orm::{ActiveModelTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use super::{READ, WRITE, check_org, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::db::Write;
use crate::error::AppResult;
use crate::export::{Document, Upload};
use crate::forms::{required_date, required_text};
use crate::{Actor, App, AppError};

pub(crate) use lists::rows;
pub use lists::{Filter, Ledger, LineRow, Sum, Summary, export, list};

/// A ledger line as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewLine {
    /// The org that received it.
    pub org_code: String,
    pub funding: String,
    /// Fiscal: which budget.
    pub budget: String,
    /// Social: partner, org or person.
    pub donor_kind: String,
    /// A partner's unified social credit code.
    pub partner_code: String,
    /// Another unit's or a person's name; empty: anonymous.
    pub donor_name: String,
    pub kind: String,
    /// Money or goods: the amount or valuation, in yuan.
    pub amount: String,
    /// Space or service: months or hours…
    pub units: String,
    /// …at this valuation per unit, in yuan.
    pub rate: String,
    pub purpose_kind: String,
    /// The project, activity, call or hope cabin's number, when the purpose is one.
    pub purpose_id: String,
    pub purpose: String,
    pub on_date: String,
    pub receipt_no: String,
}

/// The columns of the ledger spreadsheet, as users see them.
pub const LINE_COLUMNS: [(&str, &str); 15] = [
    ("org_code", "接收组织代码"),
    ("funding", "来源"),
    ("budget", "预算科目"),
    ("donor_kind", "提供方类型"),
    ("partner_code", "合作伙伴统一社会信用代码"),
    ("donor_name", "提供方名称"),
    ("kind", "资源类型"),
    ("amount", "金额或折价（元）"),
    ("units", "数量（场地按月、服务按小时）"),
    ("rate", "折算单价（元）"),
    ("purpose_kind", "用途"),
    ("purpose_id", "用途对象编号"),
    ("purpose", "用途说明"),
    ("on_date", "日期"),
    ("receipt_no", "票据号"),
];

/// A checked line, ready to be written.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub org_id: i64,
    pub funding: Funding,
    pub budget: String,
    pub partner_id: Option<i64>,
    pub donor_name: Option<String>,
    pub donor_kind: Option<DonorKind>,
    pub kind: ContributionKind,
    pub units: Option<(i64, Fen)>,
    pub value: Fen,
    pub purpose_kind: Purpose,
    pub purpose_id: Option<i64>,
    pub purpose: String,
    pub on_date: NaiveDate,
    pub receipt_no: String,
}

/// Writes a checked line on `conn` (the caller audits it in the same transaction).
pub(crate) async fn write(conn: &Write, app: &App, line: &Line) -> AppResult<i64> {
    let row = contribution::ActiveModel {
        org_id: Set(line.org_id),
        funding: Set(line.funding.code().to_owned()),
        budget: Set(line.budget.clone()),
        partner_id: Set(line.partner_id),
        donor_name: Set(line.donor_name.clone()),
        donor_kind: Set(line.donor_kind.map(|k| k.code().to_owned()).unwrap_or_default()),
        kind: Set(line.kind.code().to_owned()),
        units: Set(line.units.map(|(n, _)| n)),
        rate_fen: Set(line.units.map(|(_, rate)| rate.0)),
        value_fen: Set(line.value.0),
        purpose_kind: Set(line.purpose_kind.code().to_owned()),
        purpose_id: Set(line.purpose_id),
        purpose: Set(line.purpose.clone()),
        on_date: Set(line.on_date),
        receipt_no: Set(line.receipt_no.clone()),
        recorded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Records a ledger line (platforms.write over the receiving org).
pub async fn record(app: &App, actor: &Actor, form: &NewLine) -> AppResult<LedgerLineId> {
    check_org(app, actor, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(LedgerLineId(id))
}

async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewLine) -> AppResult<i64> {
    let mut problems: Vec<FieldError> = Vec::new();
    let org = org_for_write(conn, actor, &form.org_code, "接收组织").await?.map_err(|e| problems.push(e)).ok();
    let funding = Funding::parse(&form.funding).map_err(|e| problems.extend(e.0)).ok();
    let blank = |raw: &str| raw.trim().is_empty();
    let (mut budget, mut donor_kind, mut partner_id, mut donor_name) = (String::new(), None, None, None);
    match funding {
        Some(Funding::Fiscal) => {
            budget = required_text(&form.budget, "budget", "预算科目", 100)
                .map_err(|e| problems.extend(e.0))
                .unwrap_or_default();
            if !blank(&form.donor_kind) || !blank(&form.partner_code) || !blank(&form.donor_name) {
                problems.push(FieldError::new("donor_kind", "财政投入不填写提供方"));
            }
        }
        Some(Funding::Social) => {
            donor_kind = DonorKind::parse(&form.donor_kind).map_err(|e| problems.extend(e.0)).ok();
            match donor_kind {
                Some(DonorKind::Partner) => {
                    match crate::tree::partner_by_credit_code(&app.db, &form.partner_code).await? {
                        Some(p) => partner_id = Some(p.id),
                        None => problems.push(FieldError::new(
                            "partner_code",
                            format!("统一社会信用代码“{}”不是已登记的合作伙伴", form.partner_code.trim()),
                        )),
                    }
                }
                Some(_) => {
                    let name = form.donor_name.trim();
                    if name.chars().count() > 100 {
                        problems.push(FieldError::new("donor_name", "提供方名称不超过 100 个字"));
                    }
                    donor_name = (!name.is_empty()).then(|| name.to_owned());
                }
                None => {}
            }
        }
        None => {}
    }
    let kind = ContributionKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let (mut units, mut value) = (None, None);
    match kind {
        Some(k) if k.valued_by_rate() => {
            let n = match form.units.trim().parse::<i64>() {
                Ok(n) if (1..=100_000).contains(&n) => Some(n),
                _ => {
                    problems.push(FieldError::new("units", "数量应为 1 到 100000 的整数（场地按月、服务按小时）"));
                    None
                }
            };
            let rate = Fen::parse_yuan("rate", &form.rate).map_err(|e| problems.extend(e.0)).ok();
            if let (Some(n), Some(rate)) = (n, rate) {
                units = Some((n, rate));
                value = n.checked_mul(rate.0).map(Fen);
                if value.is_none() {
                    problems.push(FieldError::new("rate", "数量乘以折算单价超出范围，单笔价值不超过 10 亿元"));
                }
            }
        }
        Some(_) => value = Fen::parse_yuan("amount", &form.amount).map_err(|e| problems.extend(e.0)).ok(),
        None => {}
    }
    if value.is_some_and(|v| v.0 > 100_000_000_000) {
        let field = if kind.is_some_and(ContributionKind::valued_by_rate) { "rate" } else { "amount" };
        problems.push(FieldError::new(field, "单笔价值不超过 10 亿元"));
    }
    let purpose_kind = Purpose::parse(&form.purpose_kind).map_err(|e| problems.extend(e.0)).ok();
    let purpose_id = match (purpose_kind, form.purpose_id.trim()) {
        (_, "") => None,
        (Some(p @ (Purpose::Project | Purpose::Activity | Purpose::Call | Purpose::Cabin)), raw) => {
            let found = match raw.parse::<i64>() {
                Ok(id) => purpose_exists(conn, actor, p, id).await?.then_some(id),
                Err(_) => None,
            };
            if found.is_none() {
                problems.push(FieldError::new("purpose_id", format!("{}编号“{raw}”不存在", p.label())));
            }
            found
        }
        (Some(p), _) => {
            problems.push(FieldError::new("purpose_id", format!("用途为“{}”时不填写用途对象编号", p.label())));
            None
        }
        (None, _) => None,
    };
    let purpose: String = form.purpose.trim().to_owned();
    if purpose.chars().count() > 200 {
        problems.push(FieldError::new("purpose", "用途说明不超过 200 个字"));
    }
    let on_date =
        required_date("on_date", &form.on_date, "日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let receipt_no = form.receipt_no.trim().to_owned();
    if receipt_no.chars().count() > 40 {
        problems.push(FieldError::new("receipt_no", "票据号不超过 40 个字"));
    }
    let (Some((org, proof)), Some(funding), Some(kind), Some(value), Some(purpose_kind), Some(on_date), true) =
        (org, funding, kind, value, purpose_kind, on_date, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let line = Line {
        org_id: org.id,
        funding,
        budget,
        partner_id,
        donor_name,
        donor_kind,
        kind,
        units,
        value,
        purpose_kind,
        purpose_id,
        purpose,
        on_date,
        receipt_no,
    };
    let id = write(conn, app, &line).await?;
    // A person who gave is not named in the log.
    let giver = match line.donor_kind {
        Some(DonorKind::Person) => Some("（个人）".to_owned()),
        _ => line.donor_name.clone(),
    };
    let entry = Entry::new(AuditAction::ContributionRecorded, ObjectKind::Contribution)
        .object(id)
        .within(&proof)
        .after(json!({
            "org": org.code, "funding": funding.code(), "budget": line.budget, "partner": partner_id, "giver": giver,
            "kind": kind.code(), "value_fen": value.0, "purpose": purpose_kind.code(), "on_date": on_date,
        }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(id)
}

/// Whether the project, activity, call or hope cabin exists within what the actor may read (one elsewhere is
/// answered as missing).
async fn purpose_exists(conn: &Write, actor: &Actor, purpose: Purpose, id: i64) -> AppResult<bool> {
    // The modules' read permissions, named here: activities and volunteering import this module.
    let readable = |module| Permission::new(module, Action::Read);
    Ok(match purpose {
        Purpose::Project => {
            project::Entity::find_by_id(id)
                .filter(scope::org_condition(actor, readable(Module::Activities), project::Column::OrgId))
                .count(conn)
                .await?
                > 0
        }
        Purpose::Activity => {
            activity::Entity::find_by_id(id)
                .filter(scope::org_condition(actor, readable(Module::Activities), activity::Column::OrgId))
                .count(conn)
                .await?
                > 0
        }
        Purpose::Call => {
            recruitment_call::Entity::find_by_id(id)
                .filter(scope::org_condition(actor, readable(Module::Volunteering), recruitment_call::Column::OrgId))
                .count(conn)
                .await?
                > 0
        }
        Purpose::Cabin => {
            qingtuan_entity::hope_cabin::Entity::find_by_id(id)
                .filter(scope::org_condition(
                    actor,
                    readable(Module::Cabins),
                    qingtuan_entity::hope_cabin::Column::OrgId,
                ))
                .count(conn)
                .await?
                > 0
        }
        _ => false,
    })
}

impl crate::batch::Importable for NewLine {
    const COLUMNS: &'static [(&'static str, &'static str)] = &LINE_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "funding", "kind", "purpose_kind", "on_date"];
    const EXAMPLE: &'static [&'static str] = &[
        "CY",
        "社会资源",
        "",
        "合作伙伴",
        "91370214MA3C8E1X5N",
        "",
        "场地",
        "",
        "12",
        "3000",
        "阵地建设",
        "",
        "青年之家共享工位",
        "2022-01-01",
        "",
    ];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "funding" => Some(Funding::ALL.iter().map(|k| k.label()).collect()),
            "donor_kind" => Some(DonorKind::ALL.iter().map(|k| k.label()).collect()),
            "kind" => Some(ContributionKind::ALL.iter().map(|k| k.label()).collect()),
            "purpose_kind" => Some(Purpose::ALL.iter().map(|k| k.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            funding: cell("funding"),
            budget: cell("budget"),
            donor_kind: cell("donor_kind"),
            partner_code: cell("partner_code"),
            donor_name: cell("donor_name"),
            kind: cell("kind"),
            amount: cell("amount"),
            units: cell("units"),
            rate: cell("rate"),
            purpose_kind: cell("purpose_kind"),
            purpose_id: cell("purpose_id"),
            purpose: cell("purpose"),
            on_date: cell("on_date"),
            receipt_no: cell("receipt_no"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &LINE_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// Reverses a line entered by mistake (红字冲销; platforms.write over the receiving org): a line of
/// the opposite value on the same date names it and says why, so every sum — on every date — nets
/// it out while the book keeps both. A line is reversed once; a reversing line is not reversed.
pub async fn reverse(app: &App, actor: &Actor, LedgerLineId(id): LedgerLineId, reason: &str) -> AppResult<i64> {
    let c = contribution::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Contribution, id.to_string()), OrgId(c.org_id)).await?;
    let reason = required_text(reason, "reason", "冲销原因", 200)?;
    if c.reverses_id.is_some() {
        return Err(Invalid::one("reason", "冲销记录不能再冲销").into());
    }
    let txn = app.begin().await?;
    let reversing = contribution::ActiveModel {
        id: NotSet,
        value_fen: Set(-c.value_fen),
        units: Set(c.units.map(|n| -n)),
        reverses_id: Set(Some(c.id)),
        reason: Set(reason.clone()),
        recorded_at: Set(app.now()),
        ..c.clone().into()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "reason", "该记录已冲销"))?;
    let entry = Entry::new(AuditAction::ContributionReversed, ObjectKind::Contribution)
        .object(c.id)
        .within(&proof)
        .after(json!({ "reversing": reversing.id, "value_fen": -c.value_fen, "on_date": c.on_date, "reason": reason }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(reversing.id)
}

/// Attaches a line's voucher (a receipt, a certificate, a valuation: PDF or image, checked by
/// content), replacing an earlier one (platforms.write over the receiving org).
pub async fn attach(
    app: &App,
    actor: &Actor,
    LedgerLineId(id): LedgerLineId,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<()> {
    let c = contribution::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Contribution, id.to_string()), OrgId(c.org_id)).await?;
    let doc = Upload::check(bytes, "凭证", &DocumentType::ALL, file_name, "凭证")?;
    let mut facts = doc.facts();
    let txn = app.begin().await?;
    let replaced = contribution_document::Entity::delete_by_id(c.id).exec(&txn).await?.rows_affected > 0;
    contribution_document::ActiveModel {
        contribution_id: Set(c.id),
        file_name: Set(doc.name.clone()),
        content_type: Set(doc.content_type()),
        sha256: Set(doc.sha256.clone()),
        bytes: Set(doc.bytes),
        uploaded_at: Set(app.now()),
    }
    .insert(&txn)
    .await?;
    facts["replaced"] = json!(replaced);
    let entry = Entry::new(AuditAction::ContributionDocumentAttached, ObjectKind::Contribution)
        .object(c.id)
        .within(&proof)
        .after(facts);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A line's voucher (platforms.read over the receiving org, or the giving partner's own account;
/// 404 when none is attached).
pub async fn document(app: &App, actor: &Actor, LedgerLineId(id): LedgerLineId) -> AppResult<Document> {
    let c = contribution::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if actor.partner_with(READ).is_none_or(|p| c.partner_id != Some(p.0)) {
        scope::require(app, actor, READ, (ObjectKind::Contribution, id.to_string()), OrgId(c.org_id)).await?;
    }
    let d = contribution_document::Entity::find_by_id(c.id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let kind = DocumentType::sniff(&d.bytes).ok_or(AppError::NotFound)?;
    Ok(Document { file_name: d.file_name, content_type: kind.content_type(), bytes: d.bytes })
}
