//! Targets the engine measures: a responsibility letter's quantitative target names an indicator
//! of the catalogue, and its progress is that indicator counted for the signer's subtree over the
//! target's period — the same engine, the same definitions as every other figure, never a typed
//! value. The catalogue's `TargetCompletion` averages the letters of a scope.
//!
//! A target of an indicator counting what exists (a stock) is measured on its date; one counting
//! what is new is measured from the period's start; one summing work (a flow) sums the period.
//! The date measured is the as-of date, or the due date when that is earlier.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::accountability::{reached, weighted};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::indicator::{Indicator, Rule};
use qingtuan_entity::{letter_target, org, region};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::sql::{Scope, statement};
use super::{Figure, Params, engine};
use crate::error::AppResult;
use crate::registry::orgs;
use crate::{App, AppError};

/// A target as the engine measures it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The org that signed the letter: its subtree is counted.
    pub org: OrgId,
    /// A quantitative target names an indicator (its key); a qualitative one none.
    pub quantitative: bool,
    /// The indicator named, if it is still in the catalogue.
    pub indicator: Option<Indicator>,
    /// The value to reach (quantitative targets).
    pub value: i64,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub weight: i32,
    /// The upper org's score out of 100 (qualitative targets), once judged.
    pub score: Option<i32>,
}

/// How far a target is reached on a date.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Progress {
    /// The value counted (quantitative targets whose figure could be computed).
    pub actual: Option<i64>,
    /// The date it was counted on.
    pub measured_on: Option<NaiveDate>,
    /// From 0 to 1.
    pub completion: f64,
    /// What stands instead of a value: not judged yet, not started, or why the figure is missing.
    pub note: Option<String>,
}

impl Progress {
    fn none(note: impl Into<String>) -> Self {
        Self { actual: None, measured_on: None, completion: 0.0, note: Some(note.into()) }
    }
}

/// An org's subtree over a period: the targets measured on it share one evaluation.
type Group = (OrgId, NaiveDate, NaiveDate);

/// Groups measured at once: each holds a read connection while it runs.
const CONCURRENT_GROUPS: usize = 4;

/// The progress of each target on `as_of`, in order. Targets of one org and period share one
/// evaluation of their indicators.
pub(crate) async fn progress(app: &App, targets: &[Target], as_of: NaiveDate) -> AppResult<Vec<Progress>> {
    // The indicators each org and period needs, evaluated together.
    let mut groups: HashMap<Group, Vec<&'static str>> = HashMap::new();
    for t in targets {
        let on = t.due_on.min(as_of);
        if let Some(i) = t.indicator.filter(|_| t.quantitative && on >= t.starts_on) {
            let keys = groups.entry((t.org, t.starts_on, on)).or_default();
            if !keys.contains(&i.key) {
                keys.push(i.key);
            }
        }
    }
    let evaluated = measure(app, groups).await?;
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        if t.quantitative && t.indicator.is_none() {
            out.push(Progress::none("指标已不在目录中"));
            continue;
        }
        let Some(indicator) = t.indicator else {
            out.push(match t.score {
                Some(score) => {
                    Progress { completion: f64::from(score) / 100.0, ..Progress::none(format!("评定 {score} 分")) }
                }
                None => Progress::none("待上级评定"),
            });
            continue;
        };
        let on = t.due_on.min(as_of);
        if on < t.starts_on {
            out.push(Progress::none("目标期间尚未开始"));
            continue;
        }
        let figures = evaluated.get(&(t.org, t.starts_on, on));
        let figure = figures.and_then(|f| f.iter().find(|f| f.indicator.key == indicator.key));
        out.push(match figure {
            Some(f) if f.unavailable.is_none() => Progress {
                actual: Some(f.value),
                measured_on: Some(on),
                completion: reached(f.value, t.value),
                note: None,
            },
            Some(f) => Progress::none(f.without_comparison().to_owned()),
            None => Progress::none("未能计算"),
        });
    }
    Ok(out)
}

/// Can a target name this indicator? Every one but the completion of targets itself.
pub fn measurable(indicator: &Indicator) -> bool {
    !matches!(indicator.rule, Rule::TargetCompletion)
}

/// Each group's indicators for the org's subtree on its date, over the period from its start (and
/// new since the day before it) — a few groups at a time, the orgs read in one query. Only the
/// engine's rules: a target never measures target completion. Not memoised group by group: a
/// district's letters would crowd the memo's other keys out; the report that averages them is
/// memoised whole.
async fn measure(app: &App, groups: HashMap<Group, Vec<&'static str>>) -> AppResult<HashMap<Group, Vec<Figure>>> {
    // The groups' orgs and their regions, read at once; the scope of each is made from them.
    let mut ids: Vec<i64> = groups.keys().map(|(org, _, _)| org.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let orgs: HashMap<i64, org::Model> = org::Entity::find()
        .filter(org::Column::Id.is_in(ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let region_ids: Vec<i64> = orgs.values().filter_map(|o| o.region_id).collect();
    let regions: HashMap<i64, region::Model> = region::Entity::find()
        .filter(region::Column::Id.is_in(region_ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let one_root = crate::tree::one_root(&app.db).await?;
    let backend = app.db.get_database_backend();
    let mut evaluated = HashMap::with_capacity(groups.len());
    let mut running = tokio::task::JoinSet::new();
    for ((id, starts_on, on), keys) in groups {
        let org = orgs.get(&id.0).ok_or(AppError::NotFound)?;
        let p = Params {
            as_of: on,
            baseline: starts_on.pred_opt().unwrap_or(starts_on),
            from: Some(starts_on),
            scope: id,
            region_path: None,
            scope_org: orgs::view(org, 0),
        };
        let region = org.region_id.and_then(|r| regions.get(&r)).cloned();
        let scope = Scope::new(&p, one_root && org.parent_id.is_none(), region, backend);
        let app = app.clone();
        running.spawn(async move {
            let figures = engine::evaluate(&app.db, &p, &scope, &engine::Needed::only(&keys)).await?;
            Ok::<_, AppError>(((id, starts_on, on), figures))
        });
        if running.len() >= CONCURRENT_GROUPS {
            collect_one(&mut running, &mut evaluated).await?;
        }
    }
    while !running.is_empty() {
        collect_one(&mut running, &mut evaluated).await?;
    }
    Ok(evaluated)
}

type Measured = AppResult<(Group, Vec<Figure>)>;

async fn collect_one(
    running: &mut tokio::task::JoinSet<Measured>,
    into: &mut HashMap<Group, Vec<Figure>>,
) -> AppResult<()> {
    if let Some(done) = running.join_next().await {
        let (group, figures) = done.map_err(|e| AppError::Internal(format!("measuring targets: {e}")))??;
        into.insert(group, figures);
    }
    Ok(())
}

/// The catalogue's `TargetCompletion` for a report: the average completion of the letters signed
/// in the period by orgs of the scope, compared with the period before.
pub(super) async fn completion(app: &App, p: &Params, scope: &Scope, indicator: Indicator) -> AppResult<Figure> {
    let from = p.period_start();
    let (prev_from, prev_to) = qingtuan_domain::time::previous_period(from, p.as_of);
    let letters = letters_signed(&app.db, scope, prev_from, p.as_of).await?;
    let mut averages = [None, None];
    for (slot, (a, b)) in averages.iter_mut().zip([(from, p.as_of), (prev_from, prev_to)]) {
        let signed: Vec<i64> = letters.iter().filter(|(_, on)| (a..=b).contains(on)).map(|(id, _)| *id).collect();
        *slot = average(app, &signed, b).await?;
    }
    Ok(match averages {
        [None, _] => Figure::unavailable(indicator, "统计期内没有签订责任状".into()),
        [Some(now), Some(before)] => Figure::compared(indicator, now, before),
        [Some(now), None] => Figure::alone(indicator, now),
    })
}

/// The letters (id, signed date) signed from `from` to `to` by orgs of the scope.
async fn letters_signed<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(i64, NaiveDate)>> {
    let sql = format!(
        "SELECT l.id, l.signed_on FROM responsibility_letters l JOIN orgs o ON o.id = l.org_id \
         WHERE {} AND l.signed_on >= '{from}' AND l.signed_on <= '{to}'",
        scope.sql
    );
    let rows = conn.query_all_raw(statement(conn.get_database_backend(), &sql, scope.values.clone())).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get("", "id")?, r.try_get("", "signed_on")?));
    }
    Ok(out)
}

/// The average completion in whole per cent of these letters on `on`; `None` without letters.
async fn average(app: &App, letters: &[i64], on: NaiveDate) -> AppResult<Option<i64>> {
    if letters.is_empty() {
        return Ok(None);
    }
    let completions = completions(app, letters, on).await?;
    let sum: f64 = letters.iter().filter_map(|id| completions.get(id)).sum();
    Ok(Some((sum * 100.0 / letters.len() as f64).round() as i64))
}

/// Each of these letters' completion on `on`, from 0 to 1 (0 for a letter without targets): their
/// targets read in one query and measured together, so the letters of one org and period share
/// one evaluation. What `average` takes, and a figure's records show.
pub(super) async fn completions(app: &App, letters: &[i64], on: NaiveDate) -> AppResult<HashMap<i64, f64>> {
    let signers: HashMap<i64, OrgId> = qingtuan_entity::responsibility_letter::Entity::find()
        .filter(qingtuan_entity::responsibility_letter::Column::Id.is_in(letters.iter().copied()))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|l| (l.id, OrgId(l.org_id)))
        .collect();
    let rows = letter_target::Entity::find()
        .filter(letter_target::Column::LetterId.is_in(letters.iter().copied()))
        .all(&app.db)
        .await?;
    let targets: Vec<(i64, Target)> =
        rows.iter().filter_map(|t| signers.get(&t.letter_id).map(|org| (t.letter_id, target_of(t, *org)))).collect();
    let all: Vec<Target> = targets.iter().map(|(_, t)| t.clone()).collect();
    let reached = progress(app, &all, on).await?;
    let mut weighed: HashMap<i64, Vec<(i32, f64)>> = letters.iter().map(|id| (*id, Vec::new())).collect();
    for ((letter, t), r) in targets.iter().zip(&reached) {
        weighed.entry(*letter).or_default().push((t.weight, r.completion));
    }
    Ok(weighed.into_iter().map(|(id, parts)| (id, weighted(parts).unwrap_or(0.0))).collect())
}

/// A letter's completion on `on` (0 for a letter without targets) and its targets' progress.
pub(crate) async fn letter_completion(app: &App, targets: &[Target], on: NaiveDate) -> AppResult<(f64, Vec<Progress>)> {
    let reached = progress(app, targets, on).await?;
    let completion = weighted(targets.iter().zip(&reached).map(|(t, r)| (t.weight, r.completion))).unwrap_or(0.0);
    Ok((completion, reached))
}

/// A stored target as the engine measures it.
pub(crate) fn target_of(t: &letter_target::Model, org: OrgId) -> Target {
    Target {
        org,
        quantitative: t.indicator_key.is_some(),
        indicator: t.indicator_key.as_deref().and_then(qingtuan_domain::indicator::find),
        value: t.target_value.unwrap_or(0),
        starts_on: t.starts_on,
        due_on: t.due_on,
        weight: t.weight,
        score: t.judged_score,
    }
}
