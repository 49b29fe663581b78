//! A society's link level as a dated history: each change with its date and reason, typed on its
//! page or imported; the level in force on a date.

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, SocietyId};
use qingtuan_domain::platform::LinkLevel;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{society, society_link};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::guided;
use crate::access::audit::{self, Entry};
use crate::access::scope::InScope;
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::{required_date, required_text};
use crate::platforms::org_for_write;
use crate::{Actor, App};

/// A change of link level as typed on the society's page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LinkChange {
    pub level: String,
    pub on_date: String,
    pub reason: String,
}

/// A change of link level as a spreadsheet row: the society named by its guiding org and name.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewLinkChange {
    pub org_code: String,
    pub name: String,
    pub change: LinkChange,
}

/// The columns of the link-history spreadsheet.
pub const LINK_COLUMNS: [(&str, &str); 5] = [
    ("org_code", "联系指导组织代码"),
    ("name", "社团名称"),
    ("level", "联系程度"),
    ("on_date", "变更日期"),
    ("reason", "变更原因"),
];

/// Changes a society's link level from a date on (platforms.write over its guiding org). Every
/// change is kept: the figures of a date read the latest change dated on or before it.
pub async fn change_link(app: &App, actor: &Actor, id: SocietyId, change: &LinkChange) -> AppResult<()> {
    let (s, proof) = guided(app, actor, id).await?;
    let txn = app.begin().await?;
    link(&txn, app, actor, &s, &proof, change).await?;
    txn.commit().await?;
    Ok(())
}

async fn link(
    conn: &Write,
    app: &App,
    actor: &Actor,
    s: &society::Model,
    proof: &InScope<OrgId>,
    change: &LinkChange,
) -> AppResult<()> {
    let mut problems = Vec::new();
    let level = LinkLevel::parse(&change.level).map_err(|e| problems.extend(e.0)).ok();
    let on =
        required_date("on_date", &change.on_date, "变更日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    if let Some(d) = on {
        if d < s.founded_on {
            problems.push(FieldError::new("on_date", format!("变更日期不能早于成立日期 {}", s.founded_on)));
        }
        if let Some(end) = s.dissolved_on.filter(|end| d >= *end) {
            problems.push(FieldError::new("on_date", format!("{}已于 {end} 解散", s.name)));
        }
    }
    let reason = required_text(&change.reason, "reason", "变更原因", 200).map_err(|e| problems.extend(e.0)).ok();
    let (Some(level), Some(on), Some(reason)) = (level, on, reason) else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    // Taken first, so two changes at once are judged one after the other.
    conn.take::<society::Entity>(society::Column::Id, Condition::all().add(society::Column::Id.eq(s.id))).await?;
    let before = level_on(conn, s.id, on).await?;
    if before == Some(level) {
        return Err(Invalid::one("level", format!("{}在 {on} 的联系程度已是“{}”", s.name, level.label())).into());
    }
    society_link::ActiveModel {
        society_id: Set(s.id),
        level: Set(level.code().to_owned()),
        on_date: Set(on),
        reason: Set(reason.clone()),
        recorded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let entry = Entry::new(AuditAction::SocietyLinked, ObjectKind::Society)
        .object(s.id)
        .within(proof)
        .before(json!({ "level": before.map(|l| l.code()) }))
        .after(json!({ "name": s.name, "level": level.code(), "on_date": on, "reason": reason }));
    audit::record(conn, app.now(), actor, entry).await
}

/// The level in force on a date: the latest change dated on or before it.
pub(super) async fn level_on<C: sea_orm::ConnectionTrait>(
    conn: &C,
    society: i64,
    on: NaiveDate,
) -> AppResult<Option<LinkLevel>> {
    let latest = society_link::Entity::find()
        .filter(society_link::Column::SocietyId.eq(society))
        .filter(society_link::Column::OnDate.lte(on))
        .order_by_desc(society_link::Column::OnDate)
        .order_by_desc(society_link::Column::Id)
        .one(conn)
        .await?;
    Ok(latest.and_then(|l| LinkLevel::parse(&l.level).ok()))
}

impl crate::batch::Importable for NewLinkChange {
    const COLUMNS: &'static [(&'static str, &'static str)] = &LINK_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "level", "on_date", "reason"];
    const EXAMPLE: &'static [&'static str] = &["CY01T", "城阳青年摄影协会", "直接联系", "2022-03-01", "建立团支部"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        (field == "level").then(|| LinkLevel::ALL.iter().map(|k| k.label()).collect())
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            change: LinkChange { level: cell("level"), on_date: cell("on_date"), reason: cell("reason") },
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &LINK_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move {
                let (guide, proof) =
                    org_for_write(txn, actor, &row.org_code, "联系指导组织").await?.map_err(|e| Invalid(vec![e]))?;
                let s = society::Entity::find()
                    .filter(society::Column::OrgId.eq(guide.id))
                    .filter(society::Column::Name.eq(row.name.trim()))
                    .order_by_desc(society::Column::Id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Invalid::one("name", format!("{}没有登记名为“{}”的青年社团", guide.name, row.name.trim()))
                    })?;
                link(txn, app, actor, &s, &proof, &row.change).await
            })
        })
        .await
    }
}
