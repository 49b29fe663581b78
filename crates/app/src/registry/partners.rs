//! Partners (合作伙伴): enterprises, associations, social organisations, universities, banks and
//! government units league orgs work with — one registry for every use (the social organisations
//! that sell services to streets, later the banks that lend and the companies that give). Each is
//! registered by a league org, under that org's permissions, and known by its unified social credit
//! code (checked, unique); its contact's phone is kept encrypted and shown masked.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::PartnerId;
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::partner::{CreditCode, PartnerKind};
use qingtuan_domain::person::Phone;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::partner;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::orgs::{EXPORT, READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::db::Write;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::required_text;
use crate::page::Page;
use crate::{Actor, App, AppError};

/// A partner as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewPartner {
    /// The league org that registers it and works with it.
    pub org_code: String,
    pub name: String,
    pub credit_code: String,
    pub kind: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// The columns of the partners spreadsheet, as users see them.
pub const PARTNER_COLUMNS: [(&str, &str); 6] = [
    ("org_code", "联系组织代码"),
    ("name", "名称"),
    ("credit_code", "统一社会信用代码"),
    ("kind", "类型"),
    ("contact_name", "联系人"),
    ("contact_phone", "联系电话"),
];

/// Registers a partner (orgs.write over the org that works with it).
pub async fn create(app: &App, actor: &Actor, form: &NewPartner) -> AppResult<PartnerId> {
    // Outside the scope the org is reported missing — and the probe is audited.
    scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewPartner) -> AppResult<PartnerId> {
    let mut problems: Vec<FieldError> = Vec::new();
    let (org, proof) = match scope::org_in_row(conn, actor, WRITE, &form.org_code, "联系组织").await? {
        Ok((o, proof)) => (Some(o), Some(proof)),
        Err(e) => {
            problems.push(e);
            (None, None)
        }
    };
    let name = required_text(&form.name, "name", "名称", 200).map_err(|e| problems.extend(e.0)).ok();
    let code = CreditCode::parse(&form.credit_code).map_err(|e| problems.extend(e.0)).ok();
    let kind = PartnerKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let contact_name =
        required_text(&form.contact_name, "contact_name", "联系人", 50).map_err(|e| problems.extend(e.0)).ok();
    let phone = Phone::parse(&form.contact_phone)
        .map_err(|e| problems.extend(e.0.into_iter().map(|f| FieldError { field: "contact_phone", ..f })))
        .ok();
    let duplicate = |c: &CreditCode| format!("统一社会信用代码 {} 已登记（同一代码即同一合作伙伴）", c.as_str());
    if let Some(c) = &code
        && partner::Entity::find().filter(partner::Column::CreditCode.eq(c.as_str())).count(conn).await? > 0
    {
        problems.push(FieldError::new("credit_code", duplicate(c)));
    }
    let (Some(org), Some(proof), Some(name), Some(code), Some(kind), Some(contact_name), Some(phone)) =
        (org, proof, name, code, kind, contact_name, phone)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let row = partner::ActiveModel {
        org_id: Set(org.id),
        name: Set(name.clone()),
        credit_code: Set(code.as_str().to_owned()),
        kind: Set(kind.code().to_owned()),
        contact_name: Set(contact_name),
        contact_phone_enc: Set(app.keys.encrypt(phone.as_str())?),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| AppError::on_unique(e, "credit_code", &duplicate(&code)))?;
    let entry = Entry::new(AuditAction::PartnerCreated, ObjectKind::Partner)
        .object(row.id)
        .within(&proof)
        .after(json!({ "org": org.code, "name": name, "credit_code": code.as_str(), "kind": kind.code() }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(PartnerId(row.id))
}

impl crate::batch::Importable for NewPartner {
    const COLUMNS: &'static [(&'static str, &'static str)] = &PARTNER_COLUMNS;
    const REQUIRED: &'static [&'static str] =
        &["org_code", "name", "credit_code", "kind", "contact_name", "contact_phone"];
    const EXAMPLE: &'static [&'static str] =
        &["CY02T", "城阳区青少年事务社会工作服务中心", "52370214MJD74313XN", "社会组织", "李敏", "13800000000"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        (field == "kind").then(|| PartnerKind::ALL.iter().map(|k| k.label()).collect())
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            credit_code: cell("credit_code"),
            kind: cell("kind"),
            contact_name: cell("contact_name"),
            contact_phone: cell("contact_phone"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &PARTNER_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// A partner as the list shows it: the contact's phone masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartnerRow {
    pub id: PartnerId,
    pub name: String,
    pub credit_code: String,
    pub kind: String,
    pub org_name: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    /// Part of the name, or the credit code.
    pub q: String,
    pub kind: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

fn query(
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<partner::Entity>> {
    let mut q = partner::Entity::find().filter(scope::org_condition(actor, permission, partner::Column::OrgId));
    let typed = filter.q.trim();
    if !typed.is_empty() {
        q = q.filter(
            Condition::any()
                .add(partner::Column::Name.contains(typed))
                .add(partner::Column::CreditCode.eq(typed.to_uppercase())),
        );
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(partner::Column::Kind.eq(PartnerKind::parse(&filter.kind)?.code()));
    }
    Ok(q.order_by_asc(partner::Column::Name).order_by_asc(partner::Column::Id))
}

/// The partners registered by orgs in the actor's scope, by name, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<PartnerRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(actor, READ, filter)?, filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The list as a workbook (phones masked), audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = crate::export::rows_of(&app.db, query(actor, EXPORT, filter)?).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| vec![r.name, r.credit_code, r.kind, r.org_name, r.contact_name, r.contact_phone])
        .collect();
    let header = ["名称", "统一社会信用代码", "类型", "联系组织", "联系人", "联系电话"];
    let asked = json!({ "list": "partners", "q": filter.q, "kind": filter.kind });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Partner, asked), "合作伙伴", &header, rows).await
}

async fn rows(app: &App, found: Vec<partner::Model>) -> AppResult<Vec<PartnerRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|p| p.org_id).collect()).await?;
    let mut out = Vec::with_capacity(found.len());
    for p in found {
        out.push(PartnerRow {
            id: PartnerId(p.id),
            kind: PartnerKind::parse(&p.kind).map(|k| k.label().to_owned()).unwrap_or(p.kind.clone()),
            org_name: names.get(&p.org_id).cloned().unwrap_or_default(),
            contact_phone: mask_phone(&app.keys.decrypt(&p.contact_phone_enc)?),
            contact_name: p.contact_name,
            credit_code: p.credit_code,
            name: p.name,
        });
    }
    Ok(out)
}
