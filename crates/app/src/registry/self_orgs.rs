//! Youth self-organisations (青年自组织, C5): groups young people formed themselves — a running
//! club, a volunteer circle, a start-up salon — each guided by a league org, with a kind, a region,
//! a contact (the phone encrypted, shown masked) and founding and dissolution dates. They follow
//! the org permissions of their guiding org; the figure counts those existing on a date.

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, SelfOrgId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::org::SelfOrgKind;
use qingtuan_domain::person::Phone;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::self_organisation as self_org;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::orgs::{EXPORT, READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::db::Write;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::{end_date, required_date, required_text};
use crate::page::Page;
use crate::{Actor, App, AppError};

/// A self-organisation as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewSelfOrg {
    /// The league org that guides it.
    pub org_code: String,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub members: String,
    pub founded_on: String,
}

/// The columns of the self-organisations spreadsheet, as users see them.
pub const SELF_ORG_COLUMNS: [(&str, &str); 8] = [
    ("org_code", "联系指导组织代码"),
    ("name", "自组织名称"),
    ("kind", "类型"),
    ("region_code", "所在区域代码"),
    ("contact_name", "联系人"),
    ("contact_phone", "联系电话"),
    ("members", "成员人数"),
    ("founded_on", "成立日期"),
];

/// Registers a self-organisation (orgs.write over its guiding org).
pub async fn create(app: &App, actor: &Actor, form: &NewSelfOrg) -> AppResult<SelfOrgId> {
    // Outside the scope the guiding org is reported missing — and the probe is audited.
    scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

/// Validates and writes one self-organisation on `conn` (a transaction), with its audit row.
async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewSelfOrg) -> AppResult<SelfOrgId> {
    let mut problems: Vec<FieldError> = Vec::new();
    let (guide, proof) = match scope::org_in_row(conn, actor, WRITE, &form.org_code, "联系指导组织").await? {
        Ok((o, proof)) => (Some(o), Some(proof)),
        Err(e) => {
            problems.push(e);
            (None, None)
        }
    };
    let name = required_text(&form.name, "name", "自组织名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let kind = SelfOrgKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let region = match form.region_code.trim() {
        "" => None,
        code => {
            let found = crate::registry::regions::find_named(conn, code).await?;
            if found.is_none() {
                problems.push(field("region_code", format!("区域“{code}”不存在")));
            }
            found
        }
    };
    let contact_name =
        required_text(&form.contact_name, "contact_name", "联系人", 50).map_err(|e| problems.extend(e.0)).ok();
    let phone = Phone::parse(&form.contact_phone)
        .map_err(|e| problems.extend(e.0.into_iter().map(|f| FieldError { field: "contact_phone", ..f })))
        .ok();
    let members = match form.members.trim() {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(n) if (1..=100_000).contains(&n) => Some(n),
            _ => {
                problems.push(field("members", "成员人数应为 1 到 100000 的整数".into()));
                None
            }
        },
    };
    let founded_on = required_date("founded_on", &form.founded_on, "成立日期", local_date(app.now()))
        .map_err(|e| problems.push(e))
        .ok();
    if let (Some(g), Some(n)) = (&guide, &name) {
        let same = self_org::Entity::find()
            .filter(self_org::Column::OrgId.eq(g.id))
            .filter(self_org::Column::Name.eq(n.as_str()))
            .filter(self_org::Column::DissolvedOn.is_null())
            .count(conn)
            .await?;
        if same > 0 {
            problems.push(field("name", format!("{}已登记名为“{n}”的青年自组织", g.name)));
        }
    }
    let (Some(guide), Some(proof), Some(name), Some(kind), Some(contact_name), Some(phone), Some(founded_on)) =
        (guide, proof, name, kind, contact_name, phone, founded_on)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let row = self_org::ActiveModel {
        org_id: Set(guide.id),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        region_id: Set(region.as_ref().map(|r| r.id)),
        contact_name: Set(contact_name),
        contact_phone_enc: Set(app.keys.encrypt(phone.as_str())?),
        members: Set(members),
        founded_on: Set(founded_on),
        dissolved_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let entry = Entry::new(AuditAction::SelfOrgCreated, ObjectKind::SelfOrg).object(row.id).within(&proof).after(
        json!({ "org": guide.code, "name": name, "kind": kind.code(), "founded_on": founded_on, "members": members }),
    );
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(SelfOrgId(row.id))
}

fn field(field: &'static str, message: String) -> FieldError {
    FieldError::new(field, message)
}

impl crate::batch::Importable for NewSelfOrg {
    const COLUMNS: &'static [(&'static str, &'static str)] = &SELF_ORG_COLUMNS;
    const REQUIRED: &'static [&'static str] =
        &["org_code", "name", "kind", "contact_name", "contact_phone", "founded_on"];
    const EXAMPLE: &'static [&'static str] =
        &["CY01T", "城阳青年跑团", "文体活动", "CY01", "王晓", "13800000000", "40", "2021-05-04"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        (field == "kind").then(|| SelfOrgKind::ALL.iter().map(|k| k.label()).collect())
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            kind: cell("kind"),
            region_code: cell("region_code"),
            contact_name: cell("contact_name"),
            contact_phone: cell("contact_phone"),
            members: cell("members"),
            founded_on: cell("founded_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &SELF_ORG_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// A self-organisation as the list shows it: the contact's phone masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SelfOrgRow {
    pub id: SelfOrgId,
    pub name: String,
    pub kind: String,
    pub org_name: String,
    pub region_name: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub members: Option<i32>,
    pub founded_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    /// Part of the name.
    pub q: String,
    pub kind: String,
    /// An org's code: the self-organisations it and the orgs below it guide.
    pub org: String,
    /// `true`: dissolved ones too.
    pub all: bool,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<self_org::Entity>> {
    let mut q = self_org::Entity::find().filter(scope::org_condition(actor, permission, self_org::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(self_org::Column::Name.contains(filter.q.trim()));
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(self_org::Column::Kind.eq(SelfOrgKind::parse(&filter.kind)?.code()));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(self_org::Column::OrgId.in_subquery(below));
    }
    if !filter.all {
        q = q.filter(self_org::Column::DissolvedOn.is_null());
    }
    Ok(q.order_by_asc(self_org::Column::Name).order_by_asc(self_org::Column::Id))
}

/// The self-organisations guided by orgs in the actor's scope, by name, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<SelfOrgRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(app, actor, READ, filter).await?, filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The list as a workbook (phones masked), audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = crate::export::rows_of(&app.db, query(app, actor, EXPORT, filter).await?).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                r.kind,
                r.org_name,
                r.region_name,
                r.contact_name,
                r.contact_phone,
                r.members.map(|m| m.to_string()).unwrap_or_default(),
                r.founded_on.to_string(),
                r.dissolved_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header =
        ["自组织名称", "类型", "联系指导组织", "所在区域", "联系人", "联系电话", "成员人数", "成立日期", "解散日期"];
    let asked = json!({ "list": "self_organisations", "q": filter.q, "kind": filter.kind, "org": filter.org });
    crate::export::audited(app, actor, Exported::of(ObjectKind::SelfOrg, asked), "青年自组织", &header, rows).await
}

async fn rows(app: &App, found: Vec<self_org::Model>) -> AppResult<Vec<SelfOrgRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|s| s.org_id).collect()).await?;
    let regions = crate::registry::regions::names(&app.db, found.iter().filter_map(|s| s.region_id)).await?;
    let mut out = Vec::with_capacity(found.len());
    for s in found {
        out.push(SelfOrgRow {
            id: SelfOrgId(s.id),
            kind: SelfOrgKind::parse(&s.kind).map(|k| k.label().to_owned()).unwrap_or(s.kind.clone()),
            org_name: names.get(&s.org_id).cloned().unwrap_or_default(),
            region_name: s.region_id.and_then(|r| regions.get(&r).cloned()).unwrap_or_default(),
            contact_phone: mask_phone(&app.keys.decrypt(&s.contact_phone_enc)?),
            contact_name: s.contact_name,
            members: s.members,
            founded_on: s.founded_on,
            dissolved_on: s.dissolved_on,
            name: s.name,
        });
    }
    Ok(out)
}

/// A dissolution as checked, before it is confirmed: the self-organisation and the date.
#[derive(Debug, Clone)]
pub struct Dissolution {
    pub id: SelfOrgId,
    pub name: String,
    pub on: NaiveDate,
}

/// Checks a dissolution (orgs.write over the guiding org) without writing it.
pub async fn dissolution(app: &App, actor: &Actor, id: SelfOrgId, on: &str) -> AppResult<Dissolution> {
    let (s, _) = guided(app, actor, id).await?;
    let on = dissolution_date(app, &s, on)?;
    Ok(Dissolution { id, name: s.name, on })
}

/// Dissolves a self-organisation on a date (orgs.write over the guiding org): from that day it is
/// no longer counted.
pub async fn dissolve(app: &App, actor: &Actor, id: SelfOrgId, on: &str) -> AppResult<()> {
    let (s, proof) = guided(app, actor, id).await?;
    let on = dissolution_date(app, &s, on)?;
    let txn = app.begin().await?;
    // Dissolved once: of two dissolutions at the same time, the second changes nothing.
    let changed = self_org::Entity::update_many()
        .col_expr(self_org::Column::DissolvedOn, sea_orm::sea_query::Expr::value(on))
        .filter(self_org::Column::Id.eq(s.id))
        .filter(self_org::Column::DissolvedOn.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("dissolved_on", format!("{}已经解散", s.name)).into());
    }
    let entry = Entry::new(AuditAction::SelfOrgDissolved, ObjectKind::SelfOrg)
        .object(s.id)
        .within(&proof)
        .after(json!({ "name": s.name, "dissolved_on": on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

async fn guided(app: &App, actor: &Actor, id: SelfOrgId) -> AppResult<(self_org::Model, scope::InScope<OrgId>)> {
    let s = self_org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::SelfOrg, id.to_string()), OrgId(s.org_id)).await?;
    Ok((s, proof))
}

fn dissolution_date(app: &App, s: &self_org::Model, on: &str) -> Result<NaiveDate, Invalid> {
    if let Some(d) = s.dissolved_on {
        return Err(Invalid::one("dissolved_on", format!("{}已于 {d} 解散", s.name)));
    }
    end_date("dissolved_on", on, s.founded_on, local_date(app.now()), ("解散", "成立"))
}
