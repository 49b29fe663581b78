//! A rater's private link: the round and the reporters to grade, and the grades cast (once, until
//! the round closes).

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::review::{self, Grade};
use qingtuan_domain::time::local_date;
use qingtuan_entity::{
    review_ballot as ballot, review_group as group, review_rater as rater, review_reporter as reporter,
    review_round as round,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::results::lock_open_round;
use crate::access::audit::{self, Entry};
use crate::crypto::sha256_hex;
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

/// What a rater's private link shows: the round, the reporters to grade and, once submitted, the
/// grades given.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ballot {
    pub title: String,
    pub organiser: String,
    pub held_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub rater: String,
    pub group: String,
    /// (reporter id, org name, the grade given once submitted).
    pub reporters: Vec<(i64, String, Option<Grade>)>,
    pub good_allowed: usize,
    pub submitted: bool,
    /// Grading is possible now: within the window, not concluded, not yet submitted.
    pub open: bool,
    /// Why grading is not possible, when it is not.
    pub closed_reason: Option<&'static str>,
}

async fn by_token(app: &App, token: &str) -> AppResult<rater::Model> {
    if token.len() > 100 {
        return Err(AppError::NotFound);
    }
    rater::Entity::find()
        .filter(rater::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A rater's ballot by their private link (404 for an unknown link).
pub async fn ballot(app: &App, token: &str) -> AppResult<Ballot> {
    let x = by_token(app, token).await?;
    let r = round::Entity::find_by_id(x.round_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let g = group::Entity::find_by_id(x.group_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let reporters = reporter::Entity::find()
        .filter(reporter::Column::RoundId.eq(r.id))
        .order_by_asc(reporter::Column::Id)
        .all(&app.db)
        .await?;
    let mut names = crate::tree::names(&app.db, reporters.iter().map(|p| p.org_id).chain([r.org_id]).collect()).await?;
    let given: HashMap<i64, Grade> = ballot::Entity::find()
        .filter(ballot::Column::RaterId.eq(x.id))
        .all(&app.db)
        .await?
        .into_iter()
        .filter_map(|b| Grade::parse(&b.grade).ok().map(|g| (b.reporter_id, g)))
        .collect();
    let today = local_date(app.now());
    let closed_reason = if x.submitted_at.is_some() {
        Some("您已提交评议票，感谢参与")
    } else if r.concluded_at.is_some() {
        Some("评议结果已经公布，评议已结束")
    } else if today < r.held_on {
        Some("评议尚未开始")
    } else if today > r.closes_on {
        Some("评议已截止")
    } else {
        None
    };
    Ok(Ballot {
        organiser: names.remove(&r.org_id).unwrap_or_default(),
        good_allowed: review::good_allowed(reporters.len(), r.good_cap),
        reporters: reporters
            .iter()
            .map(|p| (p.id, names.get(&p.org_id).cloned().unwrap_or_default(), given.get(&p.id).copied()))
            .collect(),
        title: r.title,
        held_on: r.held_on,
        closes_on: r.closes_on,
        rater: x.name,
        group: g.name,
        submitted: x.submitted_at.is_some(),
        open: closed_reason.is_none(),
        closed_reason,
    })
}

/// Casts a rater's ballot: a grade for every reporter, at most the allowed number of 好, once,
/// within the round's window. `grades` maps `g{reporter id}` to a grade's code.
pub async fn cast(app: &App, client: &ClientInfo, token: &str, grades: &HashMap<String, String>) -> AppResult<()> {
    let x = by_token(app, token).await?;
    let b = ballot(app, token).await?;
    if let Some(reason) = b.closed_reason {
        return Err(Invalid::one("ballot", reason).into());
    }
    let mut chosen = Vec::with_capacity(b.reporters.len());
    let mut missing = Vec::new();
    for (id, name, _) in &b.reporters {
        match grades.get(&format!("g{id}")).map(|g| Grade::parse(g)) {
            Some(Ok(g)) => chosen.push((*id, g)),
            _ => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(
            Invalid::one("ballot", format!("请为每个述职单位选择等次，尚未选择：{}", missing.join("、"))).into()
        );
    }
    let good = chosen.iter().filter(|(_, g)| *g == Grade::Good).count();
    if good > b.good_allowed {
        return Err(Invalid::one(
            "ballot",
            format!("评为“好”的不能超过 {} 个（您选了 {good} 个），请调整后再提交", b.good_allowed),
        )
        .into());
    }
    let now = app.now();
    let txn = app.begin().await?;
    // A ballot and the conclusion are ordered by the round's row: a ballot either comes before the
    // conclusion (and is counted) or finds the round concluded.
    if !lock_open_round(&txn, x.round_id).await? {
        txn.rollback().await?;
        return Err(Invalid::one("ballot", "评议结果已经公布，评议已结束").into());
    }
    // Submitted once: of two submissions at the same time, the second changes nothing.
    let first = rater::Entity::update_many()
        .col_expr(rater::Column::SubmittedAt, Expr::value(now))
        .filter(rater::Column::Id.eq(x.id))
        .filter(rater::Column::SubmittedAt.is_null())
        .exec(&txn)
        .await?;
    if first.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("ballot", "您已提交评议票，感谢参与").into());
    }
    let r = round::Entity::find_by_id(x.round_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    for (reporter_id, grade) in &chosen {
        ballot::ActiveModel {
            rater_id: Set(x.id),
            reporter_id: Set(*reporter_id),
            grade: Set(grade.code().to_owned()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    // Raters are anonymous to the reporters: the audit row says a ballot came in, not what it said.
    let anonymous = Actor::anonymous(client, "评议人");
    let entry = Entry::new(AuditAction::ReviewBallotCast, ObjectKind::Review).object(r.id).scope(OrgId(r.org_id));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(())
}
