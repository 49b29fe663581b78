//! Roles are data: which permissions each role carries is edited by whoever holds `roles.write`
//! over the whole tree, and takes effect on every holder's next request.

use std::collections::BTreeSet;

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::RoleId;
use qingtuan_domain::permission::{Action, Module, Permission};

pub const READ: Permission = Permission::new(Module::Roles, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Roles, Action::Write);
use qingtuan_entity::{role, role_permission};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::{Actor, App, AppError};

#[derive(Debug, Clone, serde::Serialize)]
pub struct RoleView {
    pub id: RoleId,
    pub code: String,
    pub name: String,
    pub description: String,
    pub permissions: BTreeSet<Permission>,
    /// Holders must log in with a second factor.
    pub requires_second_factor: bool,
    /// A role for partners' accounts, held over their partner.
    pub for_partners: bool,
}

impl RoleView {
    pub fn grants(&self, module: &Module, action: &Action) -> bool {
        self.permissions.contains(&Permission::new(*module, *action))
    }
}

/// Every role with its permissions. Role names are not personal data; any logged-in user may
/// need them (the role drop-down of the user form), so only `users.read` or `roles.read` is asked.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<RoleView>> {
    let users_read = crate::access::users::READ;
    let roles_read = READ;
    if !actor.can_somewhere(users_read) {
        scope::require_somewhere(app, actor, roles_read).await?;
    }
    let roles = role::Entity::find().order_by_asc(role::Column::Id).all(&app.db).await?;
    let grants = role_permission::Entity::find().all(&app.db).await?;
    Ok(roles
        .into_iter()
        .map(|r| RoleView {
            permissions: grants
                .iter()
                .filter(|g| g.role_id == r.id)
                .filter_map(|g| Permission::parse(&g.permission).ok())
                .collect(),
            id: RoleId(r.id),
            requires_second_factor: r.requires_second_factor,
            for_partners: r.for_partners,
            code: r.code,
            name: r.name,
            description: r.description,
        })
        .collect())
}

/// The roles the actor could grant somewhere: those whose permissions the actor holds (the
/// server still checks each assignment against the scope chosen).
fn offerable(actor: &Actor, roles: Vec<RoleView>) -> Vec<RoleView> {
    if actor.is_system() {
        return roles;
    }
    let held: BTreeSet<Permission> = actor.grants.iter().flat_map(|g| g.permissions.iter().copied()).collect();
    roles.into_iter().filter(|r| r.permissions.is_subset(&held)).collect()
}

/// The roles page: every role with what it carries (`roles.read` somewhere), and whether the actor
/// may change them.
pub async fn overview(app: &App, actor: &Actor) -> AppResult<Overview> {
    scope::require_somewhere(app, actor, READ).await?;
    Ok(Overview { roles: list(app, actor).await?, can_write: actor.can_somewhere(WRITE) })
}

/// The roles page's data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    pub roles: Vec<RoleView>,
    pub can_write: bool,
}

/// One role, to change what it carries (`roles.write` somewhere).
pub async fn editable(app: &App, actor: &Actor, id: RoleId) -> AppResult<RoleView> {
    scope::require_somewhere(app, actor, WRITE).await?;
    list(app, actor).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)
}

/// The roles the actor may give an account: those that carry nothing the actor lacks, for a
/// partner's accounts or for the others; none without `users.write`.
pub async fn offered(app: &App, actor: &Actor, for_partners: bool) -> AppResult<Vec<RoleView>> {
    if !actor.can_somewhere(crate::access::users::WRITE) {
        return Ok(Vec::new());
    }
    let mut roles = offerable(actor, list(app, actor).await?);
    roles.retain(|r| r.for_partners == for_partners);
    Ok(roles)
}

/// Sets what a role carries: its permissions, and whether its holders must use a second factor.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: RoleId,
    permissions: &BTreeSet<Permission>,
    requires_second_factor: bool,
) -> AppResult<()> {
    let write = WRITE;
    scope::require_somewhere(app, actor, write).await?;
    scope::require_everywhere(app, actor, write, (ObjectKind::Role, Some(id.to_string()))).await?;
    let found = role::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let before: Vec<String> = role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.eq(found.id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|g| g.permission)
        .collect();
    let after: Vec<String> = permissions.iter().map(|p| p.code()).collect();

    let txn = app.begin().await?;
    if found.requires_second_factor != requires_second_factor {
        let mut active: role::ActiveModel = found.clone().into();
        active.requires_second_factor = Set(requires_second_factor);
        active.update(&txn).await?;
    }
    role_permission::Entity::delete_many().filter(role_permission::Column::RoleId.eq(found.id)).exec(&txn).await?;
    if !after.is_empty() {
        let rows = after
            .iter()
            .map(|code| role_permission::ActiveModel { role_id: Set(found.id), permission: Set(code.clone()) });
        role_permission::Entity::insert_many(rows).exec(&txn).await?;
    }
    let entry = Entry::new(AuditAction::RolePermissionsChanged, ObjectKind::Role)
        .object(found.id)
        .before(json!({
            "role": found.code, "permissions": before, "requires_second_factor": found.requires_second_factor,
        }))
        .after(json!({ "role": found.code, "permissions": after, "requires_second_factor": requires_second_factor }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}
