//! Sessions: opened at login, resolved on every request (idle and absolute limits, the account's
//! grants reloaded once per data version), reauthentication for sensitive actions, logging out.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, PartnerId, UserId};
use qingtuan_domain::permission::Permission;
use qingtuan_entity::{login_attempt, org, partner, role, role_permission, session, user, user_role};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use super::{NewSession, count_failure, is_dormant};
use crate::access::actor::{Grant, PartnerGrant, Principal};
use crate::access::audit::{self, Entry};
use crate::crypto::{random_token, sha256_hex, verify_password};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

pub(super) async fn open_session<C: ConnectionTrait>(
    conn: &C,
    user: UserId,
    now: DateTime<Utc>,
    client: &ClientInfo,
) -> AppResult<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    session::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user.0),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        client_addr: Set(client.addr.chars().take(64).collect()),
        user_agent: Set(client.user_agent.chars().take(200).collect()),
        reauthenticated_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(NewSession { token, csrf_token })
}

/// A request's session, resolved.
#[derive(Debug, Clone)]
pub struct SessionActor {
    pub actor: Actor,
    pub csrf_token: String,
    /// The password was given (at login or to confirm) within the policy's re-authentication window.
    pub recently_authenticated: bool,
}

/// Finds the live session behind a cookie value, ending it if it has been idle too long or is too
/// old, and loads the user's current grants — so a disabled account or a revoked role counts from
/// the very next request.
pub async fn resolve_session(app: &App, token: &str, client: &ClientInfo) -> AppResult<Option<SessionActor>> {
    let now = app.now();
    let id = sha256_hex(token);
    let Some(found) = session::Entity::find_by_id(id.clone()).one(&app.db).await? else { return Ok(None) };
    let idle = now - found.last_seen_at > app.policy.idle_timeout;
    let expired = now - found.created_at > app.policy.absolute_timeout;
    if idle || expired {
        session::Entity::delete_by_id(id).exec(app.writer()).await?;
        return Ok(None);
    }
    let Some(actor) = load_actor(app, UserId(found.user_id), client).await? else {
        session::Entity::delete_many().filter(session::Column::UserId.eq(found.user_id)).exec(app.writer()).await?;
        return Ok(None);
    };
    // Writing on every request would serialise readers on SQLite; a minute of slack is harmless.
    if now - found.last_seen_at > TimeDelta::seconds(60) {
        let mut touched = found.clone().into_active_model();
        touched.last_seen_at = Set(now);
        touched.update(app.writer()).await?;
    }
    // The login is the first authentication; a confirmation later moves it on.
    let authenticated_at = found.reauthenticated_at.unwrap_or(found.created_at);
    let recently_authenticated = (now - authenticated_at) <= app.policy.reauth_window;
    Ok(Some(SessionActor { actor, csrf_token: found.csrf_token, recently_authenticated }))
}

/// Confirms the session user's password — and the code of their second factor if they have one —
/// before a sensitive action; `false` (audited) if wrong. A right one marks the session as just
/// authenticated. Wrong answers count towards the account's lock-out, and the fifth in a row
/// ends the session, so a stolen session cannot be used to guess the code.
pub async fn reauthenticate(app: &App, actor: &Actor, token: &str, password: &str, code: &str) -> AppResult<bool> {
    let account = own_account(app, actor).await?;
    let user_id = UserId(account.id);
    let password_ok = verify_password(password, &account.password_hash).await?;
    let now = app.now();
    let counter = format!("reauth:{}", account.id);
    let txn = app.begin().await?;
    let ok = password_ok
        && (!crate::access::second_factor::is_enrolled(&account)
            || crate::access::second_factor::accept(app, &txn, &account, code, now).await?.is_some());
    let scope = OrgId(account.org_id);
    if ok {
        let found = session::Entity::find_by_id(sha256_hex(token)).one(&txn).await?.ok_or(AppError::Unauthenticated)?;
        let mut active = found.into_active_model();
        active.reauthenticated_at = Set(Some(now));
        active.update(&txn).await?;
        login_attempt::Entity::delete_by_id(counter).exec(&txn).await?;
    } else if count_failure(&txn, &counter, now).await? >= app.policy.max_failures {
        login_attempt::Entity::delete_by_id(counter).exec(&txn).await?;
        session::Entity::delete_by_id(sha256_hex(token)).exec(&txn).await?;
        let entry = Entry::new(AuditAction::SessionsEnded, ObjectKind::User).object(user_id).scope(scope);
        audit::record(&txn, now, actor, entry.after(json!({ "sessions": 1, "reason": "reauth_failures" }))).await?;
    }
    let action = if ok { AuditAction::Reauthenticated } else { AuditAction::ReauthenticationFailed };
    audit::record(&txn, now, actor, Entry::new(action, ObjectKind::User).object(user_id).scope(scope)).await?;
    txn.commit().await?;
    Ok(ok)
}

/// The actor for an enabled user, with every grant they hold now; `None` if disabled or missing.
/// A one-time password, or one older than the policy allows, must be changed before anything else.
pub async fn load_actor(app: &App, user_id: UserId, client: &ClientInfo) -> AppResult<Option<Actor>> {
    // An account and its grants change only in write transactions, which move the data version
    // on: until then every request of the user shares one reading of them.
    let key = format!("account|{}", user_id.0);
    // Every request of the user waits for this reading after a write: it runs on the connections
    // kept for such computations, not behind the pages' queries.
    let loaded = app.memo.get(app, key, |app| Box::pin(async move { account_and_grants(&app, user_id).await })).await?;
    let Some((account, grants, partner)) = loaded.as_ref() else { return Ok(None) };
    // A dormant account's API tokens stop too, whether or not the daily run has disabled it yet.
    if account.disabled_at.is_some() || is_dormant(app, account, app.now()) {
        return Ok(None);
    }
    let password_expired = app.policy.password_max_age.is_some_and(|age| app.now() - account.password_changed_at > age);
    let second_factor_missing = (grants.iter().any(|g| g.requires_second_factor)
        || partner.as_ref().is_some_and(|p| p.requires_second_factor))
        && !crate::access::second_factor::is_enrolled(account);
    Ok(Some(Actor {
        principal: Principal::User {
            id: UserId(account.id),
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            must_change_password: account.must_change_password || password_expired,
            must_enrol_second_factor: second_factor_missing,
        },
        grants: grants.clone(),
        partner: partner.clone(),
        client: client.clone(),
    }))
}

/// The account and every grant it holds now: over the tree, or — a partner's account — over its
/// partner alone.
async fn account_and_grants(app: &App, user_id: UserId) -> AppResult<Option<Loaded>> {
    let conn = &app.db;
    let Some(account) = user::Entity::find_by_id(user_id.0).one(conn).await? else { return Ok(None) };
    let assignments = user_role::Entity::find().filter(user_role::Column::UserId.eq(account.id)).all(conn).await?;
    let role_ids: Vec<i64> = assignments.iter().map(|a| a.role_id).collect();
    let org_ids: Vec<i64> = assignments.iter().map(|a| a.scope_org_id).collect();
    let roles = role::Entity::find().filter(role::Column::Id.is_in(role_ids.clone())).all(conn).await?;
    let grants_rows =
        role_permission::Entity::find().filter(role_permission::Column::RoleId.is_in(role_ids)).all(conn).await?;
    let permissions_of = |role_id: i64| -> BTreeSet<Permission> {
        grants_rows
            .iter()
            .filter(|g| g.role_id == role_id)
            .filter_map(|g| Permission::parse(&g.permission).ok())
            .collect()
    };
    // Only roles of the account's kind count: a partner's roles over the partner, the tree's over orgs.
    let held: Vec<(&user_role::Model, &role::Model)> = assignments
        .iter()
        .filter_map(|a| roles.iter().find(|r| r.id == a.role_id).map(|r| (a, r)))
        .filter(|(_, r)| r.for_partners == account.partner_id.is_some())
        .collect();
    if let Some(partner_id) = account.partner_id {
        let Some(p) = partner::Entity::find_by_id(partner_id).one(conn).await? else { return Ok(None) };
        let grant = PartnerGrant {
            partner_id: PartnerId(p.id),
            partner_name: p.name,
            role_names: held.iter().map(|(_, r)| r.name.clone()).collect(),
            permissions: held.iter().flat_map(|(_, r)| permissions_of(r.id)).collect(),
            requires_second_factor: held.iter().any(|(_, r)| r.requires_second_factor),
        };
        return Ok(Some((account, Vec::new(), Some(grant))));
    }
    let orgs = org::Entity::find().filter(org::Column::Id.is_in(org_ids)).all(conn).await?;
    let grants = held
        .into_iter()
        .filter_map(|(a, role)| {
            let scope = orgs.iter().find(|o| o.id == a.scope_org_id)?;
            Some(Grant {
                role_code: role.code.clone(),
                role_name: role.name.clone(),
                scope_org_id: OrgId(scope.id),
                scope_org_name: scope.name.clone(),
                permissions: permissions_of(role.id),
                requires_second_factor: role.requires_second_factor,
            })
        })
        .collect();
    Ok(Some((account, grants, None)))
}

/// An account as its requests see it: the row, its grants over the tree, its grant over a partner.
type Loaded = (user::Model, Vec<Grant>, Option<PartnerGrant>);

/// The actor's own account, as stored now.
pub(crate) async fn own_account(app: &App, actor: &Actor) -> AppResult<user::Model> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    user::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::Unauthenticated)
}

/// Ends the session behind `token`.
pub async fn logout(app: &App, actor: &Actor, token: &str) -> AppResult<()> {
    let txn = app.begin().await?;
    session::Entity::delete_by_id(sha256_hex(token)).exec(&txn).await?;
    let mut entry = Entry::new(AuditAction::Logout, ObjectKind::Session);
    if let Some(id) = actor.user_id() {
        entry = entry.object(id);
        if let Some(u) = user::Entity::find_by_id(id.0).one(&txn).await? {
            entry = entry.scope(OrgId(u.org_id));
        }
    }
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}
