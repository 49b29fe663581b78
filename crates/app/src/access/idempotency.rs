//! Idempotency keys for the writing API: the first request under a (user, key) claims it, its
//! answer is kept for a day, and a retry with the same request gets that answer without writing
//! again. A key reused for another request, or while its first request runs, is refused. The
//! write runs to its end and its answer is kept even when the client goes away mid-request; a
//! claim left without an answer for a minute (the server stopped between the two) is given up, so
//! the retry runs — the write itself is one transaction, done or not.

use chrono::TimeDelta;
use qingtuan_domain::Invalid;
use qingtuan_entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::error::AppResult;
use crate::{Actor, App, AppError};

/// How long an answer is kept.
const KEPT: TimeDelta = TimeDelta::hours(24);

/// A claim without an answer after this long was abandoned (the server stopped mid-request): a
/// retry runs again.
const LEASE: TimeDelta = TimeDelta::seconds(60);

/// What a request under a key does.
#[derive(Debug)]
pub enum Claim {
    /// The first request: it runs, then `finish` keeps its answer.
    First,
    /// The same request again: its kept answer (status, JSON body).
    Replay(u16, String),
}

/// Claims `key` for `request_sha256` (a digest of the method, path and body) for the actor.
pub async fn claim(app: &App, actor: &Actor, key: &str, request_sha256: &str) -> AppResult<Claim> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Invalid::one("Idempotency-Key", "Idempotency-Key 应为 1 到 100 个可见 ASCII 字符").into());
    }
    let user = actor.user_id().map_or(0, |u| u.0);
    let now = app.now();
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(user))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&app.db)
        .await?;
    if let Some(old) = found {
        let abandoned = old.status.is_none() && now - old.created_at >= LEASE;
        if now - old.created_at < KEPT && !abandoned {
            if old.request_sha256 != request_sha256 {
                return Err(Invalid::one("Idempotency-Key", "该 Idempotency-Key 已用于另一个请求").into());
            }
            return match (old.status, old.body) {
                (Some(status), Some(body)) => Ok(Claim::Replay(u16::try_from(status).unwrap_or(200), body)),
                _ => Err(AppError::Conflict("使用该 Idempotency-Key 的请求正在处理，请稍后重试".into())),
            };
        }
        idempotency_key::Entity::delete_by_id(old.id).exec(app.writer()).await?;
    }
    let claimed = idempotency_key::ActiveModel {
        user_id: Set(user),
        key: Set(key.to_owned()),
        request_sha256: Set(request_sha256.to_owned()),
        status: Set(None),
        body: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(app.writer())
    .await;
    match claimed {
        Ok(_) => Ok(Claim::First),
        // Another request claimed it a moment ago (the unique index decides).
        Err(_) => Err(AppError::Conflict("使用该 Idempotency-Key 的请求正在处理，请稍后重试".into())),
    }
}

/// Keeps the answer of the request that claimed `key`; an answer that says the server failed
/// (5xx) or asked to slow down (429) releases the key instead, so the client's retry runs again.
pub async fn finish(app: &App, actor: &Actor, key: &str, status: u16, body: &str) -> AppResult<()> {
    let user = actor.user_id().map_or(0, |u| u.0);
    let filter = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(user))
        .filter(idempotency_key::Column::Key.eq(key.trim()));
    let Some(row) = filter.one(&app.db).await? else { return Ok(()) };
    if status >= 500 || status == 429 {
        idempotency_key::Entity::delete_by_id(row.id).exec(app.writer()).await?;
        return Ok(());
    }
    let mut active: idempotency_key::ActiveModel = row.into();
    active.status = Set(Some(i32::from(status)));
    active.body = Set(Some(body.to_owned()));
    active.update(app.writer()).await?;
    Ok(())
}
