//! Personal access tokens for the JSON API. A token acts as its owner, with the owner's current
//! grants; only its SHA-256 is stored, and the secret is shown once. A token expires (90 days
//! unless chosen, at most a year) and is revoked with every other token of its owner when the
//! owner's password changes or is reset, the account is disabled or loses a role.

use chrono::TimeDelta;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{TokenId, UserId};
use qingtuan_domain::time::format_local;
use qingtuan_entity::{api_token, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::auth::load_actor;
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

/// The prefix makes leaked tokens easy to recognise in logs and scanners.
pub const PREFIX: &str = "qt_";

/// Days a token lives unless its owner chooses otherwise, and the most they may choose.
pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 365;

/// The moment a token stops working (tokens from before expiry was recorded: 90 days after creation).
fn expiry(t: &api_token::Model) -> chrono::DateTime<chrono::Utc> {
    t.expires_at.unwrap_or(t.created_at + TimeDelta::days(DEFAULT_DAYS))
}

/// Revokes every live token of a user, in the caller's transaction (a password change or reset,
/// a disabled account, a role taken away).
pub(crate) async fn revoke_all_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    let done = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenView {
    pub id: TokenId,
    pub name: String,
    pub created_local: String,
    pub last_used_local: Option<String>,
    pub expires_local: String,
    pub revoked: bool,
    pub expired: bool,
}

pub async fn list_mine(app: &App, actor: &Actor) -> AppResult<Vec<TokenView>> {
    let me = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let rows = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(me.0))
        .order_by_desc(api_token::Column::Id)
        .all(&app.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| TokenView {
            id: TokenId(t.id),
            expires_local: format_local(expiry(&t)),
            expired: expiry(&t) <= app.now(),
            name: t.name,
            created_local: format_local(t.created_at),
            last_used_local: t.last_used_at.map(format_local),
            revoked: t.revoked_at.is_some(),
        })
        .collect())
}

/// Creates a token for the actor, living `days` (90 if `None`, at most 365), and returns its
/// secret, which is never shown again.
pub async fn create(app: &App, actor: &Actor, name: &str, days: Option<i64>) -> AppResult<String> {
    let me = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Invalid::one("name", "令牌名称不能为空，且不超过 50 个字").into());
    }
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Invalid::one("days", "有效期应为 1 至 365 天").into());
    }
    let secret = format!("{PREFIX}{}", random_token());
    let now = app.now();
    let txn = app.begin().await?;
    let created = api_token::ActiveModel {
        user_id: Set(me.0),
        name: Set(name.to_owned()),
        token_hash: Set(sha256_hex(&secret)),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        expires_at: Set(Some(now + TimeDelta::days(days))),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::TokenCreated, ObjectKind::Token)
        .object(created.id)
        .after(json!({ "name": name, "days": days }));
    audit::record(&txn, now, actor, with_home_scope(&txn, me, entry).await?).await?;
    txn.commit().await?;
    Ok(secret)
}

async fn with_home_scope<C: sea_orm::ConnectionTrait>(conn: &C, me: UserId, entry: Entry) -> AppResult<Entry> {
    let home = user::Entity::find_by_id(me.0).one(conn).await?.ok_or(AppError::Unauthenticated)?;
    Ok(entry.scope(qingtuan_domain::ids::OrgId(home.org_id)))
}

pub async fn revoke(app: &App, actor: &Actor, id: TokenId) -> AppResult<()> {
    let me = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let found = api_token::Entity::find_by_id(id.0)
        .filter(api_token::Column::UserId.eq(me.0))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let txn = app.begin().await?;
    let name = found.name.clone();
    let mut active = found.into_active_model();
    active.revoked_at = Set(Some(now));
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::TokenRevoked, ObjectKind::Token).object(id).before(json!({ "name": name }));
    audit::record(&txn, now, actor, with_home_scope(&txn, me, entry).await?).await?;
    txn.commit().await?;
    Ok(())
}

/// The actor behind a bearer token, if it is live (not revoked, not expired) and its owner
/// enabled; it sees what its owner sees now.
pub async fn resolve(app: &App, secret: &str, client: &ClientInfo) -> AppResult<Option<Actor>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(sha256_hex(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(&app.db)
        .await?
    else {
        return Ok(None);
    };
    let now = app.now();
    if expiry(&found) <= now {
        return Ok(None);
    }
    if found.last_used_at.is_none_or(|at| now - at > TimeDelta::seconds(60)) {
        let mut active = found.clone().into_active_model();
        active.last_used_at = Set(Some(now));
        active.update(app.writer()).await?;
    }
    load_actor(app, UserId(found.user_id), client).await
}
