//! The org list: filtered and paged by the database in tree order (by path), and its export.

use std::collections::HashMap;

use super::*;

/// The org list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filter {
    /// Part of the name or the code, or the beginning of the name's pinyin initials.
    pub q: Option<String>,
    /// An org kind code.
    pub kind: Option<String>,
    /// `active` (default), `dissolved` or `all`.
    pub status: Option<String>,
    /// An org (code or name): it and the orgs below it.
    pub org: Option<String>,
    pub page: Option<u64>,
}

/// The orgs the filter finds among those the actor holds `permission` over, in tree order.
async fn filtered(
    app: &App,
    actor: &Actor,
    filter: &Filter,
    permission: Permission,
) -> AppResult<sea_orm::Select<org::Entity>> {
    let mut q = org::Entity::find().filter(scope::org_condition(actor, permission, org::Column::Id));
    if let Some(picked) = filter.org.as_deref().filter(|o| !o.trim().is_empty()) {
        q = q.filter(org::Column::Id.in_subquery(scope::subtree(app, actor, permission, picked).await?));
    }
    if let Some(needle) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        q = q.filter(crate::tree::matching(needle));
    }
    if let Some(kind) = filter.kind.as_deref().filter(|k| !k.is_empty()) {
        q = q.filter(org::Column::Kind.eq(kind));
    }
    q = match filter.status.as_deref().unwrap_or_default() {
        "all" => q,
        "dissolved" => q.filter(org::Column::DissolvedOn.is_not_null()),
        _ => q.filter(org::Column::DissolvedOn.is_null()),
    };
    // `!` sorts before every character of a code byte by byte (PostgreSQL's default collation may
    // ignore punctuation; SQLite compares bytes).
    let path = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Expr::cust("path COLLATE \"C\""),
        _ => Expr::cust("path"),
    };
    Ok(q.order_by(path, sea_orm::Order::Asc))
}

/// How deep the top of the actor's tree lies: depths in lists count from there.
async fn top_depth(app: &App, actor: &Actor, permission: Permission) -> AppResult<usize> {
    let Some(roots) = actor.scope_roots(permission) else { return Ok(0) };
    let paths: Vec<String> = org::Entity::find()
        .filter(org::Column::Id.is_in(roots.into_iter().map(|r| r.0)))
        .select_only()
        .column(org::Column::Path)
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(paths.iter().map(|p| path_depth(p)).min().unwrap_or(0))
}

fn path_depth(path: &str) -> usize {
    path.matches('!').count().saturating_sub(2)
}

/// An org in the list: where it stands in the tree, its sector and region, its founding, and how
/// many posts are held in it today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgRow {
    pub org: OrgView,
    pub sector: String,
    pub region: String,
    pub founded: String,
    pub posts_today: u64,
}

/// One page of the orgs the filter finds, in tree order, paged by the database; the other columns
/// are read for that page's orgs only.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<OrgRow>> {
    use qingtuan_entity::{position, region, sector};
    scope::require_somewhere(app, actor, READ).await?;
    let number = page_number(filter.page);
    let q = filtered(app, actor, filter, READ).await?;
    let (total, rows, top) = tokio::try_join!(
        async { Ok::<_, AppError>(q.clone().count(&app.db).await?) },
        async { Ok::<_, AppError>(q.clone().offset((number - 1) * PER_PAGE).limit(PER_PAGE).all(&app.db).await?) },
        top_depth(app, actor, READ),
    )?;
    let ids: Vec<i64> = rows.iter().map(|o| o.id).collect();
    let today = qingtuan_domain::time::local_date(app.now());
    let sectors: HashMap<i64, String> = sector::Entity::find()
        .filter(sector::Column::Id.is_in(rows.iter().filter_map(|o| o.sector_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let regions: HashMap<i64, String> = region::Entity::find()
        .filter(region::Column::Id.is_in(rows.iter().filter_map(|o| o.region_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let held: Vec<(i64, i64)> = position::Entity::find()
        .select_only()
        .column(position::Column::OrgId)
        .column_as(position::Column::Id.count(), "n")
        .filter(position::Column::OrgId.is_in(ids))
        .filter(position::Column::StartOn.lte(today))
        .filter(sea_orm::Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gt(today)))
        .group_by(position::Column::OrgId)
        .into_tuple()
        .all(&app.db)
        .await?;
    let held: HashMap<i64, i64> = held.into_iter().collect();
    let items = rows
        .iter()
        .map(|o| OrgRow {
            sector: o.sector_id.and_then(|id| sectors.get(&id).cloned()).unwrap_or_default(),
            region: o.region_id.and_then(|id| regions.get(&id).cloned()).unwrap_or_default(),
            founded: founding_text(o.founded_on),
            posts_today: held.get(&o.id).map_or(0, |n| u64::try_from(*n).unwrap_or(0)),
            org: view(o, path_depth(&o.path).saturating_sub(top)),
        })
        .collect();
    Ok(Page { items, total, page: number, per_page: PER_PAGE, capped: false })
}

/// Every org the filter finds over which the actor may export, in tree order, as an xlsx workbook
/// of text cells; audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let (rows, top) = tokio::try_join!(
        async { crate::export::rows_of(&app.db, filtered(app, actor, filter, EXPORT).await?).await },
        top_depth(app, actor, EXPORT),
    )?;
    let header = ["组织代码", "组织名称", "组织类型", "层级", "成立日期", "撤销日期"];
    let cells = rows
        .iter()
        .map(|o| {
            let v = view(o, path_depth(&o.path).saturating_sub(top));
            vec![
                v.code,
                v.name,
                v.kind_label,
                v.depth.to_string(),
                founding_text(v.founded_on),
                v.dissolved_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let what = crate::export::Exported::of(ObjectKind::Org, json!({ "filter": format!("{filter:?}") }));
    crate::export::audited(app, actor, what, "组织", &header, cells).await
}

/// The paths as the tree gives them: each root's code, then each org's parent's path and its code.
const TREE_PATHS: &str = "WITH RECURSIVE t(id, path) AS ( \
    SELECT id, '!' || code || '!' FROM orgs WHERE parent_id IS NULL \
    UNION ALL SELECT o.id, t.path || o.code || '!' FROM orgs o JOIN t ON o.parent_id = t.id)";

/// An org whose stored path is not the one the tree gives.
#[derive(Debug, Clone)]
pub struct PathDifference {
    pub code: String,
    pub stored: String,
    pub expected: String,
}

/// Compares every org's stored path with the tree (the first 100 differences; empty when they
/// agree). The paths are derived data; used by `qingtuan check`.
pub async fn path_differences<C: sea_orm::ConnectionTrait>(conn: &C) -> AppResult<Vec<PathDifference>> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "{TREE_PATHS} SELECT o.code, o.path, t.path FROM orgs o JOIN t ON t.id = o.id \
         WHERE o.path <> t.path ORDER BY o.code LIMIT 100"
    );
    let rows = conn.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await?;
    rows.iter()
        .map(|r| {
            Ok(PathDifference {
                code: r.try_get_by_index(0)?,
                stored: r.try_get_by_index(1)?,
                expected: r.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// Rewrites every org's path from the tree (`qingtuan check --repair`).
pub async fn rebuild_paths<C: sea_orm::ConnectionTrait>(conn: &C) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let sql = format!("{TREE_PATHS} UPDATE orgs SET path = (SELECT t.path FROM t WHERE t.id = orgs.id)");
    conn.execute_raw(sea_orm::Statement::from_string(backend, sql)).await?;
    Ok(())
}

/// One node of the org tree beside a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeNode {
    pub code: String,
    pub name: String,
    /// It has active sub-organisations (it can be opened).
    pub opens: bool,
}

/// The org tree beside a list, one level at a time: the way from the top of the actor's scope
/// down to the picked org, and the picked org's active sub-organisations (or the scope's tops
/// when none is picked). Only what the actor holds `permission` over; 20,000 orgs cost a level.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TreeLevel {
    pub trail: Vec<TreeNode>,
    pub children: Vec<TreeNode>,
    /// The picked org's code (empty: none).
    pub picked: String,
}

/// The most sub-organisations a level lists.
const LEVEL_LIMIT: u64 = 300;

pub async fn tree_level(app: &App, actor: &Actor, permission: Permission, picked: &str) -> AppResult<TreeLevel> {
    if !actor.can_somewhere(permission) {
        return Ok(TreeLevel::default());
    }
    let within = scope::org_condition(actor, permission, org::Column::Id);
    let (trail, children) = if picked.trim().is_empty() {
        let tops: Vec<org::Model> = match actor.scope_roots(permission) {
            Some(roots) => {
                org::Entity::find().filter(org::Column::Id.is_in(roots.into_iter().map(|r| r.0))).all(&app.db).await?
            }
            None => org::Entity::find().filter(org::Column::ParentId.is_null()).all(&app.db).await?,
        };
        (Vec::new(), tops)
    } else {
        let at = scope::org_named(&app.db, actor, permission, "org", picked).await.map_err(|_| AppError::NotFound)?;
        scope::require(app, actor, permission, (ObjectKind::Org, at.id.to_string()), OrgId(at.id)).await?;
        let ancestors: Vec<i64> = org_closure::Entity::find()
            .filter(org_closure::Column::DescendantId.eq(at.id))
            .all(&app.db)
            .await?
            .into_iter()
            .map(|c| c.ancestor_id)
            .collect();
        let mut trail =
            org::Entity::find().filter(org::Column::Id.is_in(ancestors)).filter(within.clone()).all(&app.db).await?;
        trail.sort_by_key(|o| path_depth(&o.path));
        let children = org::Entity::find()
            .filter(org::Column::ParentId.eq(at.id))
            .filter(org::Column::DissolvedOn.is_null())
            .order_by_asc(org::Column::Code)
            .limit(LEVEL_LIMIT)
            .all(&app.db)
            .await?;
        (trail, children)
    };
    let ids: Vec<i64> = children.iter().map(|o| o.id).collect();
    let parents: Vec<Option<i64>> = org::Entity::find()
        .select_only()
        .column(org::Column::ParentId)
        .filter(org::Column::ParentId.is_in(ids))
        .filter(org::Column::DissolvedOn.is_null())
        .distinct()
        .into_tuple()
        .all(&app.db)
        .await?;
    let node =
        |o: &org::Model| TreeNode { code: o.code.clone(), name: o.name.clone(), opens: parents.contains(&Some(o.id)) };
    Ok(TreeLevel {
        picked: trail.last().map(|o| o.code.clone()).unwrap_or_default(),
        trail: trail.iter().map(|o| TreeNode { opens: true, ..node(o) }).collect(),
        children: children.iter().map(node).collect(),
    })
}
