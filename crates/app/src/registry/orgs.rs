//! The org tree in its minimal form (code, name, kind, parent), with the closure table kept in
//! the same transaction as every change. Data scopes are subtrees of this tree.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::org::{OrgCode, OrgKind, UNKNOWN_FOUNDING, founding_text, parse_org_name};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::region::{OrgBasis, pinyin_initials};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, org_closure, sector};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::{AppResult, RowProblem};
use crate::page::{PER_PAGE, Page, page_number};
use crate::registry::workforce::{self, Affected};
use crate::{Actor, App, AppError};

/// An org as lists show it, with its depth below the first org the actor can see.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub parent_id: Option<i64>,
    pub depth: usize,
    pub initials: String,
    pub founded_on: chrono::NaiveDate,
    pub dissolved_on: Option<chrono::NaiveDate>,
}

/// The form for a new org.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Empty for a root (only the system actor may create one).
    pub parent_code: String,
    /// A sector code from the dictionary; empty for none.
    #[serde(default)]
    pub sector_code: String,
    /// A region code; empty for none.
    #[serde(default)]
    pub region_code: String,
    /// `unit` (default), `area` or `industry`.
    #[serde(default)]
    pub basis: String,
    /// Local date; empty means unknown (the org then exists on every date: `UNKNOWN_FOUNDING`).
    #[serde(default)]
    pub founded_on: String,
    /// For a district bringing in its history (the orgs import): the first day it no longer
    /// existed; empty for an org that exists.
    #[serde(default)]
    pub dissolved_on: String,
}

/// The id of the org with this code, if the actor may read it (unknown or outside the scope: 404).
pub async fn id_of(app: &App, actor: &Actor, code: &str) -> AppResult<OrgId> {
    let found = crate::tree::find_by_code(&app.db, code).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Org, found.id.to_string()), OrgId(found.id)).await?;
    Ok(OrgId(found.id))
}

pub async fn create(app: &App, actor: &Actor, form: &NewOrg) -> AppResult<OrgId> {
    // Outside the scope, the parent is reported missing — and the probe is audited.
    if let Some(parent) =
        crate::tree::find_by_code(&app.db, &form.parent_code).await?.filter(|_| !form.parent_code.trim().is_empty())
    {
        scope::require(app, actor, WRITE, (ObjectKind::Org, parent.id.to_string()), OrgId(parent.id)).await?;
    }
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

/// Creates every org of `forms`, all or nothing; a row may name an org of an earlier row as its
/// parent. Returns how many were created.
pub async fn create_batch(
    app: &App,
    actor: &Actor,
    forms: &[NewOrg],
    dry_run: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<usize> {
    let txn = app.begin().await?;
    let mut problems = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        match insert(&txn, app, actor, form).await {
            Ok(_) => {}
            Err(AppError::Invalid(e)) => problems.extend(RowProblem::for_row(i + 1, &COLUMNS, e.0)),
            Err(other) => return Err(other),
        }
        if (i + 1) % 100 == 0 || i + 1 == forms.len() {
            progress(i + 1, forms.len());
        }
    }
    crate::batch::finish(txn, problems, forms.len(), dry_run).await
}

/// The columns of an org spreadsheet, as users see them.
pub const READ: Permission = Permission::new(Module::Orgs, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Orgs, Action::Write);
pub const APPROVE: Permission = Permission::new(Module::Orgs, Action::Approve);
pub const EXPORT: Permission = Permission::new(Module::Orgs, Action::Export);

pub const COLUMNS: [(&str, &str); 9] = [
    ("code", "组织代码"),
    ("name", "组织名称"),
    ("kind", "组织类型"),
    ("parent_code", "上级组织代码"),
    ("sector_code", "领域代码"),
    ("region_code", "所在区域代码"),
    ("basis", "组建方式"),
    ("founded_on", "成立日期"),
    ("dissolved_on", "撤销日期"),
];

/// A sector or region as the audit log names it: `社区（street_community）`.
fn named(name: &str, code: &str) -> String {
    format!("{name}（{code}）")
}

/// Validates and writes one org on `conn` (a transaction), with its closure rows and audit row.
async fn insert(conn: &crate::db::Write, app: &App, actor: &Actor, form: &NewOrg) -> AppResult<OrgId> {
    let mut problems = Vec::new();
    let code = OrgCode::parse(&form.code).map_err(|e| problems.extend(e.0)).ok();
    let name = parse_org_name(&form.name).map_err(|e| problems.extend(e.0)).ok();
    let kind = OrgKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let parent = if form.parent_code.trim().is_empty() {
        None
    } else {
        let found = crate::tree::find_by_code(conn, &form.parent_code).await?;
        if found.is_none() {
            problems.push(FieldError { field: "parent_code", message: "上级组织不存在".into() });
        }
        found
    };
    let sector = match form.sector_code.trim() {
        "" => None,
        c => {
            let found = sector::Entity::find().filter(sector::Column::Code.eq(c)).one(conn).await?;
            if found.is_none() {
                problems.push(FieldError { field: "sector_code", message: format!("领域“{c}”不存在") });
            }
            found
        }
    };
    let region = match form.region_code.trim() {
        "" => None,
        c => {
            let found = crate::registry::regions::find_by_code(conn, c).await?;
            if found.is_none() {
                problems.push(FieldError { field: "region_code", message: format!("区域“{c}”不存在") });
            }
            found
        }
    };
    let basis = if form.basis.trim().is_empty() {
        Some(OrgBasis::Unit)
    } else {
        OrgBasis::parse(&form.basis).map_err(|e| problems.extend(e.0)).ok()
    };
    let founded_on = match crate::forms::parse_date("founded_on", &form.founded_on) {
        Ok(d) => Some(d.unwrap_or(UNKNOWN_FOUNDING)),
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let dissolved_on =
        crate::forms::parse_date("dissolved_on", &form.dissolved_on).map_err(|e| problems.push(e)).ok().flatten();
    if let (Some(f), Some(d)) = (founded_on, dissolved_on)
        && d <= f
    {
        problems
            .push(FieldError { field: "dissolved_on", message: format!("撤销日期 {d} 应晚于成立日期 {f}") });
    }
    // Under a dissolved parent only an org of its history: founded before and dissolved by then.
    if let Some(pd) = parent.as_ref().and_then(|p| p.dissolved_on) {
        let fits = dissolved_on.is_some_and(|d| d <= pd) && founded_on.is_some_and(|f| f < pd);
        if !fits {
            let message = format!("上级组织已于 {pd} 撤销：其下级组织须成立于此前，并填写不晚于 {pd} 的撤销日期");
            problems.push(FieldError { field: "parent_code", message });
        }
    }
    if let Some(c) = &code
        && crate::tree::find_by_code(conn, c.as_str()).await?.is_some()
    {
        problems.push(FieldError { field: "code", message: "组织代码已被使用".into() });
    }
    let (Some(code), Some(name), Some(kind), Some(basis), Some(founded_on)) = (code, name, kind, basis, founded_on)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    match &parent {
        Some(p) if !scope::covers(conn, actor, WRITE, OrgId(p.id)).await? => {
            return Err(Invalid::one("parent_code", "上级组织不在您的数据范围内").into());
        }
        Some(_) => {}
        None if actor.is_system() => {}
        None => return Err(Invalid::one("parent_code", "请选择上级组织").into()),
    }

    let now = app.now();
    let txn = conn;
    let created = org::ActiveModel {
        code: Set(code.as_str().to_owned()),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        created_at: Set(now),
        sector_id: Set(sector.as_ref().map(|s| s.id)),
        region_id: Set(region.as_ref().map(|r| r.id)),
        basis: Set(basis.code().to_owned()),
        founded_on: Set(founded_on),
        dissolved_on: Set(dissolved_on),
        initials: Set(pinyin_initials(&name)),
        path: Set(format!("{}{}!", parent.as_ref().map_or("!", |p| p.path.as_str()), code.as_str())),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| AppError::on_unique(e, "code", "组织代码已被使用"))?;

    let mut closure =
        vec![org_closure::ActiveModel { ancestor_id: Set(created.id), descendant_id: Set(created.id), depth: Set(0) }];
    if let Some(p) = &parent {
        let ancestors = org_closure::Entity::find().filter(org_closure::Column::DescendantId.eq(p.id)).all(txn).await?;
        closure.extend(ancestors.into_iter().map(|a| org_closure::ActiveModel {
            ancestor_id: Set(a.ancestor_id),
            descendant_id: Set(created.id),
            depth: Set(a.depth + 1),
        }));
    }
    org_closure::Entity::insert_many(closure).exec(txn).await?;

    let after = json!({
        "code": code.as_str(), "name": name, "kind": kind.code(), "parent": form.parent_code.trim(),
        "sector": sector.as_ref().map(|s| named(&s.name, &s.code)),
        "region": region.as_ref().map(|r| named(&r.name, &r.code)), "basis": basis.code(), "founded_on": founded_on,
    });
    let entry =
        Entry::new(AuditAction::OrgCreated, ObjectKind::Org).object(created.id).scope(OrgId(created.id)).after(after);
    audit::record(txn, now, actor, entry).await?;
    Ok(OrgId(created.id))
}

/// The orgs over which the actor holds `permission`, in tree order (each parent before its
/// children), indented from the top of what the actor sees.
pub async fn visible_tree(app: &App, actor: &Actor, permission: Permission) -> AppResult<Vec<OrgView>> {
    let rows = org::Entity::find()
        .filter(scope::org_condition(actor, permission, org::Column::Id))
        .order_by_asc(org::Column::Code)
        .all(&app.db)
        .await?;
    Ok(tree_order(rows))
}

/// The district and working committees (streets, industries, areas) over which the actor holds
/// `permission`, in tree order: the scopes a report is usually asked for, without the thousands
/// of unit committees and branches below them.
pub async fn visible_committees(app: &App, actor: &Actor, permission: Permission) -> AppResult<Vec<OrgView>> {
    let kinds = [OrgKind::DistrictCommittee, OrgKind::WorkingCommittee].map(OrgKind::code);
    let rows = org::Entity::find()
        .filter(scope::org_condition(actor, permission, org::Column::Id))
        .filter(org::Column::Kind.is_in(kinds))
        .order_by_asc(org::Column::Code)
        .all(&app.db)
        .await?;
    Ok(tree_order(rows))
}

/// The top `levels` levels of what the actor sees with `permission` (their scope's orgs and the
/// ones right below for 2), in tree order: a filter's choices without the whole tree.
pub async fn visible_top(app: &App, actor: &Actor, permission: Permission, levels: i32) -> AppResult<Vec<OrgView>> {
    use sea_orm::sea_query::Query;
    let mut below = Query::select()
        .column(org_closure::Column::DescendantId)
        .from(org_closure::Entity)
        .and_where(org_closure::Column::Depth.lt(levels))
        .take();
    match actor.scope_roots(permission) {
        Some(roots) => {
            below.and_where(org_closure::Column::AncestorId.is_in(roots.into_iter().map(|r| r.0)));
        }
        None => {
            let tops = Query::select()
                .column(org::Column::Id)
                .from(org::Entity)
                .and_where(org::Column::ParentId.is_null())
                .take();
            below.and_where(org_closure::Column::AncestorId.in_subquery(tops));
        }
    }
    let rows = org::Entity::find()
        .filter(org::Column::Id.in_subquery(below))
        .order_by_asc(org::Column::Code)
        .all(&app.db)
        .await?;
    Ok(tree_order(rows))
}

/// Orders rows depth-first from the rows whose parent is not among them.
fn tree_order(rows: Vec<org::Model>) -> Vec<OrgView> {
    let ids: std::collections::HashSet<i64> = rows.iter().map(|r| r.id).collect();
    let mut children: std::collections::HashMap<Option<i64>, Vec<&org::Model>> = std::collections::HashMap::new();
    for r in &rows {
        let parent = r.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(r);
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut stack: Vec<(&org::Model, usize)> =
        children.get(&None).map(|v| v.iter().rev().map(|r| (*r, 0)).collect()).unwrap_or_default();
    while let Some((node, depth)) = stack.pop() {
        out.push(view(node, depth));
        if let Some(kids) = children.get(&Some(node.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    out
}

/// An org as lists show it, `depth` levels below the top of the list.
pub fn view(m: &org::Model, depth: usize) -> OrgView {
    let kind = OrgKind::parse(&m.kind).map(OrgKind::label).unwrap_or("未知");
    OrgView {
        id: m.id,
        code: m.code.clone(),
        name: m.name.clone(),
        kind: m.kind.clone(),
        kind_label: kind.to_owned(),
        parent_id: m.parent_id,
        depth,
        initials: m.initials.clone(),
        founded_on: m.founded_on,
        dissolved_on: m.dissolved_on,
    }
}

/// One org, if the actor may read it.
pub async fn show(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgView> {
    scope::require(app, actor, READ, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok(view(&found, 0))
}

/// What dissolving an org on a date would touch: its sub-organisations still existing and the
/// posts still held then (shown on the confirmation before anything changes).
#[derive(Debug, Clone)]
pub struct DissolveImpact {
    pub org: OrgView,
    pub on: chrono::NaiveDate,
    pub live_children: usize,
    pub live_posts: usize,
}

/// Checks that `id` may be dissolved on `on` and says what it would touch.
pub async fn dissolve_impact(app: &App, actor: &Actor, id: OrgId, on: chrono::NaiveDate) -> AppResult<DissolveImpact> {
    let (found, children, posts) = dissolvable(app, actor, id, on).await?;
    Ok(DissolveImpact { org: view(&found, 0), on, live_children: children.len(), live_posts: posts.len() })
}

type Dissolvable = (org::Model, Vec<org::Model>, Vec<qingtuan_entity::position::Model>);

async fn dissolvable(app: &App, actor: &Actor, id: OrgId, on: chrono::NaiveDate) -> AppResult<Dissolvable> {
    use qingtuan_entity::position;
    scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if found.parent_id.is_none() {
        return Err(Invalid::one("dissolved_on", "这是组织树的根（团区委），不能撤销").into());
    }
    if found.dissolved_on.is_some() {
        return Err(Invalid::one("dissolved_on", "该组织已撤销").into());
    }
    if on <= found.founded_on {
        return Err(Invalid::one("dissolved_on", format!("撤销日期应晚于成立日期 {}", found.founded_on)).into());
    }
    let subtree: Vec<i64> = org_closure::Entity::find()
        .filter(org_closure::Column::AncestorId.eq(found.id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| c.descendant_id)
        .collect();
    let live_children = org::Entity::find()
        .filter(org::Column::Id.is_in(subtree.clone()))
        .filter(org::Column::Id.ne(found.id))
        .filter(org::Column::DissolvedOn.is_null())
        .all(&app.db)
        .await?;
    let live_posts = position::Entity::find()
        .filter(position::Column::OrgId.is_in(subtree))
        .filter(sea_orm::Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gt(on)))
        .all(&app.db)
        .await?;
    // A sub-organisation founded on or after the date would be dissolved before it existed.
    if let Some(later) = live_children.iter().find(|c| c.founded_on >= on) {
        let message = format!("下级组织“{}”成立于 {}，不早于撤销日期：请先处理该组织", later.name, later.founded_on);
        return Err(Invalid::one("dissolved_on", message).into());
    }
    Ok((found, live_children, live_posts))
}

/// Dissolves an org on `on` (it no longer exists from that day). An org that still has existing
/// sub-organisations or people in post on that day is refused with what remains, unless
/// `with_subtree` is set: then the whole subtree is dissolved and those posts end on the same day.
/// The root of the tree is never dissolved.
pub async fn dissolve(app: &App, actor: &Actor, id: OrgId, on: chrono::NaiveDate, with_subtree: bool) -> AppResult<()> {
    use qingtuan_entity::position;
    let (found, live_children, live_posts) = dissolvable(app, actor, id, on).await?;
    if !with_subtree && (!live_children.is_empty() || !live_posts.is_empty()) {
        let message = format!(
            "该组织还有 {} 个下级组织、{} 个在岗职务。请先处理，或选择“连同下级组织一并撤销并结束在岗职务”",
            live_children.len(),
            live_posts.len()
        );
        return Err(Invalid::one("dissolved_on", message).into());
    }
    let now = app.now();
    let dissolved: Vec<i64> = std::iter::once(found.id).chain(live_children.iter().map(|o| o.id)).collect();
    let txn = app.begin().await?;
    workforce::lock(&txn).await?;
    for o in std::iter::once(found.clone()).chain(live_children) {
        let org_id = o.id;
        let mut active: org::ActiveModel = o.into();
        active.dissolved_on = Set(Some(on));
        active.update(&txn).await?;
        let entry = Entry::new(AuditAction::OrgDissolved, ObjectKind::Org)
            .object(org_id)
            .scope(OrgId(org_id))
            .after(json!({ "dissolved_on": on }));
        audit::record(&txn, now, actor, entry).await?;
    }
    for p in live_posts {
        let (pid, org_id) = (p.id, p.org_id);
        let end = if p.start_on >= on { p.start_on.succ_opt().unwrap_or(on) } else { on };
        let mut active: position::ActiveModel = p.into();
        active.end_on = Set(Some(end));
        active.update(&txn).await?;
        let entry = Entry::new(AuditAction::PositionEnded, ObjectKind::Position)
            .object(pid)
            .scope(OrgId(org_id))
            .after(json!({ "end_on": end }));
        audit::record(&txn, now, actor, entry).await?;
    }
    workforce::refresh(&txn, Affected::PostsIn(dissolved)).await?;
    txn.commit().await?;
    Ok(())
}

/// Records an honour (e.g. 全国五四红旗团支部) awarded to an org.
pub async fn add_honour(
    app: &App,
    actor: &Actor,
    code: &str,
    title: &str,
    awarded_on: chrono::NaiveDate,
) -> AppResult<()> {
    use qingtuan_entity::org_honour;
    let found = crate::tree::find_by_code(&app.db, code).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, WRITE, (ObjectKind::Org, found.id.to_string()), OrgId(found.id)).await?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(Invalid::one("title", "荣誉名称不能为空，且不超过 100 个字").into());
    }
    let txn = app.begin().await?;
    org_honour::ActiveModel {
        org_id: Set(found.id),
        title: Set(title.to_owned()),
        awarded_on: Set(awarded_on),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::OrgHonoured, ObjectKind::Org)
        .object(found.id)
        .scope(OrgId(found.id))
        .after(json!({ "honour": title, "awarded_on": awarded_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgDetail {
    pub org: OrgView,
    pub sector: String,
    pub social_domain: bool,
    pub region: String,
    pub basis: String,
    /// The founding date, or 未知.
    pub founded_on: String,
    pub dissolved_on: Option<chrono::NaiveDate>,
    pub honours: Vec<(String, chrono::NaiveDate)>,
    pub children: Vec<OrgView>,
}

/// An org with its record, honours and direct sub-organisations.
pub async fn detail(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgDetail> {
    use qingtuan_domain::region::OrgBasis;
    use qingtuan_entity::{org_honour, region};
    scope::require(app, actor, READ, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let sector = match found.sector_id {
        Some(s) => sector::Entity::find_by_id(s).one(&app.db).await?,
        None => None,
    };
    let region = match found.region_id {
        Some(r) => region::Entity::find_by_id(r).one(&app.db).await?.map(|r| r.name),
        None => None,
    };
    let honours = org_honour::Entity::find()
        .filter(org_honour::Column::OrgId.eq(found.id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|h| (h.title, h.awarded_on))
        .collect();
    let children = org::Entity::find()
        .filter(org::Column::ParentId.eq(found.id))
        .order_by_asc(org::Column::Code)
        .all(&app.db)
        .await?
        .iter()
        .map(|c| view(c, 1))
        .collect();
    Ok(OrgDetail {
        org: view(&found, 0),
        social_domain: sector.as_ref().is_some_and(|s| s.social_domain),
        sector: sector.map(|s| s.name).unwrap_or_default(),
        region: region.unwrap_or_default(),
        basis: OrgBasis::parse(&found.basis).map(OrgBasis::label).unwrap_or("").to_owned(),
        founded_on: founding_text(found.founded_on),
        dissolved_on: found.dissolved_on,
        honours,
        children,
    })
}

/// Moves an org and its whole subtree under `new_parent_code`. The actor needs `orgs.write` over
/// both the org and its new parent, may not move the org their own scope hangs on (or one above
/// it), and the org cannot go under one of its own descendants.
pub async fn move_subtree(app: &App, actor: &Actor, id: OrgId, new_parent_code: &str) -> AppResult<()> {
    scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let node = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let parent = crate::tree::find_by_code(&app.db, new_parent_code)
        .await?
        .ok_or_else(|| Invalid::one("parent_code", "新的上级组织不存在"))?;
    scope::require(app, actor, WRITE, (ObjectKind::Org, parent.id.to_string()), OrgId(parent.id)).await?;
    let subtree = org_closure::Entity::find().filter(org_closure::Column::AncestorId.eq(node.id)).all(&app.db).await?;
    let members: Vec<i64> = subtree.iter().map(|c| c.descendant_id).collect();
    if node.parent_id.is_none() {
        return Err(Invalid::one("parent_code", "不能移动根组织").into());
    }
    if members.contains(&parent.id) {
        return Err(Invalid::one("parent_code", "不能把组织移到它自己的下级组织之下").into());
    }
    if actor.grants.iter().any(|g| members.contains(&g.scope_org_id.0)) {
        return Err(Invalid::one("parent_code", "不能移动您自己的数据范围所在的组织").into());
    }
    if node.parent_id == Some(parent.id) {
        return Ok(());
    }
    let old_parent = match node.parent_id {
        Some(p) => org::Entity::find_by_id(p).one(&app.db).await?.map(|o| o.code),
        None => None,
    };
    let txn = app.begin().await?;
    // Cut the subtree loose from its old ancestors, then hang it under the new parent's.
    org_closure::Entity::delete_many()
        .filter(org_closure::Column::DescendantId.is_in(members.clone()))
        .filter(org_closure::Column::AncestorId.is_not_in(members.clone()))
        .exec(&txn)
        .await?;
    let ancestors =
        org_closure::Entity::find().filter(org_closure::Column::DescendantId.eq(parent.id)).all(&txn).await?;
    let rows: Vec<org_closure::ActiveModel> = ancestors
        .iter()
        .flat_map(|a| {
            subtree.iter().map(move |n| org_closure::ActiveModel {
                ancestor_id: Set(a.ancestor_id),
                descendant_id: Set(n.descendant_id),
                depth: Set(a.depth + 1 + n.depth),
            })
        })
        .collect();
    for chunk in rows.chunks(500) {
        org_closure::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let code = node.code.clone();
    // The subtree's paths: the old prefix (this org's path) becomes the new parent's path and code.
    let (old_prefix, new_prefix) = (node.path.clone(), format!("{}{code}!", parent.path));
    let mut active: org::ActiveModel = node.into();
    active.parent_id = Set(Some(parent.id));
    active.update(&txn).await?;
    // `?` (SQLite) or `$1` (PostgreSQL): the query builder's own placeholder.
    let value = if app.db.get_database_backend() == sea_orm::DbBackend::Postgres { "$1" } else { "?" };
    let (cut, keep_from) = (old_prefix.len(), old_prefix.len() + 1);
    org::Entity::update_many()
        .col_expr(
            org::Column::Path,
            Expr::cust_with_values(format!("CAST({value} AS VARCHAR) || SUBSTR(path, {keep_from})"), [new_prefix]),
        )
        .filter(Expr::cust_with_values(format!("SUBSTR(path, 1, {cut}) = {value}"), [old_prefix]))
        .exec(&txn)
        .await?;
    let entry = Entry::new(AuditAction::OrgMoved, ObjectKind::Org)
        .object(id)
        .scope(id)
        .before(json!({ "code": code, "parent": old_parent }))
        .after(json!({ "code": code, "parent": parent.code, "subtree": members.len() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// The org list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filter {
    /// Part of the name or the code, or the beginning of the name's pinyin initials.
    pub q: Option<String>,
    /// An org kind code.
    pub kind: Option<String>,
    /// `active` (default), `dissolved` or `all`.
    pub status: Option<String>,
    pub page: Option<u64>,
}

/// The orgs the filter finds among those the actor holds `permission` over, in tree order.
fn filtered(app: &App, actor: &Actor, filter: &Filter, permission: Permission) -> sea_orm::Select<org::Entity> {
    let mut q = org::Entity::find().filter(scope::org_condition(actor, permission, org::Column::Id));
    let needle = filter.q.as_deref().unwrap_or_default().trim().to_lowercase();
    if !needle.is_empty() {
        // What was typed is matched as text: `%`, `_` and `\\` are no wildcards.
        let literal = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let like = |column: org::Column, pattern: String| {
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(column)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))
        };
        q = q.filter(
            sea_orm::Condition::any()
                .add(like(org::Column::Name, format!("%{literal}%")))
                .add(like(org::Column::Code, format!("%{literal}%")))
                .add(like(org::Column::Initials, format!("{literal}%"))),
        );
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
    q.order_by(path, sea_orm::Order::Asc)
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

/// One page of the orgs the filter finds, in tree order, paged by the database.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<OrgView>> {
    scope::require_somewhere(app, actor, READ).await?;
    let number = page_number(filter.page);
    let q = filtered(app, actor, filter, READ);
    let (total, rows, top) = tokio::try_join!(
        async { Ok::<_, AppError>(q.clone().count(&app.db).await?) },
        async { Ok::<_, AppError>(q.clone().offset((number - 1) * PER_PAGE).limit(PER_PAGE).all(&app.db).await?) },
        top_depth(app, actor, READ),
    )?;
    let items = rows.iter().map(|o| view(o, path_depth(&o.path).saturating_sub(top))).collect();
    Ok(Page { items, total, page: number, per_page: PER_PAGE, capped: false })
}

/// Every org the filter finds over which the actor may export, in tree order, as an xlsx workbook
/// of text cells; audited.
pub async fn export_xlsx(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let (rows, top) = tokio::try_join!(
        async { Ok::<_, AppError>(filtered(app, actor, filter, EXPORT).all(&app.db).await?) },
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

/// The editable fields of an org. Its place in the tree changes by `move_subtree`, its end by
/// `dissolve`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrgEdit {
    pub name: String,
    pub kind: String,
    pub sector_code: String,
    pub region_code: String,
    pub basis: String,
    pub founded_on: String,
}

/// Renames or re-describes an org; the before and after go into the audit row, which is the
/// org's history.
pub async fn update(app: &App, actor: &Actor, id: OrgId, form: &OrgEdit) -> AppResult<()> {
    scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut problems = Vec::new();
    let name = parse_org_name(&form.name).map_err(|e| problems.extend(e.0)).ok();
    let kind = OrgKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let sector = match form.sector_code.trim() {
        "" => None,
        c => {
            let s = sector::Entity::find().filter(sector::Column::Code.eq(c)).one(&app.db).await?;
            if s.is_none() {
                problems.push(FieldError { field: "sector_code", message: format!("领域“{c}”不存在") });
            }
            s
        }
    };
    let region = match form.region_code.trim() {
        "" => None,
        c => {
            let r = crate::registry::regions::find_by_code(&app.db, c).await?;
            if r.is_none() {
                problems.push(FieldError { field: "region_code", message: format!("区域“{c}”不存在") });
            }
            r
        }
    };
    let basis = OrgBasis::parse(if form.basis.trim().is_empty() { "unit" } else { &form.basis })
        .map_err(|e| problems.extend(e.0))
        .ok();
    let founded_on = match crate::forms::parse_date("founded_on", &form.founded_on) {
        Ok(Some(d)) => Some(d),
        Ok(None) => Some(found.founded_on),
        Err(e) => {
            problems.push(e);
            None
        }
    };
    if let (Some(f), Some(d)) = (founded_on, found.dissolved_on)
        && f >= d
    {
        problems
            .push(FieldError { field: "founded_on", message: format!("成立日期 {f} 应早于撤销日期 {d}") });
    }
    // No post may start before its org's founding, so the founding date cannot move past one.
    if let Some(f) = founded_on.filter(|f| *f != found.founded_on) {
        use qingtuan_entity::position;
        use sea_orm::QueryOrder;
        let first = position::Entity::find()
            .filter(position::Column::OrgId.eq(found.id))
            .order_by_asc(position::Column::StartOn)
            .one(&app.db)
            .await?;
        if let Some(p) = first.filter(|p| p.start_on < f) {
            problems.push(FieldError {
                field: "founded_on",
                message: format!("该组织有 {} 起的任职记录，成立日期不能晚于此日", p.start_on),
            });
        }
    }
    let (Some(name), Some(kind), Some(basis), Some(founded_on), true) =
        (name, kind, basis, founded_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let old_sector = match found.sector_id {
        Some(id) => sector::Entity::find_by_id(id).one(&app.db).await?.map(|s| named(&s.name, &s.code)),
        None => None,
    };
    let old_region = match found.region_id {
        Some(id) => {
            qingtuan_entity::region::Entity::find_by_id(id).one(&app.db).await?.map(|r| named(&r.name, &r.code))
        }
        None => None,
    };
    let before = json!({
        "name": found.name, "kind": found.kind, "sector": old_sector, "region": old_region, "basis": found.basis,
        "founded_on": found.founded_on,
    });
    let counts_change = found.sector_id != sector.as_ref().map(|s| s.id) || found.founded_on != founded_on;
    let txn = app.begin().await?;
    if counts_change {
        workforce::lock(&txn).await?;
    }
    let mut active: org::ActiveModel = found.into();
    active.initials = Set(pinyin_initials(&name));
    active.name = Set(name.clone());
    active.kind = Set(kind.code().to_owned());
    active.sector_id = Set(sector.as_ref().map(|s| s.id));
    active.region_id = Set(region.as_ref().map(|r| r.id));
    active.basis = Set(basis.code().to_owned());
    active.founded_on = Set(founded_on);
    active.update(&txn).await?;
    let after = json!({
        "name": name, "kind": kind.code(), "sector": sector.as_ref().map(|s| named(&s.name, &s.code)),
        "region": region.as_ref().map(|r| named(&r.name, &r.code)), "basis": basis.code(), "founded_on": founded_on,
    });
    let entry = Entry::new(AuditAction::OrgUpdated, ObjectKind::Org).object(id).scope(id).before(before).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    if counts_change {
        workforce::refresh(&txn, Affected::PostsIn(vec![id.0])).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The org's history: every audit row about it, newest first (creation, edits, moves,
/// dissolution, honours). Readable by whoever may read the org.
pub async fn history(app: &App, actor: &Actor, id: OrgId) -> AppResult<Vec<audit::Row>> {
    use qingtuan_entity::audit_event;
    use sea_orm::QuerySelect;
    scope::require(app, actor, READ, (ObjectKind::Org, id.to_string()), id).await?;
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::ObjectKind.eq(ObjectKind::Org.code()))
        .filter(audit_event::Column::ObjectId.eq(id.to_string()))
        .filter(audit_event::Column::Action.ne(AuditAction::AccessDenied.code()))
        .order_by_desc(audit_event::Column::Id)
        .limit(100)
        .all(&app.db)
        .await?;
    Ok(rows.into_iter().map(audit::Row::from).collect())
}

/// What the edit form shows for an org.
pub async fn edit_form(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgEdit> {
    use qingtuan_entity::region;
    scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let sector_code = match found.sector_id {
        Some(s) => sector::Entity::find_by_id(s).one(&app.db).await?.map(|s| s.code).unwrap_or_default(),
        None => String::new(),
    };
    let region_code = match found.region_id {
        Some(r) => region::Entity::find_by_id(r).one(&app.db).await?.map(|r| r.code).unwrap_or_default(),
        None => String::new(),
    };
    Ok(OrgEdit {
        name: found.name,
        kind: found.kind,
        sector_code,
        region_code,
        basis: found.basis,
        founded_on: if found.founded_on == UNKNOWN_FOUNDING { String::new() } else { found.founded_on.to_string() },
    })
}

impl crate::batch::Importable for NewOrg {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COLUMNS;
    const REQUIRED: &'static [&'static str] = &["code", "name", "kind"];
    const EXAMPLE: &'static [&'static str] =
        &["CY01-23B", "示例社区团支部", "团支部", "CY01T", "street_community", "CY01-23", "单位建", "2022-05-04", ""];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        use qingtuan_domain::region::OrgBasis;
        match field {
            "kind" => Some(OrgKind::ALL.iter().map(|k| k.label()).collect()),
            "basis" => Some(OrgBasis::ALL.iter().map(|k| k.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            code: cell("code"),
            name: cell("name"),
            kind: cell("kind"),
            parent_code: cell("parent_code"),
            sector_code: cell("sector_code"),
            region_code: cell("region_code"),
            basis: cell("basis"),
            founded_on: cell("founded_on"),
            dissolved_on: cell("dissolved_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        create_batch(app, actor, rows, dry_run, progress).await
    }
}
