//! A round's raters: added by group with their private links (shown once), a lost link reissued.

use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{RaterId, ReviewId};
use qingtuan_entity::{review_group as group, review_rater as rater};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use super::results::lock_open_round;
use super::{MAX_RATERS, organised};
use crate::access::audit::{self, Entry};
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppResult;
use crate::{Actor, App, AppError};

/// A rater's private link, shown once to the organiser to pass on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RaterLink {
    pub name: String,
    pub group: String,
    pub token: String,
}

/// Raters as typed: a group of the round and names, one a line.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewRaters {
    pub group: String,
    pub names: String,
}

/// Adds raters to a group of an open round; returns their private links (shown once).
pub async fn add_raters(app: &App, actor: &Actor, id: ReviewId, form: &NewRaters) -> AppResult<Vec<RaterLink>> {
    let (r, proof) = organised(app, actor, id).await?;
    if r.concluded_at.is_some() {
        return Err(Invalid::one("names", "评议已公布结果，不能再添加评议人").into());
    }
    let g = match form.group.trim().parse::<i64>() {
        Ok(gid) => group::Entity::find_by_id(gid).one(&app.db).await?.filter(|g| g.round_id == r.id),
        Err(_) => None,
    }
    .ok_or_else(|| Invalid::one("group", "请选择评议组"))?;
    let names: Vec<String> = form.names.lines().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
    if names.is_empty() {
        return Err(Invalid::one("names", "请填写评议人姓名，一行一个").into());
    }
    if let Some(n) = names.iter().find(|n| n.chars().count() > 50) {
        return Err(Invalid::one("names", format!("姓名“{n}”超过 50 个字")).into());
    }
    let txn = app.begin().await?;
    if !lock_open_round(&txn, r.id).await? {
        txn.rollback().await?;
        return Err(Invalid::one("names", "评议已公布结果，不能再添加评议人").into());
    }
    let existing = rater::Entity::find().filter(rater::Column::RoundId.eq(r.id)).count(&txn).await?;
    if existing + names.len() as u64 > MAX_RATERS {
        txn.rollback().await?;
        return Err(Invalid::one("names", format!("一次评议的评议人不超过 {MAX_RATERS} 人")).into());
    }
    let mut links = Vec::with_capacity(names.len());
    for name in names {
        let token = random_token();
        rater::ActiveModel {
            round_id: Set(r.id),
            group_id: Set(g.id),
            name: Set(name.clone()),
            token_hash: Set(sha256_hex(&token)),
            submitted_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        links.push(RaterLink { name, group: g.name.clone(), token });
    }
    let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let entry = Entry::new(AuditAction::ReviewRatersAdded, ObjectKind::Review)
        .object(r.id)
        .within(&proof)
        .after(json!({ "group": g.name, "raters": names }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(links)
}

/// Gives a rater who has not voted a new private link (the old one stops working).
pub async fn reissue(app: &App, actor: &Actor, id: RaterId) -> AppResult<(ReviewId, RaterLink)> {
    let x = rater::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (r, proof) = organised(app, actor, ReviewId(x.round_id)).await?;
    if x.submitted_at.is_some() || r.concluded_at.is_some() {
        return Err(Invalid::one("rater", format!("{}已提交评议票或评议已结束，不能重发链接", x.name)).into());
    }
    let g = group::Entity::find_by_id(x.group_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let token = random_token();
    let txn = app.begin().await?;
    let reissued = rater::Entity::update_many()
        .col_expr(rater::Column::TokenHash, Expr::value(sha256_hex(&token)))
        .filter(rater::Column::Id.eq(x.id))
        .filter(rater::Column::SubmittedAt.is_null())
        .exec(&txn)
        .await?;
    if reissued.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("rater", format!("{}已提交评议票，不能重发链接", x.name)).into());
    }
    let entry = Entry::new(AuditAction::ReviewLinkReissued, ObjectKind::Review)
        .object(r.id)
        .within(&proof)
        .after(json!({ "rater": x.name }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok((ReviewId(r.id), RaterLink { name: x.name, group: g.name, token }))
}
