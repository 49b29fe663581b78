//! Rate limits: hits per key (a client address, a phone number) in an hour's window, counted in
//! the database with one atomic upsert, so every server process sees the same counts and
//! concurrent requests cannot lose a hit. An hour after a window opened, the next hit opens a new
//! one.

use chrono::{DateTime, TimeDelta, Utc};
use qingtuan_entity::rate_limit;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::error::AppResult;

const WINDOW: TimeDelta = TimeDelta::hours(1);

/// Counts one hit of `key`; returns the hits in its window so far.
pub(crate) async fn hit<C: ConnectionTrait>(conn: &C, key: &str, now: DateTime<Utc>) -> AppResult<i32> {
    let stale = Expr::col((rate_limit::Entity, rate_limit::Column::WindowStart)).lte(now - WINDOW);
    let row = rate_limit::Entity::insert(rate_limit::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(now),
        hits: Set(1),
    })
    .on_conflict(
        OnConflict::column(rate_limit::Column::Key)
            .value(
                rate_limit::Column::Hits,
                Expr::case(stale.clone(), 1).finally(Expr::col((rate_limit::Entity, rate_limit::Column::Hits)).add(1)),
            )
            .value(
                rate_limit::Column::WindowStart,
                Expr::case(stale, now).finally(Expr::col((rate_limit::Entity, rate_limit::Column::WindowStart))),
            )
            .to_owned(),
    )
    .exec_with_returning(conn)
    .await?;
    Ok(row.hits)
}

/// Counts one hit of `key`; `false` when the window's `limit` is exceeded.
pub(crate) async fn allow<C: ConnectionTrait>(conn: &C, key: &str, limit: i32, now: DateTime<Utc>) -> AppResult<bool> {
    Ok(hit(conn, key, now).await? <= limit)
}

/// Without counting: the seconds until `key` may be hit again, if its window's `limit` is used up.
pub(crate) async fn blocked_for<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    limit: i32,
    now: DateTime<Utc>,
) -> AppResult<Option<u64>> {
    let Some(row) = rate_limit::Entity::find_by_id(key.to_owned()).one(conn).await? else { return Ok(None) };
    let reopens = row.window_start + WINDOW;
    Ok((reopens > now && row.hits >= limit).then(|| Ord::max((reopens - now).num_seconds(), 1).unsigned_abs()))
}
