//! The org tree in its minimal form (code, name, kind, parent), with the closure table kept in
//! the same transaction as every change. Data scopes are subtrees of this tree.

mod dissolve;
pub use dissolve::*;

mod list;
pub use list::*;

mod edit;
pub use edit::*;

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::org::{OrgCode, OrgKind, UNKNOWN_FOUNDING, founding_text, parse_org_name};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::region::{OrgBasis, pinyin_initials};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, org_closure, sector};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::page::{PER_PAGE, Page, page_number};
use crate::registry::workforce::{self, Affected};
use crate::{Actor, App, AppError};

/// An org as lists show it, with its depth below the first org the actor can see.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgView {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub parent_id: Option<OrgId>,
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
    // The parent as typed (a code, or a name only one org of the scope matches); outside the
    // scope it is reported missing — and the probe is audited.
    let mut form = form.clone();
    if !form.parent_code.trim().is_empty() {
        let parent = scope::org_named(&app.db, actor, WRITE, "parent_code", &form.parent_code).await?;
        scope::require(app, actor, WRITE, (ObjectKind::Org, parent.id.to_string()), OrgId(parent.id)).await?;
        form.parent_code = parent.code;
    }
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, &form).await?;
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
    crate::batch::row_by_row(app, actor, forms, &COLUMNS, dry_run, progress, |txn, app, actor, form| {
        Box::pin(async move { insert(txn, app, actor, form).await.map(|_| ()) })
    })
    .await
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
            let found = crate::registry::regions::find_named(conn, c).await?;
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

/// Every org the actor may read (`orgs.read` somewhere), in tree order (each parent before its
/// children), indented from the top of what the actor sees.
pub async fn visible_tree(app: &App, actor: &Actor) -> AppResult<Vec<OrgView>> {
    scope::require_somewhere(app, actor, READ).await?;
    let rows = org::Entity::find()
        .filter(scope::org_condition(actor, READ, org::Column::Id))
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
pub(crate) fn view(m: &org::Model, depth: usize) -> OrgView {
    let kind = OrgKind::parse(&m.kind).map(OrgKind::label).unwrap_or("未知");
    OrgView {
        id: OrgId(m.id),
        code: m.code.clone(),
        name: m.name.clone(),
        kind: m.kind.clone(),
        kind_label: kind.to_owned(),
        parent_id: m.parent_id.map(OrgId),
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
    /// The posts held there today.
    pub staff: Vec<crate::registry::positions::PositionView>,
    /// Every audit row about it, newest first.
    pub history: Vec<audit::Row>,
    /// The actor may edit, move or dissolve it (`orgs.write` over it).
    pub can_write: bool,
    /// The actor may register its staff (`people.write` over it).
    pub can_staff: bool,
}

/// An org with its record, honours, direct sub-organisations, the posts held there today and its
/// history: the registry's part of the org's page.
pub async fn detail(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgDetail> {
    use qingtuan_domain::region::OrgBasis;
    use qingtuan_entity::{org_honour, region};
    scope::require(app, actor, READ, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let can_write = scope::covers(&app.db, actor, WRITE, id).await?;
    let can_staff = scope::covers(&app.db, actor, crate::registry::people::WRITE, id).await?;
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
    let staff = crate::registry::positions::current_staff(app, actor, id).await?;
    let history = history(app, actor, id).await?;
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
        staff,
        history,
        can_write,
        can_staff,
    })
}

/// May the actor register an org anywhere (`orgs.write` somewhere)? Asked before the form is
/// shown; `create` checks the write over the parent.
pub async fn may_create(app: &App, actor: &Actor) -> AppResult<()> {
    scope::require_somewhere(app, actor, WRITE).await
}

/// Moves an org and its whole subtree under `new_parent_code`. The actor needs `orgs.write` over
/// both the org and its new parent, may not move the org their own scope hangs on (or one above
/// it), and the org cannot go under one of its own descendants.
pub async fn move_subtree(app: &App, actor: &Actor, id: OrgId, new_parent_code: &str) -> AppResult<()> {
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let node = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let parent = scope::org_named(&app.db, actor, WRITE, "parent_code", new_parent_code).await?;
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
        .within(&proof)
        .before(json!({ "code": code, "parent": old_parent }))
        .after(json!({ "code": code, "parent": parent.code, "subtree": members.len() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
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
