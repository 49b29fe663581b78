//! The org tree in its minimal form (code, name, kind, parent), with the closure table kept in
//! the same transaction as every change. Data scopes are subtrees of this tree.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::org::{OrgCode, OrgKind, parse_org_name};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, org_closure};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde_json::json;

use crate::audit::{self, Entry};
use crate::error::AppResult;
use crate::{Actor, App, AppError, scope};

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
}

/// The form for a new org.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Empty for a root (only the system actor may create one).
    pub parent_code: String,
}

pub async fn find_by_code<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<Option<org::Model>> {
    Ok(org::Entity::find().filter(org::Column::Code.eq(code.trim())).one(conn).await?)
}

pub async fn create(app: &App, actor: &Actor, form: &NewOrg) -> AppResult<OrgId> {
    let mut problems = Vec::new();
    let code = OrgCode::parse(&form.code).map_err(|e| problems.extend(e.0)).ok();
    let name = parse_org_name(&form.name).map_err(|e| problems.extend(e.0)).ok();
    let kind = OrgKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let parent = if form.parent_code.trim().is_empty() {
        None
    } else {
        let found = find_by_code(&app.db, &form.parent_code).await?;
        if found.is_none() {
            problems.push(FieldError { field: "parent_code", message: "上级组织不存在".into() });
        }
        found
    };
    let (Some(code), Some(name), Some(kind)) = (code, name, kind) else { return Err(Invalid(problems).into()) };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let write = Permission::new(Module::Orgs, Action::Write);
    match &parent {
        Some(p) => scope::require(app, actor, write, (ObjectKind::Org, p.id.to_string()), OrgId(p.id)).await?,
        None if actor.is_system() => {}
        None => return Err(Invalid::one("parent_code", "请选择上级组织").into()),
    }

    let now = app.now();
    let txn = app.db.begin().await?;
    let created = org::ActiveModel {
        code: Set(code.as_str().to_owned()),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "code", "组织代码已被使用"))?;

    let mut closure = vec![org_closure::ActiveModel {
        ancestor_id: Set(created.id),
        descendant_id: Set(created.id),
        depth: Set(0),
    }];
    if let Some(p) = &parent {
        let ancestors =
            org_closure::Entity::find().filter(org_closure::Column::DescendantId.eq(p.id)).all(&txn).await?;
        closure.extend(ancestors.into_iter().map(|a| org_closure::ActiveModel {
            ancestor_id: Set(a.ancestor_id),
            descendant_id: Set(created.id),
            depth: Set(a.depth + 1),
        }));
    }
    org_closure::Entity::insert_many(closure).exec(&txn).await?;

    let after = json!({ "code": code.as_str(), "name": name, "kind": kind.code(), "parent": form.parent_code.trim() });
    let entry = Entry::new(AuditAction::OrgCreated, ObjectKind::Org).object(created.id).scope(OrgId(created.id)).after(after);
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
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

fn view(m: &org::Model, depth: usize) -> OrgView {
    let kind = OrgKind::parse(&m.kind).map(OrgKind::label).unwrap_or("未知");
    OrgView {
        id: m.id,
        code: m.code.clone(),
        name: m.name.clone(),
        kind: m.kind.clone(),
        kind_label: kind.to_owned(),
        parent_id: m.parent_id,
        depth,
    }
}

/// One org, if the actor may read it.
pub async fn show(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgView> {
    let read = Permission::new(Module::Orgs, Action::Read);
    scope::require(app, actor, read, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok(view(&found, 0))
}
