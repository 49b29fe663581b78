//! Duty-report reviews (述职评议): an org organises a round in which the secretaries of orgs below
//! it report; raters in weighted groups grade each reporter 好/较好/一般/差 through a private link
//! (no account) until the round closes; once every group has reached its quorum the organiser
//! concludes the round, which keeps each reporter's score and grade.
//!
//! Who sees what: the organiser's staff (`accountability.write` over the organiser) set the round
//! up, add raters, follow the ballots (who submitted, and what each rater gave) and conclude it.
//! A reporter's staff (`accountability.read` over the reporter) see the round and, once it is
//! concluded, their own score and grade — never who graded what, nor the other reporters.

mod ballots;
mod raters;
mod results;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeDelta};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, RaterGroupId, RaterId, ReviewId};
use qingtuan_domain::review::{self, Grade, GroupSpec};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{
    org, review_group as group, review_rater as rater, review_reporter as reporter, review_round as round,
};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::parse_date;
use crate::page::Page;
use crate::{Actor, App, AppError};
use results::{grades_by_group, short_of_quorum, tallies, votes};

pub use ballots::{Ballot, ballot, cast};
pub use raters::{NewRaters, RaterLink, add_raters, reissue};
pub use results::conclude;

/// The most raters a round may have.
pub(super) const MAX_RATERS: u64 = 300;
/// The most orgs that may report in one round.
const MAX_REPORTERS: usize = 100;
/// How long a round may stay open for grading after its day.
const MAX_WINDOW_DAYS: i64 = 60;

/// A round as typed: empty reporters are the organiser's direct subordinates on the day.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NewReview {
    pub org_code: String,
    pub title: String,
    pub held_on: String,
    /// The last day raters may grade; empty: a week after the day.
    pub closes_on: String,
    /// The most 好 a rater may give, in per cent of the reporters.
    pub good_cap: String,
    /// `名称 权重 法定比例` a line.
    pub groups: String,
    /// Reporters' org codes, separated by spaces, commas or lines.
    pub reporters: String,
}

impl Default for NewReview {
    fn default() -> Self {
        Self {
            org_code: String::new(),
            title: String::new(),
            held_on: String::new(),
            closes_on: String::new(),
            good_cap: "30".into(),
            groups: review::DEFAULT_GROUPS.into(),
            reporters: String::new(),
        }
    }
}

fn field(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

/// Organises a round (write over the organiser).
pub async fn organise(app: &App, actor: &Actor, form: &NewReview) -> AppResult<ReviewId> {
    let host = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let organiser = org::Entity::find_by_id(host.get().0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let today = local_date(app.now());
    let mut problems = Vec::new();
    // A round is usually set up before its day, up to a year ahead.
    let held_on = match parse_date("held_on", &form.held_on) {
        Ok(Some(d)) if d <= today + TimeDelta::days(366) => Some(d),
        Ok(Some(_)) => {
            problems.push(field("held_on", "评议日期不能晚于一年以后"));
            None
        }
        Ok(None) => {
            problems.push(field("held_on", "请填写评议日期"));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let closes_on = match (parse_date("closes_on", &form.closes_on), held_on) {
        (Err(e), _) => {
            problems.push(e);
            None
        }
        (Ok(None), held) => held.map(|d| d + TimeDelta::days(7)),
        (Ok(Some(c)), Some(d)) if c < d || c > d + TimeDelta::days(MAX_WINDOW_DAYS) => {
            problems.push(field("closes_on", format!("评议截止日期应在评议日期后 {MAX_WINDOW_DAYS} 天之内")));
            None
        }
        (Ok(Some(c)), _) => Some(c),
    };
    let good_cap = match form.good_cap.trim().trim_end_matches('%').parse::<i32>() {
        Ok(c) if (1..=100).contains(&c) => Some(c),
        _ => {
            problems.push(field("good_cap", "“好”的比例上限应为 1–100 之间的整数"));
            None
        }
    };
    let groups = review::parse_groups(&form.groups).map_err(|e| problems.extend(e.0)).ok();
    let title = match form.title.trim() {
        "" => held_on.map(|d| format!("{}年度基层团组织书记述职评议", d.year())).unwrap_or_default(),
        t if t.chars().count() > 200 => {
            problems.push(field("title", "标题不超过 200 个字"));
            String::new()
        }
        t => t.to_owned(),
    };
    let reporters = match held_on {
        Some(d) => reporters_of(app, &organiser, &form.reporters, d).await?.map_err(|e| problems.extend(e.0)).ok(),
        None => None,
    };
    let (Some(held_on), Some(closes_on), Some(good_cap), Some(groups), Some(reporters)) =
        (held_on, closes_on, good_cap, groups, reporters)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let txn = app.begin().await?;
    let row = round::ActiveModel {
        org_id: Set(organiser.id),
        year: Set(held_on.year()),
        title: Set(title.clone()),
        held_on: Set(held_on),
        closes_on: Set(closes_on),
        good_cap: Set(good_cap),
        created_at: Set(app.now()),
        concluded_at: Set(None),
        concluded_on: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for GroupSpec { name, weight, quorum } in &groups {
        group::ActiveModel {
            round_id: Set(row.id),
            name: Set(name.clone()),
            weight: Set(*weight),
            quorum: Set(*quorum),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    for o in &reporters {
        reporter::ActiveModel { round_id: Set(row.id), org_id: Set(o.id), ..Default::default() }.insert(&txn).await?;
    }
    let groups: Vec<_> =
        groups.iter().map(|g| json!({ "name": g.name, "weight": g.weight, "quorum": g.quorum })).collect();
    let entry = Entry::new(AuditAction::ReviewCreated, ObjectKind::Review).object(row.id).within(&host).after(json!({
        "org": organiser.code, "title": title, "held_on": held_on, "closes_on": closes_on, "good_cap": good_cap,
        "groups": groups, "reporters": reporters.iter().map(|o| o.code.clone()).collect::<Vec<_>>(),
    }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(ReviewId(row.id))
}

/// The reporting orgs a form names (each below the organiser and existing on the day), or, when
/// it names none, the organiser's direct subordinates existing on the day; the form's problems
/// apart from the database's.
async fn reporters_of(
    app: &App,
    organiser: &org::Model,
    typed: &str,
    on: NaiveDate,
) -> AppResult<Result<Vec<org::Model>, Invalid>> {
    let exists = |o: &org::Model| o.founded_on <= on && o.dissolved_on.is_none_or(|d| d > on);
    let codes: Vec<&str> =
        typed.split(|c: char| c.is_whitespace() || c == ',' || c == '，').filter(|c| !c.is_empty()).collect();
    let found: Vec<org::Model> = if codes.is_empty() {
        let children = org::Entity::find()
            .filter(org::Column::ParentId.eq(organiser.id))
            .order_by_asc(org::Column::Code)
            .all(&app.db)
            .await?;
        let children: Vec<_> = children.into_iter().filter(exists).collect();
        if children.is_empty() {
            let m = format!("{}在评议日期没有下级组织，请填写述职单位代码", organiser.name);
            return Ok(Err(Invalid::one("reporters", m)));
        }
        children
    } else {
        let mut out: Vec<org::Model> = Vec::new();
        let mut problems = Vec::new();
        for code in codes {
            let o = crate::tree::find_by_code(&app.db, code).await?;
            let below = match &o {
                Some(o) => {
                    o.id != organiser.id
                        && crate::tree::is_below_or_at(&app.db, OrgId(o.id), OrgId(organiser.id)).await?
                }
                None => false,
            };
            match o {
                // Nothing is said of an org that is not below the organiser: it may lie outside the scope.
                Some(o) if below && !exists(&o) => {
                    problems.push(field("reporters", format!("{}（{}）在评议日期不存在", o.name, o.code)));
                }
                Some(o) if below => {
                    if !out.iter().any(|x| x.id == o.id) {
                        out.push(o);
                    }
                }
                _ => problems.push(field("reporters", format!("述职单位“{code}”不存在或不是组织单位的下级组织"))),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(Invalid(problems)));
        }
        out
    };
    if found.len() > MAX_REPORTERS {
        return Ok(Err(Invalid::one("reporters", format!("一次评议的述职单位不超过 {MAX_REPORTERS} 个"))));
    }
    Ok(Ok(found))
}

/// The round and the proof that the actor organises it (write over the organiser; 404 outside).
pub(super) async fn organised(
    app: &App,
    actor: &Actor,
    id: ReviewId,
) -> AppResult<(round::Model, scope::InScope<OrgId>)> {
    let r = round::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Review, id.to_string()), OrgId(r.org_id)).await?;
    Ok((r, proof))
}

/// A round as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReviewRow {
    pub id: ReviewId,
    pub org_name: String,
    pub year: i32,
    pub title: String,
    pub held_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub good_cap: i32,
    pub reporters: usize,
    pub raters: usize,
    pub submitted: usize,
    pub concluded: bool,
}

impl ReviewRow {
    pub fn state(&self) -> &'static str {
        if self.concluded { "已公布结果" } else { "评议中" }
    }
}

/// The review list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ReviewFilter {
    pub year: String,
    /// An org (code or name): the rounds it or an org below it reported in.
    pub org: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The rounds the actor organises or reports in (read over the organiser or a reporter), newest
/// first, paged.
pub async fn reviews(app: &App, actor: &Actor, filter: &ReviewFilter) -> AppResult<Page<ReviewRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let reporting = Query::select()
        .column(reporter::Column::RoundId)
        .from(reporter::Entity)
        .and_where(scope::org_condition(actor, READ, reporter::Column::OrgId))
        .take();
    let mut q = round::Entity::find().filter(
        Condition::any()
            .add(scope::org_condition(actor, READ, round::Column::OrgId))
            .add(round::Column::Id.in_subquery(reporting)),
    );
    if !filter.year.trim().is_empty() {
        let year: i32 = filter.year.trim().parse().map_err(|_| Invalid::one("year", "年度应为四位数字"))?;
        q = q.filter(round::Column::Year.eq(year));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, READ, &filter.org).await?;
        let reported = Query::select()
            .column(reporter::Column::RoundId)
            .from(reporter::Entity)
            .and_where(reporter::Column::OrgId.in_subquery(below))
            .take();
        q = q.filter(round::Column::Id.in_subquery(reported));
    }
    let q = q.order_by_desc(round::Column::HeldOn).order_by_desc(round::Column::Id);
    let mut found = crate::page::fetch(&app.db, q, filter.page).await?;
    let items = review_rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

async fn review_rows(app: &App, rounds: Vec<round::Model>) -> AppResult<Vec<ReviewRow>> {
    let ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let names = crate::tree::names(&app.db, rounds.iter().map(|r| r.org_id).collect()).await?;
    let reporters: Vec<i64> = reporter::Entity::find()
        .select_only()
        .column(reporter::Column::RoundId)
        .filter(reporter::Column::RoundId.is_in(ids.clone()))
        .into_tuple()
        .all(&app.db)
        .await?;
    let raters = rater::Entity::find().filter(rater::Column::RoundId.is_in(ids)).all(&app.db).await?;
    Ok(rounds
        .into_iter()
        .map(|r| ReviewRow {
            id: ReviewId(r.id),
            org_name: names.get(&r.org_id).cloned().unwrap_or_default(),
            year: r.year,
            held_on: r.held_on,
            closes_on: r.closes_on,
            good_cap: r.good_cap,
            reporters: reporters.iter().filter(|x| **x == r.id).count(),
            raters: raters.iter().filter(|x| x.round_id == r.id).count(),
            submitted: raters.iter().filter(|x| x.round_id == r.id && x.submitted_at.is_some()).count(),
            concluded: r.concluded_at.is_some(),
            title: r.title,
        })
        .collect())
}

/// A rater group with how far its vote has come.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupView {
    pub id: RaterGroupId,
    pub name: String,
    pub weight: i32,
    pub quorum: i32,
    pub raters: usize,
    pub submitted: usize,
    pub reached: bool,
}

/// One group's grades for one reporter: how many, how many 好, their mean in points.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tally {
    pub count: usize,
    pub good: usize,
    pub mean: Option<f64>,
}

impl Tally {
    pub fn mean_text(&self) -> String {
        self.mean.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into())
    }
}

/// A reporter's result: its tallies (organisers only), score and grade — the stored ones once the
/// round is concluded, else as the ballots stand (organisers only).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReporterResult {
    pub org_code: String,
    pub org_name: String,
    pub tallies: Vec<Tally>,
    pub score: Option<f64>,
    pub grade: Option<Grade>,
}

impl ReporterResult {
    pub fn score_text(&self) -> String {
        self.score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into())
    }

    pub fn grade_label(&self) -> &'static str {
        self.grade.map_or("—", Grade::label)
    }
}

/// A rater as the organisers see them, with the grades they gave (by reporter, in list order).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RaterView {
    pub id: RaterId,
    pub name: String,
    pub group: String,
    pub submitted: bool,
    pub grades: Vec<&'static str>,
}

/// A round's page.
#[derive(Debug, Clone)]
pub struct ReviewDetail {
    pub review: ReviewRow,
    pub groups: Vec<GroupView>,
    /// Every reporter for the organisers; for a reporter's staff, the reporters in their scope.
    pub results: Vec<ReporterResult>,
    /// Empty unless the viewer organises the round.
    pub raters: Vec<RaterView>,
    /// The viewer organises the round (write over the organiser).
    pub organiser: bool,
    /// Every group has raters and has reached its quorum.
    pub quorate: bool,
    /// The most 好 one rater may give.
    pub good_allowed: usize,
}

/// A round, as the actor may see it: all of it for its organisers; for a reporter's staff the
/// round and, once concluded, their own results (404 for anyone else).
pub async fn review(app: &App, actor: &Actor, id: ReviewId) -> AppResult<ReviewDetail> {
    let r = round::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let organiser = scope::covers(&app.db, actor, WRITE, OrgId(r.org_id)).await?;
    let reader = organiser || scope::covers(&app.db, actor, READ, OrgId(r.org_id)).await?;
    let reporters = reporter::Entity::find()
        .filter(reporter::Column::RoundId.eq(r.id))
        .order_by_asc(reporter::Column::Id)
        .all(&app.db)
        .await?;
    let mut visible = Vec::new();
    for x in &reporters {
        if reader || scope::covers(&app.db, actor, READ, OrgId(x.org_id)).await? {
            visible.push(x.id);
        }
    }
    if visible.is_empty() {
        scope::require(app, actor, READ, (ObjectKind::Review, id.to_string()), OrgId(r.org_id)).await?;
    }
    let (groups, raters, ballots) = votes(&app.db, r.id).await?;
    let group_views: Vec<GroupView> = groups
        .iter()
        .map(|g| {
            let mine = raters.iter().filter(|x| x.group_id == g.id);
            let (count, submitted) = (mine.clone().count(), mine.filter(|x| x.submitted_at.is_some()).count());
            GroupView {
                id: RaterGroupId(g.id),
                name: g.name.clone(),
                weight: g.weight,
                quorum: g.quorum,
                raters: count,
                submitted,
                reached: review::quorum_reached(submitted, count, g.quorum),
            }
        })
        .collect();
    let quorate = short_of_quorum(&groups, &raters).is_ok_and(|short| short.is_empty());
    let names = crate::tree::names(&app.db, reporters.iter().map(|x| x.org_id).collect()).await?;
    let codes: HashMap<i64, String> = org::Entity::find()
        .filter(org::Column::Id.is_in(reporters.iter().map(|x| x.org_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    let concluded = r.concluded_at.is_some();
    let results = reporters
        .iter()
        .filter(|x| visible.contains(&x.id))
        .filter(|_| organiser || concluded)
        .map(|x| {
            let tallies = if organiser { tallies(&groups, &raters, &ballots, x.id) } else { Vec::new() };
            let (score, grade) = if concluded {
                (x.score_tenths.map(|t| f64::from(t) / 10.0), x.grade.as_deref().and_then(|g| Grade::parse(g).ok()))
            } else {
                let s = review::score(&grades_by_group(&groups, &raters, &ballots, x.id));
                (s, s.map(Grade::of_score))
            };
            ReporterResult {
                org_code: codes.get(&x.org_id).cloned().unwrap_or_default(),
                org_name: names.get(&x.org_id).cloned().unwrap_or_default(),
                tallies,
                score,
                grade,
            }
        })
        .collect();
    let rater_views = if organiser {
        let group_name = |gid: i64| groups.iter().find(|g| g.id == gid).map(|g| g.name.clone()).unwrap_or_default();
        raters
            .iter()
            .map(|x| RaterView {
                id: RaterId(x.id),
                name: x.name.clone(),
                group: group_name(x.group_id),
                submitted: x.submitted_at.is_some(),
                grades: reporters
                    .iter()
                    .map(|p| {
                        ballots
                            .iter()
                            .find(|b| b.rater_id == x.id && b.reporter_id == p.id)
                            .and_then(|b| Grade::parse(&b.grade).ok())
                            .map_or("", Grade::label)
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let good_allowed = review::good_allowed(reporters.len(), r.good_cap);
    let review = review_rows(app, vec![r]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(ReviewDetail { review, groups: group_views, results, raters: rater_views, organiser, quorate, good_allowed })
}
