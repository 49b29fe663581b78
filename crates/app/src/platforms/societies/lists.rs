//! Societies as the actor may read them: the list (level and member count as of today, paged in
//! the database), its workbook, and one society's page with its history and leaders.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::ids::{OrgId, SocietyId};
use qingtuan_domain::platform::{LinkLevel, SocietyKind};
use qingtuan_entity::{society, society_count, society_leader, society_link};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::page::Page;
use crate::platforms::{EXPORT, READ, WRITE};
use crate::{Actor, App, AppError};

/// A society as the list shows it: its level and member count as of today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SocietyRow {
    pub id: SocietyId,
    pub name: String,
    pub kind: String,
    pub org_name: String,
    pub region_name: String,
    pub level: String,
    pub level_since: Option<NaiveDate>,
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
    /// The level in force today.
    pub level: String,
    /// An org's code: the societies it and the orgs below it guide.
    pub org: String,
    /// `true`: dissolved ones too.
    pub all: bool,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The level in force today, as SQL over `societies` (every change is dated on or before today).
const CURRENT_LEVEL: &str = "(SELECT sl.level FROM society_links sl WHERE sl.society_id = societies.id \
                             ORDER BY sl.on_date DESC, sl.id DESC LIMIT 1)";

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<society::Entity>> {
    let mut q = society::Entity::find().filter(scope::org_condition(actor, permission, society::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(society::Column::Name.contains(filter.q.trim()));
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(society::Column::Kind.eq(SocietyKind::parse(&filter.kind)?.code()));
    }
    if !filter.level.trim().is_empty() {
        let level = LinkLevel::parse(&filter.level)?;
        // A closed list's code: a literal, never user text.
        q = q.filter(Expr::cust(format!("{CURRENT_LEVEL} = '{}'", level.code())));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(society::Column::OrgId.in_subquery(below));
    }
    if !filter.all {
        q = q.filter(society::Column::DissolvedOn.is_null());
    }
    Ok(q.order_by_asc(society::Column::Name).order_by_asc(society::Column::Id))
}

/// The societies guided by orgs in the actor's scope, by name, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<SocietyRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(app, actor, READ, filter).await?, filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The list as a workbook, audited.
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
                r.level,
                r.level_since.map(|d| d.to_string()).unwrap_or_default(),
                r.members.map(|m| m.to_string()).unwrap_or_default(),
                r.founded_on.to_string(),
                r.dissolved_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "社团名称",
        "类型",
        "联系指导组织",
        "所在区域",
        "联系程度",
        "联系程度起始",
        "成员人数",
        "成立日期",
        "解散日期",
    ];
    let asked =
        json!({ "list": "societies", "q": filter.q, "kind": filter.kind, "level": filter.level, "org": filter.org });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Society, asked), "青年社团", &header, rows).await
}

async fn rows(app: &App, found: Vec<society::Model>) -> AppResult<Vec<SocietyRow>> {
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    let names = crate::tree::names(&app.db, found.iter().map(|s| s.org_id).collect()).await?;
    let regions = crate::registry::regions::names(&app.db, found.iter().filter_map(|s| s.region_id)).await?;
    // The latest of each society's changes and counts (ordered so the latest comes last).
    let mut links: HashMap<i64, society_link::Model> = HashMap::new();
    for l in society_link::Entity::find()
        .filter(society_link::Column::SocietyId.is_in(ids.clone()))
        .order_by_asc(society_link::Column::OnDate)
        .order_by_asc(society_link::Column::Id)
        .all(&app.db)
        .await?
    {
        links.insert(l.society_id, l);
    }
    let mut counts: HashMap<i64, i32> = HashMap::new();
    for c in society_count::Entity::find()
        .filter(society_count::Column::SocietyId.is_in(ids))
        .order_by_asc(society_count::Column::OnDate)
        .all(&app.db)
        .await?
    {
        counts.insert(c.society_id, c.members);
    }
    Ok(found
        .into_iter()
        .map(|s| {
            let link = links.get(&s.id);
            SocietyRow {
                id: SocietyId(s.id),
                kind: SocietyKind::parse(&s.kind).map(|k| k.label().to_owned()).unwrap_or(s.kind.clone()),
                org_name: names.get(&s.org_id).cloned().unwrap_or_default(),
                region_name: s.region_id.and_then(|r| regions.get(&r).cloned()).unwrap_or_default(),
                level: link.map(|l| level_label(&l.level)).unwrap_or_default(),
                level_since: link.map(|l| l.on_date),
                members: counts.get(&s.id).copied(),
                founded_on: s.founded_on,
                dissolved_on: s.dissolved_on,
                name: s.name,
            }
        })
        .collect())
}

fn level_label(code: &str) -> String {
    LinkLevel::parse(code).map(|l| l.label().to_owned()).unwrap_or_else(|_| code.to_owned())
}

/// One change of a society's link level, as its page lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkRow {
    pub level: String,
    pub on_date: NaiveDate,
    pub reason: String,
}

/// One leader, the ID number masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LeaderRow {
    pub name: String,
    pub id_number: String,
    pub role: String,
    pub since: NaiveDate,
}

/// A society's page: its row, the whole link history (latest first), its counts and leaders.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SocietyView {
    pub row: SocietyRow,
    pub links: Vec<LinkRow>,
    pub counts: Vec<(NaiveDate, i32)>,
    pub leaders: Vec<LeaderRow>,
    /// Whether the actor may change it.
    pub can_write: bool,
}

/// A society with its history (platforms.read over its guiding org).
pub async fn show(app: &App, actor: &Actor, id: SocietyId) -> AppResult<SocietyView> {
    let s = society::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Society, id.to_string()), OrgId(s.org_id)).await?;
    let links = society_link::Entity::find()
        .filter(society_link::Column::SocietyId.eq(s.id))
        .order_by_desc(society_link::Column::OnDate)
        .order_by_desc(society_link::Column::Id)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|l| LinkRow { level: level_label(&l.level), on_date: l.on_date, reason: l.reason })
        .collect();
    let counts = society_count::Entity::find()
        .filter(society_count::Column::SocietyId.eq(s.id))
        .order_by_desc(society_count::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| (c.on_date, c.members))
        .collect();
    let found = society_leader::Entity::find()
        .filter(society_leader::Column::SocietyId.eq(s.id))
        .order_by_asc(society_leader::Column::Since)
        .all(&app.db)
        .await?;
    let people = crate::registry::people::names_masked(app, found.iter().map(|l| l.person_id).collect()).await?;
    let leaders = found
        .into_iter()
        .filter_map(|l| {
            let (name, id_number) = people.get(&l.person_id)?.clone();
            Some(LeaderRow { name, id_number, role: l.role, since: l.since })
        })
        .collect();
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(s.org_id)).await?.is_some();
    let row = rows(app, vec![s]).await?.remove(0);
    Ok(SocietyView { row, links, counts, leaders, can_write })
}
