//! Concluding a round: once every group has reached its quorum, each reporter's weighted score and
//! grade are kept.

use std::collections::HashMap;

use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::ReviewId;
use qingtuan_domain::review::{self, Grade};
use qingtuan_domain::time::local_date;
use qingtuan_entity::{
    review_ballot as ballot, review_group as group, review_rater as rater, review_reporter as reporter,
    review_round as round,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::{Tally, organised};
use crate::access::audit::{self, Entry};
use crate::error::AppResult;
use crate::{Actor, App};

/// A round's groups, raters and the ballots of the raters who submitted.
pub(super) async fn votes<C: ConnectionTrait>(
    conn: &C,
    round: i64,
) -> AppResult<(Vec<group::Model>, Vec<rater::Model>, Vec<ballot::Model>)> {
    let groups = group::Entity::find()
        .filter(group::Column::RoundId.eq(round))
        .order_by_asc(group::Column::Id)
        .all(conn)
        .await?;
    let raters = rater::Entity::find()
        .filter(rater::Column::RoundId.eq(round))
        .order_by_asc(rater::Column::Id)
        .all(conn)
        .await?;
    let submitted: Vec<i64> = raters.iter().filter(|x| x.submitted_at.is_some()).map(|x| x.id).collect();
    let ballots = ballot::Entity::find().filter(ballot::Column::RaterId.is_in(submitted)).all(conn).await?;
    Ok((groups, raters, ballots))
}

/// The groups short of their quorum (a group nobody was asked to rate in does not count), or the
/// refusal when no group has raters.
pub(super) fn short_of_quorum(groups: &[group::Model], raters: &[rater::Model]) -> Result<Vec<String>, Invalid> {
    let mut rated = 0;
    let mut short = Vec::new();
    for g in groups {
        let mine: Vec<&rater::Model> = raters.iter().filter(|x| x.group_id == g.id).collect();
        if mine.is_empty() {
            continue;
        }
        rated += 1;
        if !review::quorum_reached(mine.iter().filter(|x| x.submitted_at.is_some()).count(), mine.len(), g.quorum) {
            short.push(g.name.clone());
        }
    }
    if rated == 0 {
        return Err(Invalid::one("review", "还没有评议人，不能公布结果"));
    }
    Ok(short)
}

/// Takes the round's row for this transaction, if it is still open: a ballot, new raters and the
/// conclusion each start here, so they are ordered (on PostgreSQL the second waits for the first).
pub(super) async fn lock_open_round(txn: &crate::db::Write, id: i64) -> AppResult<bool> {
    let open = Condition::all().add(round::Column::Id.eq(id)).add(round::Column::ConcludedAt.is_null());
    Ok(txn.take::<round::Entity>(round::Column::Id, open).await?)
}

/// Each group's (weight, grades) for a reporter.
pub(super) fn grades_by_group(
    groups: &[group::Model],
    raters: &[rater::Model],
    ballots: &[ballot::Model],
    reporter: i64,
) -> Vec<(i32, Vec<Grade>)> {
    let group_of: HashMap<i64, i64> = raters.iter().map(|x| (x.id, x.group_id)).collect();
    groups
        .iter()
        .map(|g| {
            let grades = ballots
                .iter()
                .filter(|b| b.reporter_id == reporter && group_of.get(&b.rater_id) == Some(&g.id))
                .filter_map(|b| Grade::parse(&b.grade).ok())
                .collect();
            (g.weight, grades)
        })
        .collect()
}

pub(super) fn tallies(
    groups: &[group::Model],
    raters: &[rater::Model],
    ballots: &[ballot::Model],
    reporter: i64,
) -> Vec<Tally> {
    grades_by_group(groups, raters, ballots, reporter)
        .into_iter()
        .map(|(_, grades)| Tally {
            count: grades.len(),
            good: grades.iter().filter(|g| **g == Grade::Good).count(),
            mean: (!grades.is_empty()).then(|| grades.iter().map(|g| g.points()).sum::<f64>() / grades.len() as f64),
        })
        .collect()
}

/// Concludes a round whose groups have all reached their quorum: each reporter's score and grade
/// are kept, grading stops, and the reporters see their results.
pub async fn conclude(app: &App, actor: &Actor, id: ReviewId) -> AppResult<()> {
    let (r, proof) = organised(app, actor, id).await?;
    if r.concluded_at.is_some() {
        return Err(Invalid::one("review", "评议结果已经公布").into());
    }
    let txn = app.begin().await?;
    // Concluded once, and on every ballot and rater already in: the round is taken first, then the
    // votes are read and the quorum judged inside this transaction.
    if !lock_open_round(&txn, r.id).await? {
        txn.rollback().await?;
        return Err(Invalid::one("review", "评议结果已经公布").into());
    }
    let (groups, raters, ballots) = votes(&txn, r.id).await?;
    let short = match short_of_quorum(&groups, &raters) {
        Ok(short) => short,
        Err(e) => {
            txn.rollback().await?;
            return Err(e.into());
        }
    };
    if !short.is_empty() {
        txn.rollback().await?;
        return Err(
            Invalid::one("review", format!("{}提交的评议票未达到法定比例，暂不能公布结果", short.join("、"))).into()
        );
    }
    let reporters = reporter::Entity::find().filter(reporter::Column::RoundId.eq(r.id)).all(&txn).await?;
    let today = local_date(app.now());
    round::Entity::update_many()
        .col_expr(round::Column::ConcludedAt, Expr::value(app.now()))
        .col_expr(round::Column::ConcludedOn, Expr::value(today))
        .filter(round::Column::Id.eq(r.id))
        .exec(&txn)
        .await?;
    let mut results = Vec::new();
    for x in &reporters {
        let score = review::score(&grades_by_group(&groups, &raters, &ballots, x.id));
        let grade = score.map(Grade::of_score);
        reporter::Entity::update_many()
            .col_expr(reporter::Column::ScoreTenths, Expr::value(score.map(|s| (s * 10.0).round() as i32)))
            .col_expr(reporter::Column::Grade, Expr::value(grade.map(|g| g.code().to_owned())))
            .filter(reporter::Column::Id.eq(x.id))
            .exec(&txn)
            .await?;
        results.push(json!({ "org": x.org_id, "score": score, "grade": grade.map(Grade::label) }));
    }
    let entry = Entry::new(AuditAction::ReviewConcluded, ObjectKind::Review)
        .object(r.id)
        .within(&proof)
        .after(json!({ "results": results }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}
