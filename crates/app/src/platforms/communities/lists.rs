//! Communities as the actor may read them: the list (paged in the database), its workbook, and one
//! community's page with its member counts.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::ids::{CommunityId, OrgId};
use qingtuan_domain::platform::{CommunityLevel, CommunityPlatform, CommunityType};
use qingtuan_entity::{community, community_count, community_member, person};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::owned;
use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::page::Page;
use crate::platforms::{EXPORT, READ, WRITE};
use crate::{Actor, App};

/// A community as the list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommunityRow {
    pub id: CommunityId,
    pub name: String,
    pub platform: String,
    pub level: String,
    pub community_type: String,
    pub org_name: String,
    pub admin_name: String,
    /// The latest member count and its date.
    pub members: Option<(i32, NaiveDate)>,
    /// Members on the imported lists.
    pub listed: i64,
    pub created_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    /// Part of the name.
    pub q: String,
    pub level: String,
    pub community_type: String,
    pub platform: String,
    /// An org's code: the communities it and the orgs below it own.
    pub org: String,
    /// `true`: closed ones too.
    pub all: bool,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<community::Entity>> {
    let mut q = community::Entity::find().filter(scope::org_condition(actor, permission, community::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(community::Column::Name.contains(filter.q.trim()));
    }
    if !filter.level.trim().is_empty() {
        q = q.filter(community::Column::Level.eq(CommunityLevel::parse(&filter.level)?.code()));
    }
    if !filter.community_type.trim().is_empty() {
        q = q.filter(community::Column::CommunityType.eq(CommunityType::parse(&filter.community_type)?.code()));
    }
    if !filter.platform.trim().is_empty() {
        q = q.filter(community::Column::Platform.eq(CommunityPlatform::parse(&filter.platform)?.code()));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(community::Column::OrgId.in_subquery(below));
    }
    if !filter.all {
        q = q.filter(community::Column::ClosedOn.is_null());
    }
    Ok(q.order_by_asc(community::Column::Name).order_by_asc(community::Column::Id))
}

/// The communities owned by orgs in the actor's scope, by name, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<CommunityRow>> {
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
                r.platform,
                r.level,
                r.community_type,
                r.org_name,
                r.admin_name,
                r.members.map(|(n, _)| n.to_string()).unwrap_or_default(),
                r.members.map(|(_, d)| d.to_string()).unwrap_or_default(),
                r.listed.to_string(),
                r.created_on.to_string(),
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "社群名称",
        "平台",
        "层级",
        "类型",
        "所属组织",
        "管理员",
        "成员数",
        "成员数统计日期",
        "名单人数",
        "建立日期",
        "关闭日期",
    ];
    let asked = json!({
        "list": "communities", "q": filter.q, "level": filter.level, "type": filter.community_type,
        "platform": filter.platform, "org": filter.org,
    });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Community, asked), "网上青年社群", &header, rows).await
}

#[derive(Debug, FromQueryResult)]
struct Listing {
    community_id: i64,
    listed: i64,
}

async fn rows(app: &App, found: Vec<community::Model>) -> AppResult<Vec<CommunityRow>> {
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let names = crate::tree::names(&app.db, found.iter().map(|c| c.org_id).collect()).await?;
    let admins: HashMap<i64, String> = person::Entity::find()
        .filter(person::Column::Id.is_in(found.iter().filter_map(|c| c.admin_person_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut counts: HashMap<i64, (i32, NaiveDate)> = HashMap::new();
    for c in community_count::Entity::find()
        .filter(community_count::Column::CommunityId.is_in(ids.clone()))
        .order_by_asc(community_count::Column::OnDate)
        .all(&app.db)
        .await?
    {
        counts.insert(c.community_id, (c.members, c.on_date));
    }
    let listed: HashMap<i64, i64> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .column_as(community_member::Column::Id.count(), "listed")
        .filter(community_member::Column::CommunityId.is_in(ids))
        .group_by(community_member::Column::CommunityId)
        .into_model::<Listing>()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|l| (l.community_id, l.listed))
        .collect();
    let label = |code: &str, parse: fn(&str) -> Option<&'static str>| parse(code).unwrap_or_default().to_owned();
    Ok(found
        .into_iter()
        .map(|c| CommunityRow {
            id: CommunityId(c.id),
            platform: label(&c.platform, |s| CommunityPlatform::parse(s).ok().map(|v| v.label())),
            level: label(&c.level, |s| CommunityLevel::parse(s).ok().map(|v| v.label())),
            community_type: label(&c.community_type, |s| CommunityType::parse(s).ok().map(|v| v.label())),
            org_name: names.get(&c.org_id).cloned().unwrap_or_default(),
            admin_name: c.admin_person_id.and_then(|p| admins.get(&p).cloned()).unwrap_or_default(),
            members: counts.get(&c.id).copied(),
            listed: listed.get(&c.id).copied().unwrap_or(0),
            created_on: c.created_on,
            closed_on: c.closed_on,
            name: c.name,
        })
        .collect())
}

/// A community's page: its row and every member count, latest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommunityView {
    pub row: CommunityRow,
    pub counts: Vec<(NaiveDate, i32)>,
    /// Whether the actor may change it.
    pub can_write: bool,
}

/// A community with its counts (platforms.read over its owning org).
pub async fn show(app: &App, actor: &Actor, id: CommunityId) -> AppResult<CommunityView> {
    let (c, _) = owned(app, actor, id, READ).await?;
    let counts = community_count::Entity::find()
        .filter(community_count::Column::CommunityId.eq(c.id))
        .order_by_desc(community_count::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| (c.on_date, c.members))
        .collect();
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(c.org_id)).await?.is_some();
    let row = rows(app, vec![c]).await?.remove(0);
    Ok(CommunityView { row, counts, can_write })
}
