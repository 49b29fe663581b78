//! What an account is granted: a role over a subtree, given only by someone who holds everything
//! the role carries over that subtree, and revoked.

use std::collections::BTreeSet;

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{AssignmentId, OrgId, UserId};
use qingtuan_domain::permission::Permission;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, org_closure, role, role_permission, user_role};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{WRITE, find_to_administer};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::{Actor, App, AppError};

/// The permissions the actor holds over `org`, from every grant whose subtree contains it.
pub(super) async fn permissions_over(app: &App, actor: &Actor, org: OrgId) -> AppResult<Option<BTreeSet<Permission>>> {
    if actor.is_system() {
        return Ok(None);
    }
    let ancestors: Vec<i64> = org_closure::Entity::find()
        .filter(org_closure::Column::DescendantId.eq(org.0))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| c.ancestor_id)
        .collect();
    Ok(Some(
        actor
            .grants
            .iter()
            .filter(|g| ancestors.contains(&g.scope_org_id.0))
            .flat_map(|g| g.permissions.iter().copied())
            .collect(),
    ))
}

/// Resolves a role and a scope for an assignment, refusing roles that would give more than the
/// actor has over that scope, and roles made for the other kind of account (a partner's account
/// holds roles for partners, over the org that registered its partner; an org's account the rest).
pub(super) async fn grantable(
    app: &App,
    actor: &Actor,
    role_code: &str,
    scope_code: &str,
    for_partner: bool,
) -> AppResult<(role::Model, org::Model)> {
    let mut problems = Vec::new();
    let found_role = role::Entity::find().filter(role::Column::Code.eq(role_code.trim())).one(&app.db).await?;
    match &found_role {
        None => problems.push(FieldError { field: "role_code", message: "请选择角色".into() }),
        Some(r) if r.for_partners && !for_partner => {
            problems.push(FieldError::new("role_code", format!("“{}”只能授予合作单位的账户", r.name)));
        }
        Some(r) if !r.for_partners && for_partner => {
            problems.push(FieldError::new("role_code", format!("合作单位的账户不能授予“{}”", r.name)));
        }
        Some(_) => {}
    }
    let found_org = match scope::named(&app.db, actor, WRITE, "scope_code", scope_code).await? {
        Ok(found) => Some(found),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    let (Some(found_role), Some(found_org), true) = (found_role, found_org, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    scope::require(app, actor, WRITE, (ObjectKind::Org, found_org.id.to_string()), OrgId(found_org.id)).await?;
    if let Some(held) = permissions_over(app, actor, OrgId(found_org.id)).await? {
        let needed = role_permission::Entity::find()
            .filter(role_permission::Column::RoleId.eq(found_role.id))
            .all(&app.db)
            .await?;
        let exceeds = needed.iter().filter_map(|p| Permission::parse(&p.permission).ok()).any(|p| !held.contains(&p));
        if exceeds {
            return Err(Invalid::one("role_code", "不能授予超出您自身权限的角色").into());
        }
    }
    Ok((found_role, found_org))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewAssignment {
    pub role_code: String,
    pub scope_code: String,
}

pub async fn assign_role(app: &App, actor: &Actor, id: UserId, form: &NewAssignment) -> AppResult<AssignmentId> {
    let (account, proof) = find_to_administer(app, actor, id).await?;
    // A partner's account holds its roles over its partner: the scope is the org that registered it.
    let scope_code = match account.partner_id {
        Some(_) => org::Entity::find_by_id(account.org_id).one(&app.db).await?.map(|o| o.code).unwrap_or_default(),
        None => form.scope_code.clone(),
    };
    let (role, scope_org) = grantable(app, actor, &form.role_code, &scope_code, account.partner_id.is_some()).await?;
    let now = app.now();
    let txn = app.begin().await?;
    let created = user_role::ActiveModel {
        user_id: Set(account.id),
        role_id: Set(role.id),
        scope_org_id: Set(scope_org.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "role_code", "该用户已有此角色和数据范围"))?;
    let entry = Entry::new(AuditAction::RoleAssigned, ObjectKind::User)
        .object(id)
        .within(&proof)
        .after(json!({ "role": role.code, "scope": scope_org.code }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(AssignmentId(created.id))
}

/// Removes one role assignment; it stops counting from the user's next request.
pub async fn revoke_role(app: &App, actor: &Actor, id: UserId, assignment: AssignmentId) -> AppResult<()> {
    let (account, proof) = find_to_administer(app, actor, id).await?;
    let found = user_role::Entity::find_by_id(assignment.0)
        .filter(user_role::Column::UserId.eq(account.id))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let object = (ObjectKind::User, id.to_string());
    scope::require(app, actor, WRITE, object, OrgId(found.scope_org_id)).await?;
    let role = role::Entity::find_by_id(found.role_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let scope_org = org::Entity::find_by_id(found.scope_org_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let txn = app.begin().await?;
    user_role::Entity::delete_by_id(found.id).exec(&txn).await?;
    // A script's token must not keep working on what it was made for after a role is taken away.
    crate::access::tokens::revoke_all_of(&txn, account.id, app.now()).await?;
    let entry = Entry::new(AuditAction::RoleRevoked, ObjectKind::User)
        .object(id)
        .within(&proof)
        .before(json!({ "role": role.code, "scope": scope_org.code }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}
