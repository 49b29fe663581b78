//! Statistics: every figure computed from the records by SQL aggregates, for any as-of date, any
//! org subtree and any street, against a baseline date. Nothing is cached or typed in.
//!
//! Conventions: an org exists on day D when `founded_on <= D` and it is not dissolved on or before
//! D; a position is held on D when `start_on <= D` and it has not ended on or before D. Stock
//! indicators count what exists on the as-of date and on the baseline date; "since baseline"
//! indicators count what was founded after the baseline date, up to and including the as-of date,
//! and still exists on it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::indicator::{self, Indicator};
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::region::RegionKind;
use qingtuan_entity::{org, region};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};

use crate::error::AppResult;
use crate::regions::{self, RegionView};
use crate::workforce;
use crate::{Actor, App, AppError, scope};

pub const READ: Permission = Permission::new(Module::Dashboard, Action::Read);

/// What to evaluate: the dates, the org subtree, and optionally the street (a region subtree)
/// the orgs must lie in.
#[derive(Debug, Clone)]
pub struct Params {
    pub as_of: NaiveDate,
    pub baseline: NaiveDate,
    /// Start of the period of flow indicators; `None`: the day after the baseline.
    pub from: Option<NaiveDate>,
    pub scope: OrgId,
    /// A region path prefix such as `/1/3/`: only orgs whose region lies there count.
    pub region_path: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Figure {
    pub indicator: Indicator,
    pub value: i64,
    pub baseline_value: Option<i64>,
    pub delta: Option<i64>,
    pub growth_pct: Option<f64>,
    /// For coverage: how many regions of that level there are in the scope.
    pub of: Option<i64>,
    /// Why the figure cannot be computed for this scope (shown as "—" with the reason); `value`
    /// is then meaningless.
    pub unavailable: Option<String>,
}

impl Figure {
    fn stock(indicator: Indicator, value: i64, baseline: i64) -> Self {
        let growth_pct = (baseline != 0).then(|| ((value - baseline) as f64 * 1000.0 / baseline as f64).round() / 10.0);
        Self {
            indicator,
            value,
            baseline_value: Some(baseline),
            delta: Some(value - baseline),
            growth_pct,
            of: None,
            unavailable: None,
        }
    }

    fn since_baseline(indicator: Indicator, value: i64) -> Self {
        Self { indicator, value, baseline_value: None, delta: None, growth_pct: None, of: None, unavailable: None }
    }

    /// The value as shown: "—" when the figure cannot be computed for the scope.
    pub fn shown(&self) -> String {
        if self.unavailable.is_some() { "—".into() } else { self.value.to_string() }
    }

    /// What is said instead of a comparison, when there is none: why the figure is missing, or
    /// that it counts what is new since the baseline, or that the baseline has nothing to compare.
    pub fn without_comparison(&self) -> &str {
        match (&self.unavailable, self.indicator.measure) {
            (Some(reason), _) => reason,
            (None, indicator::Measure::SinceBaseline) => "基准日后新成立",
            (None, _) => "基准日无可比数据",
        }
    }

    fn unavailable(indicator: Indicator, reason: String) -> Self {
        Self {
            indicator,
            value: 0,
            baseline_value: None,
            delta: None,
            growth_pct: None,
            of: None,
            unavailable: Some(reason),
        }
    }
}

/// A statement with `?` placeholders, numbered `$1…` for PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

fn quoted(codes: impl Iterator<Item = &'static str>) -> String {
    codes.map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
}

fn league_kinds() -> String {
    quoted(OrgKind::ALL.into_iter().filter(|k| k.is_league_org()).map(OrgKind::code))
}

/// `WHERE` fragments every org query shares: in the subtree, in the street, existing on `?`.
struct Where {
    sql: String,
    values: Vec<Value>,
}

impl Where {
    fn orgs(p: &Params, on: NaiveDate) -> Self {
        let mut sql = String::from(
            "o.id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ?) \
             AND o.founded_on <= ? AND (o.dissolved_on IS NULL OR o.dissolved_on > ?)",
        );
        let mut values: Vec<Value> = vec![p.scope.0.into(), on.into(), on.into()];
        if let Some(path) = &p.region_path {
            sql.push_str(" AND o.region_id IN (SELECT id FROM regions WHERE path LIKE ?)");
            values.push(format!("{path}%").into());
        }
        Self { sql, values }
    }

    fn and(mut self, sql: &str, values: Vec<Value>) -> Self {
        self.sql.push_str(" AND ");
        self.sql.push_str(sql);
        self.values.extend(values);
        self
    }
}

fn region_kinds(level: RegionKind) -> String {
    if level.is_community_level() {
        quoted([RegionKind::Community, RegionKind::Village].into_iter().map(RegionKind::code))
    } else {
        quoted(std::iter::once(level.code()))
    }
}

/// `true` in SQL for an org existing on `on`. Dates are typed `NaiveDate`s, formatted by chrono,
/// so writing them as literals is safe — and lets one scan serve both dates.
fn org_exists(on: NaiveDate) -> String {
    format!("(o.founded_on <= '{on}' AND (o.dissolved_on IS NULL OR o.dissolved_on > '{on}'))")
}

fn post_held(on: NaiveDate) -> String {
    format!("({} AND ps.start_on <= '{on}' AND (ps.end_on IS NULL OR ps.end_on > '{on}'))", org_exists(on))
}

/// The scope's `WHERE`: the org subtree (which also steers SQLite to the covering per-org index
/// of positions), and the street if one is asked for.
fn scope_where(p: &Params) -> (String, Vec<Value>) {
    let mut sql = String::from("o.id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ?)");
    let mut values: Vec<Value> = vec![p.scope.0.into()];
    if let Some(path) = &p.region_path {
        sql.push_str(" AND o.region_id IN (SELECT id FROM regions WHERE path LIKE ?)");
        values.push(format!("{path}%").into());
    }
    (sql, values)
}

/// Runs one aggregate query and returns its named integer columns.
async fn aggregates<C: ConnectionTrait>(
    conn: &C,
    columns: &[(&str, String)],
    from: &str,
    p: &Params,
) -> AppResult<HashMap<String, i64>> {
    let (scope_sql, values) = scope_where(p);
    let select: Vec<String> = columns.iter().map(|(name, expr)| format!("{expr} AS {name}")).collect();
    let sql = format!("SELECT {} FROM {from} WHERE {scope_sql}", select.join(", "));
    let backend = conn.get_database_backend();
    let row = conn.query_one_raw(statement(backend, &sql, values)).await?;
    let mut out = HashMap::new();
    if let Some(row) = row {
        for (name, _) in columns {
            let v: Option<i64> = row.try_get("", name)?;
            out.insert((*name).to_owned(), v.unwrap_or(0));
        }
    }
    Ok(out)
}

/// Every org figure on both dates, in one scan of the scope's orgs.
async fn org_figures<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<HashMap<String, i64>> {
    let (d, b) = (p.as_of, p.baseline);
    let league = league_kinds();
    let community = region_kinds(RegionKind::Community);
    let count_if = |cond: String| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
    let regions_if = |cond: String| format!("COUNT(DISTINCT CASE WHEN {cond} THEN o.region_id END)");
    let mut columns = Vec::new();
    for (suffix, on) in [("d", d), ("b", b)] {
        let exists = org_exists(on);
        columns.push((
            format!("social_{suffix}"),
            count_if(format!("{exists} AND s.social_domain = TRUE AND o.kind IN ({league})")),
        ));
        for (name, kind, level) in [
            ("st_ywc", "youth_work_committee", "'street'"),
            ("st_pwc", "pioneer_work_committee", "'street'"),
            ("cm_ywc", "youth_work_committee", community.as_str()),
            ("cm_pwc", "pioneer_work_committee", community.as_str()),
            ("cm_br", "branch", community.as_str()),
        ] {
            columns.push((
                format!("{name}_{suffix}"),
                regions_if(format!("{exists} AND o.kind = '{kind}' AND r.kind IN ({level})")),
            ));
        }
        for basis in ["industry", "area"] {
            columns.push((
                format!("ywc_{basis}_{suffix}"),
                count_if(format!("{exists} AND o.kind = 'youth_work_committee' AND o.basis = '{basis}'")),
            ));
        }
    }
    let new_since = format!("{} AND o.founded_on > '{b}'", org_exists(d));
    columns.push(("new_wc".into(), count_if(format!("{new_since} AND o.kind = 'working_committee'"))));
    columns.push((
        "new_ind_wc".into(),
        count_if(format!("{new_since} AND o.kind = 'working_committee' AND o.basis = 'industry'")),
    ));
    columns
        .push(("new_cm_br".into(), count_if(format!("{new_since} AND o.kind = 'branch' AND r.kind IN ({community})"))));
    let refs: Vec<(&str, String)> = columns.iter().map(|(n, e)| (n.as_str(), e.clone())).collect();
    aggregates(
        conn,
        &refs,
        "orgs o LEFT JOIN sectors s ON s.id = o.sector_id LEFT JOIN regions r ON r.id = o.region_id",
        p,
    )
    .await
}

/// The posts that can make a secretary or a selected cadre figure: the condition of the partial
/// index `ix_positions_cadres` (migration m0009), which the query must repeat to use it.
const CADRE_POSTS: &str = "(ps.title = 'secretary' AND ps.source IN ('two_committees', 'good_rural_youth')) \
    OR (ps.source = 'social_selection' AND ps.serving_level IN ('district', 'street') \
    AND ps.employment IN ('seconded', 'part_time'))";

/// Does `p` ask about everything — the one root of the tree, no street?
async fn whole_tree<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<bool> {
    Ok(p.region_path.is_none() && crate::orgs::is_whole_tree(conn, p.scope).await?)
}

/// The people figures of both dates: each person counts once per figure, however many posts they
/// hold. For the whole tree the work force is counted from its merged periods
/// (`workforce_spans`); for a subtree or a street, its posts are grouped by person in two halves
/// of the people (by the parity of their id, so every person falls in exactly one half and the
/// halves add up) on two of the pool's connections. The secretaries and selected cadres, which
/// only a few posts can be, come from those posts alone, at the same time.
async fn position_figures<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<HashMap<String, i64>> {
    let (d, b) = (p.as_of, p.baseline);
    let (scope_sql, values) = scope_where(p);
    let backend = conn.get_database_backend();
    // Dates are typed and formatted by chrono (see `org_exists`).
    let workforce = |half: i64| {
        format!(
            "SELECT SUM(wf_d) AS wf_d, SUM(wf_b) AS wf_b \
             FROM (SELECT MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS wf_d, MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS wf_b \
             FROM positions ps JOIN orgs o ON o.id = ps.org_id \
             WHERE {scope_sql} AND o.sector_id IN (SELECT id FROM sectors WHERE social_domain = TRUE) \
             AND ps.start_on <= '{}' AND ps.person_id % 2 = {half} GROUP BY ps.person_id) per_person",
            post_held(d),
            post_held(b),
            d.max(b),
        )
    };
    let mut flags = Vec::new();
    for (suffix, on) in [("d", d), ("b", b)] {
        let held = post_held(on);
        for source in ["two_committees", "good_rural_youth"] {
            flags.push((
                format!("sec_{source}_{suffix}"),
                format!("{held} AND ps.title = 'secretary' AND ps.source = '{source}'"),
            ));
        }
        for level in ["district", "street"] {
            flags.push((
                format!("cad_{level}_{suffix}"),
                format!("{held} AND ps.employment IN ('seconded', 'part_time') AND ps.source = 'social_selection' AND ps.serving_level = '{level}'"),
            ));
        }
    }
    let inner: Vec<String> =
        flags.iter().map(|(name, cond)| format!("MAX(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}")).collect();
    let outer: Vec<String> = flags.iter().map(|(name, _)| format!("SUM({name}) AS {name}")).collect();
    // SQLite's planner would rather range over the covering index by start date; the partial
    // index holds only these posts.
    let index = if backend == DbBackend::Sqlite { "INDEXED BY ix_positions_cadres" } else { "" };
    let cadres = format!(
        "SELECT {} FROM (SELECT {} FROM positions ps {index} JOIN orgs o ON o.id = ps.org_id \
         WHERE {scope_sql} AND ps.start_on <= '{}' AND ({CADRE_POSTS}) GROUP BY ps.person_id) per_person",
        outer.join(", "),
        inner.join(", "),
        d.max(b),
    );
    let half = |h: i64| conn.query_one_raw(statement(backend, &workforce(h), values.clone()));
    let work_force = async {
        if whole_tree(conn, p).await? {
            return workforce::count_on(conn, [d, b]).await;
        }
        let (even, odd) = tokio::join!(half(0), half(1));
        let mut sums = [0, 0];
        for row in [even?, odd?].into_iter().flatten() {
            for (sum, name) in sums.iter_mut().zip(["wf_d", "wf_b"]) {
                *sum += row.try_get::<Option<i64>>("", name)?.unwrap_or(0);
            }
        }
        Ok(sums)
    };
    let (work_force, few) = tokio::join!(work_force, conn.query_one_raw(statement(backend, &cadres, values.clone())));
    let [wf_d, wf_b] = work_force?;
    let mut out = HashMap::from([("wf_d".to_owned(), wf_d), ("wf_b".to_owned(), wf_b)]);
    if let Some(row) = few? {
        for (name, _) in &flags {
            out.insert(name.clone(), row.try_get::<Option<i64>>("", name)?.unwrap_or(0));
        }
    }
    Ok(out)
}

/// The region the figures of `p` refer to: the street asked for, or the scope org's region.
async fn scope_region<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Option<region::Model>> {
    if let Some(path) = &p.region_path {
        let id = path.trim_end_matches('/').rsplit('/').next().and_then(|s| s.parse::<i64>().ok());
        return Ok(match id {
            Some(id) => region::Entity::find_by_id(id).one(conn).await?,
            None => None,
        });
    }
    let scope_org = org::Entity::find_by_id(p.scope.0).one(conn).await?;
    Ok(match scope_org.and_then(|o| o.region_id) {
        Some(id) => region::Entity::find_by_id(id).one(conn).await?,
        None => None,
    })
}

/// The region path the scope of `p` covers, if its org has a region.
pub async fn scope_region_path<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Option<String>> {
    Ok(scope_region(conn, p).await?.map(|r| r.path))
}

async fn regions_in<C: ConnectionTrait>(conn: &C, within: Option<&str>, level: RegionKind) -> AppResult<i64> {
    let kinds = if level.is_community_level() { vec![RegionKind::Community, RegionKind::Village] } else { vec![level] };
    Ok(regions::count_of_kinds(conn, &kinds, within).await? as i64)
}

/// Every indicator of the catalogue for `p`.
pub async fn evaluate<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Vec<Figure>> {
    use indicator::*;
    let region = scope_region(conn, p).await?;
    let within = region.as_ref().map(|r| r.path.clone());
    // The region counts and youth populations the figures are relative to.
    let bases = async {
        Ok::<_, AppError>((
            regions_in(conn, within.as_deref(), RegionKind::Street).await?,
            regions_in(conn, within.as_deref(), RegionKind::Community).await?,
            match &region {
                Some(r) => regions::youth_populations(conn, r, [p.as_of, p.baseline]).await?,
                None => [None, None],
            },
        ))
    };
    let (o, ps, flows, bases) =
        tokio::join!(org_figures(conn, p), position_figures(conn, p), flow_figures(conn, p), bases);
    let (o, ps, (streets, communities, [pop_d, pop_b])) = (o?, ps?, bases?);
    let get = |m: &HashMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0);
    let stock = |ind, m: &HashMap<String, i64>, key: &str| {
        Figure::stock(ind, get(m, &format!("{key}_d")), get(m, &format!("{key}_b")))
    };

    let mut out = Vec::with_capacity(CATALOGUE.len());
    out.push(stock(SOCIAL_DOMAIN_ORGS, &o, "social"));
    out.push(Figure::since_baseline(NEW_WORKING_COMMITTEES, get(&o, "new_wc")));
    out.push(Figure::since_baseline(NEW_INDUSTRY_WORKING_COMMITTEES, get(&o, "new_ind_wc")));
    out.push(Figure::since_baseline(NEW_COMMUNITY_BRANCHES, get(&o, "new_cm_br")));
    for (ind, key, level) in [
        (STREETS_WITH_YOUTH_WORK_COMMITTEE, "st_ywc", RegionKind::Street),
        (STREETS_WITH_PIONEER_WORK_COMMITTEE, "st_pwc", RegionKind::Street),
        (COMMUNITIES_WITH_YOUTH_WORK_COMMITTEE, "cm_ywc", RegionKind::Community),
        (COMMUNITIES_WITH_PIONEER_WORK_COMMITTEE, "cm_pwc", RegionKind::Community),
        (COMMUNITIES_WITH_BRANCH, "cm_br", RegionKind::Community),
    ] {
        let mut f = stock(ind, &o, key);
        f.of = Some(if level == RegionKind::Street { streets } else { communities });
        out.push(f);
    }
    out.push(stock(INDUSTRY_YOUTH_WORK_COMMITTEES, &o, "ywc_industry"));
    out.push(stock(AREA_YOUTH_WORK_COMMITTEES, &o, "ywc_area"));

    let (wf_d, wf_b) = (get(&ps, "wf_d"), get(&ps, "wf_b"));
    out.push(Figure::stock(WORKFORCE, wf_d, wf_b));
    let per_10k = |people: i64, population: i64| (people as f64 * 10_000.0 / population as f64).round() as i64;
    out.push(match (&region, pop_d.filter(|d| *d > 0)) {
        (None, _) => Figure::unavailable(WORKFORCE_PER_10K, "该组织未设置所在区域，无法确定青年人口".into()),
        (Some(r), None) => Figure::unavailable(
            WORKFORCE_PER_10K,
            format!("{}及其下级区域在统计日所在年份及以前没有青年人口记录", r.name),
        ),
        (Some(_), Some(d)) => match pop_b.filter(|b| *b > 0) {
            Some(b) => Figure::stock(WORKFORCE_PER_10K, per_10k(wf_d, d), per_10k(wf_b, b)),
            // No population for the baseline's year: the figure stands, without a comparison.
            None => Figure::since_baseline(WORKFORCE_PER_10K, per_10k(wf_d, d)),
        },
    });
    out.push(stock(SECRETARIES_TWO_COMMITTEES, &ps, "sec_two_committees"));
    out.push(stock(SECRETARIES_GOOD_RURAL_YOUTH, &ps, "sec_good_rural_youth"));
    out.push(stock(CADRES_DISTRICT, &ps, "cad_district"));
    out.push(stock(CADRES_STREET, &ps, "cad_street"));
    out.extend(flows?);
    Ok(out)
}

/// The first day of the flow period.
pub fn period_start(p: &Params) -> NaiveDate {
    p.from.unwrap_or_else(|| p.baseline.succ_opt().unwrap_or(p.baseline))
}

/// Volunteer and donation figures over `[from, as_of]`, each compared with the period of the same
/// length just before.
async fn flow_figures<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Vec<Figure>> {
    use indicator::*;
    let from = period_start(p);
    let (prev_from, prev_to) = crate::volunteering::previous_period(from, p.as_of);
    let periods = [(from, p.as_of), (prev_from, prev_to)];
    fn on(column: &'static str) -> impl Fn(NaiveDate, NaiveDate) -> String + Send + Sync {
        move |a, b| format!("{column} >= '{a}' AND {column} <= '{b}'")
    }
    // (name, summed values, the row's date condition for a period, tables, other conditions).
    // One query per table covers both periods. Dates are typed and formatted by chrono.
    type Period = Box<dyn Fn(NaiveDate, NaiveDate) -> String + Send + Sync>;
    let tables: [(&str, &[&str], Period, &str, &str); 7] = [
        (
            "activities",
            &["1", "CASE WHEN s.attended THEN 1 ELSE 0 END"],
            Box::new(on("a.on_date")),
            "activity_signups s JOIN activities a ON a.id = s.activity_id JOIN orgs o ON o.id = a.org_id",
            "s.status <> 'cancelled'",
        ),
        (
            "teams",
            &["1"],
            Box::new(|a, b| format!("t.formed_on <= '{b}' AND (t.disbanded_on IS NULL OR t.disbanded_on > '{a}')")),
            "volunteer_teams t JOIN orgs o ON o.id = t.org_id",
            "1 = 1",
        ),
        (
            "turnouts",
            &["1", "tu.credited_minutes"],
            Box::new(on("sh.on_date")),
            "turnouts tu JOIN shifts sh ON sh.id = tu.shift_id JOIN recruitment_calls c ON c.id = sh.call_id JOIN orgs o ON o.id = c.org_id",
            "1 = 1",
        ),
        (
            "adjusted",
            &["a.minutes"],
            Box::new(on("a.on_date")),
            "hour_adjustments a JOIN orgs o ON o.id = a.org_id",
            "a.status = 'approved'",
        ),
        (
            "served",
            &["sh.people_served"],
            Box::new(on("sh.on_date")),
            "shifts sh JOIN recruitment_calls c ON c.id = sh.call_id JOIN orgs o ON o.id = c.org_id",
            "1 = 1",
        ),
        (
            "served_at_activities",
            &["ac.people_served"],
            Box::new(on("ac.on_date")),
            "activities ac JOIN orgs o ON o.id = ac.org_id",
            "1 = 1",
        ),
        (
            "donations",
            &[
                "CASE WHEN d.kind = 'cash' THEN d.value_fen ELSE 0 END",
                "CASE WHEN d.kind = 'goods' THEN d.value_fen ELSE 0 END",
            ],
            Box::new(on("d.donated_on")),
            "donations d JOIN orgs o ON o.id = d.org_id",
            "1 = 1",
        ),
    ];
    let mut sums = [HashMap::new(), HashMap::new()];
    let backend = conn.get_database_backend();
    for (name, summed, period, from_tables, other) in &tables {
        let mut select = Vec::new();
        for (a, b) in periods {
            for value in summed.iter() {
                // PostgreSQL sums BIGINTs as NUMERIC; every sum is cast back.
                select.push(format!(
                    "CAST(COALESCE(SUM(CASE WHEN {} THEN {value} ELSE 0 END), 0) AS BIGINT)",
                    period(a, b)
                ));
            }
        }
        let (scope_sql, values) = scope_where(p);
        let sql = format!(
            "SELECT {} FROM {from_tables} WHERE {scope_sql} AND {other} AND (({}) OR ({}))",
            select.join(", "),
            period(periods[0].0, periods[0].1),
            period(periods[1].0, periods[1].1),
        );
        let result = conn.query_one_raw(statement(backend, &sql, values)).await?;
        for (j, sum) in sums.iter_mut().enumerate() {
            for i in 0..summed.len() {
                let got = match &result {
                    Some(r) => r.try_get_by_index::<Option<i64>>(j * summed.len() + i)?.unwrap_or(0),
                    None => 0,
                };
                sum.insert(if i == 0 { (*name).to_owned() } else { format!("{name}_{}", i + 1) }, got);
            }
        }
    }
    let v = |k: &str, i: usize| sums[i].get(k).copied().unwrap_or(0);
    let yuan = |fen: i64| (fen as f64 / 100.0).round() as i64;
    let hours = |minutes: i64| (minutes as f64 / 60.0).round() as i64;
    Ok(vec![
        Figure::stock(VOLUNTEER_TEAMS, v("teams", 0), v("teams", 1)),
        Figure::stock(VOLUNTEER_TURNOUTS, v("turnouts", 0), v("turnouts", 1)),
        Figure::stock(
            VOLUNTEER_HOURS,
            hours(v("turnouts_2", 0) + v("adjusted", 0)),
            hours(v("turnouts_2", 1) + v("adjusted", 1)),
        ),
        Figure::stock(
            PEOPLE_SERVED,
            v("served", 0) + v("served_at_activities", 0),
            v("served", 1) + v("served_at_activities", 1),
        ),
        Figure::stock(
            DONATIONS,
            yuan(v("donations", 0) + v("donations_2", 0)),
            yuan(v("donations", 1) + v("donations_2", 1)),
        ),
        Figure::stock(DONATIONS_CASH, yuan(v("donations", 0)), yuan(v("donations", 1))),
        Figure::stock(DONATIONS_GOODS, yuan(v("donations_2", 0)), yuan(v("donations_2", 1))),
        Figure::stock(ACTIVITY_SIGNUPS, v("activities", 0), v("activities", 1)),
        Figure::stock(ACTIVITY_ATTENDANCE, v("activities_2", 0), v("activities_2", 1)),
    ])
}

/// Activity sign-ups and attendance of the period for one category or audience.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Breakdown {
    pub code: &'static str,
    pub label: &'static str,
    pub signups: i64,
    pub attended: i64,
}

/// A project indicator's latest value as of the date and as of the baseline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectFigure {
    pub project: String,
    pub brand: bool,
    pub indicator: String,
    pub unit: String,
    pub value: Option<f64>,
    pub baseline_value: Option<f64>,
}

impl ProjectFigure {
    /// The value as of the date (or the baseline) with its unit, or a dash when none was recorded by then.
    pub fn shown(&self, as_of: bool) -> String {
        let value = if as_of { self.value } else { self.baseline_value };
        value.map(|v| format!("{} {}", crate::activities::number(v), self.unit)).unwrap_or_else(|| "—".into())
    }
}

/// What the report shows beside the catalogue's figures: activities by category and by audience
/// over the period, and the projects' own indicators.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Details {
    pub by_category: Vec<Breakdown>,
    pub by_audience: Vec<Breakdown>,
    pub projects: Vec<ProjectFigure>,
}

pub async fn details<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Details> {
    use qingtuan_domain::activity::{Audience, Category};
    let from = period_start(p);
    let (scope_sql, values) = scope_where(p);
    let backend = conn.get_database_backend();
    let mut grouped: [HashMap<String, (i64, i64)>; 2] = Default::default();
    for (i, column) in ["category", "audience"].into_iter().enumerate() {
        // Dates are typed and formatted by chrono (see `org_exists`).
        let sql = format!(
            "SELECT a.{column}, COUNT(*), CAST(COALESCE(SUM(CASE WHEN s.attended THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM activity_signups s JOIN activities a ON a.id = s.activity_id JOIN orgs o ON o.id = a.org_id \
             WHERE {scope_sql} AND s.status <> 'cancelled' AND a.on_date >= '{from}' AND a.on_date <= '{}' \
             GROUP BY a.{column}",
            p.as_of
        );
        for row in conn.query_all_raw(statement(backend, &sql, values.clone())).await? {
            let code: String = row.try_get_by_index(0)?;
            grouped[i].insert(code, (row.try_get_by_index(1)?, row.try_get_by_index(2)?));
        }
    }
    let row = |m: &HashMap<String, (i64, i64)>, code: &'static str, label: &'static str| {
        let (signups, attended) = m.get(code).copied().unwrap_or((0, 0));
        Breakdown { code, label, signups, attended }
    };
    let by_category = Category::ALL.iter().map(|c| row(&grouped[0], c.code(), c.label())).collect();
    let by_audience = Audience::ALL.iter().map(|a| row(&grouped[1], a.code(), a.label())).collect();

    let sql = format!(
        "SELECT pr.name, pr.brand, i.name, i.unit, \
           (SELECT v.value FROM indicator_values v WHERE v.indicator_id = i.id AND v.on_date <= '{}' ORDER BY v.on_date DESC, v.id DESC LIMIT 1), \
           (SELECT v.value FROM indicator_values v WHERE v.indicator_id = i.id AND v.on_date <= '{}' ORDER BY v.on_date DESC, v.id DESC LIMIT 1) \
         FROM project_indicators i JOIN projects pr ON pr.id = i.project_id JOIN orgs o ON o.id = pr.org_id \
         WHERE {scope_sql} AND pr.starts_on <= '{}' ORDER BY pr.brand DESC, pr.id, i.id",
        p.as_of, p.baseline, p.as_of
    );
    let mut projects = Vec::new();
    for r in conn.query_all_raw(statement(backend, &sql, values)).await? {
        projects.push(ProjectFigure {
            project: r.try_get_by_index(0)?,
            brand: r.try_get_by_index(1)?,
            indicator: r.try_get_by_index(2)?,
            unit: r.try_get_by_index(3)?,
            value: r.try_get_by_index(4)?,
            baseline_value: r.try_get_by_index(5)?,
        });
    }
    Ok(Details { by_category, by_audience, projects })
}

/// The actor's default scope for reports: their first grant's org with dashboard access.
pub async fn default_scope(app: &App, actor: &Actor) -> AppResult<OrgId> {
    if let Some(roots) = actor.scope_roots(READ) {
        return roots.into_iter().next().ok_or(AppError::Forbidden);
    }
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let root =
        org::Entity::find().filter(org::Column::ParentId.is_null()).order_by_asc(org::Column::Id).one(&app.db).await?;
    root.map(|o| OrgId(o.id)).ok_or(AppError::NotFound)
}

/// The catalogue's figures with the details beside them.
#[derive(Debug, Clone)]
pub struct Report {
    pub figures: Vec<Figure>,
    pub details: Details,
}

/// A report the actor may see: checks the scope, then evaluates — once per data version for
/// everyone who asks for the same scope and dates (see `memo`).
pub async fn report(app: &App, actor: &Actor, p: &Params) -> AppResult<Arc<Report>> {
    scope::require(app, actor, READ, (qingtuan_domain::audit::ObjectKind::Org, p.scope.to_string()), p.scope).await?;
    evaluate_report(app, p).await
}

async fn evaluate_report(app: &App, p: &Params) -> AppResult<Arc<Report>> {
    app.memo
        .get(
            app,
            format!("report|{p:?}"),
            Box::pin(async {
                let (figures, details) = tokio::join!(evaluate(&app.db, p), details(&app.db, p));
                Ok(Report { figures: figures?, details: details? })
            }),
        )
        .await
}

/// Everything the dashboard shows for one scope, street and dates.
#[derive(Debug)]
pub struct Dashboard {
    pub report: Arc<Report>,
    /// Each street of the scope's region: social-domain orgs as of the date and the baseline.
    pub by_street: Vec<(RegionView, i64, i64)>,
    /// Per sector: name, social domain, orgs.
    pub by_sector: Vec<(String, bool, i64)>,
    pub series: Vec<(NaiveDate, i64)>,
    /// The streets to choose from.
    pub streets: Vec<RegionView>,
    pub no_youth_committee: Vec<RegionView>,
    pub no_pioneer_committee: Vec<RegionView>,
}

/// The dashboard the actor may see: checks the scope once, then computes every part at once on
/// the pool's connections — once per data version for everyone asking for the same.
pub async fn dashboard(app: &App, actor: &Actor, p: &Params) -> AppResult<Arc<Dashboard>> {
    scope::require(app, actor, READ, (qingtuan_domain::audit::ObjectKind::Org, p.scope.to_string()), p.scope).await?;
    let whole = Params { region_path: None, ..p.clone() };
    app.memo
        .get(app, format!("dashboard|{p:?}"), Box::pin(async {
            let (report, by_street, by_sector, series, within, no_youth_committee, no_pioneer_committee) = tokio::try_join!(
                evaluate_report(app, p),
                social_domain_by_street(app, &whole),
                by_sector(app, p),
                social_domain_series(app, p),
                scope_region_path(&app.db, &whole),
                uncovered(app, p, RegionKind::Community, OrgKind::YouthWorkCommittee),
                uncovered(app, p, RegionKind::Community, OrgKind::PioneerWorkCommittee),
            )?;
            let streets = regions::of_kinds(&app.db, &[RegionKind::Street], within.as_deref()).await?;
            Ok(Dashboard { report, by_street, by_sector, series, streets, no_youth_committee, no_pioneer_committee })
        }))
        .await
}

/// The social-domain org count of each street in the scope, as of the date and the baseline, from
/// one scan of the scope's orgs grouped by region (a region belongs to the street its path starts
/// with).
async fn social_domain_by_street(app: &App, p: &Params) -> AppResult<Vec<(RegionView, i64, i64)>> {
    let within = scope_region(&app.db, p).await?.map(|r| r.path);
    let streets = regions::of_kinds(&app.db, &[RegionKind::Street], within.as_deref()).await?;
    let (scope_sql, values) = scope_where(p);
    let sql = format!(
        "SELECT r.path, SUM(CASE WHEN {} THEN 1 ELSE 0 END), SUM(CASE WHEN {} THEN 1 ELSE 0 END) \
         FROM orgs o JOIN sectors s ON s.id = o.sector_id JOIN regions r ON r.id = o.region_id \
         WHERE {scope_sql} AND s.social_domain = TRUE AND o.kind IN ({}) GROUP BY r.path",
        org_exists(p.as_of),
        org_exists(p.baseline),
        league_kinds(),
    );
    let backend = app.db.get_database_backend();
    let mut by_path: Vec<(String, i64, i64)> = Vec::new();
    for row in app.db.query_all_raw(statement(backend, &sql, values)).await? {
        by_path.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?, row.try_get_by_index(2)?));
    }
    Ok(streets
        .into_iter()
        .map(|street| {
            let inside = by_path.iter().filter(|(path, _, _)| path.starts_with(&street.path));
            let (d, b) = inside.fold((0, 0), |(d, b), (_, x, y)| (d + x, b + y));
            (street, d, b)
        })
        .collect())
}

/// The work list: regions of `level` in the scope without an existing org of `kind` on the as-of date.
async fn uncovered(app: &App, p: &Params, level: RegionKind, kind: OrgKind) -> AppResult<Vec<RegionView>> {
    let within = scope_region(&app.db, p).await?.map(|r| r.path);
    let kinds = if level.is_community_level() { vec![RegionKind::Community, RegionKind::Village] } else { vec![level] };
    let all = regions::of_kinds(&app.db, &kinds, within.as_deref()).await?;
    let w = Where::orgs(p, p.as_of).and("o.kind = ? AND o.region_id IS NOT NULL", vec![kind.code().into()]);
    let sql = format!("SELECT DISTINCT o.region_id AS n FROM orgs o WHERE {}", w.sql);
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all_raw(statement(backend, &sql, w.values)).await?;
    let covered: std::collections::HashSet<i64> = rows.iter().filter_map(|r| r.try_get::<i64>("", "n").ok()).collect();
    Ok(all.into_iter().filter(|r| !covered.contains(&r.id)).collect())
}

/// The social-domain org count at the end of each month from the baseline to the as-of date (at
/// most 24 points; quarterly beyond that), for the chart over time.
async fn social_domain_series(app: &App, p: &Params) -> AppResult<Vec<(NaiveDate, i64)>> {
    use chrono::{Datelike, Months};
    let months = (p.as_of.year() - p.baseline.year()) * 12 + p.as_of.month() as i32 - p.baseline.month() as i32;
    let step = if months > 24 { 3 } else { 1 };
    let mut points = vec![p.baseline];
    let mut cursor = p.baseline;
    while let Some(next) = cursor.checked_add_months(Months::new(step)) {
        let end_of_month = next
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(next);
        if end_of_month >= p.as_of {
            break;
        }
        points.push(end_of_month);
        cursor = next;
    }
    points.push(p.as_of);
    // One scan of the scope's orgs counts every point.
    let columns: Vec<(String, String)> = points
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let counted = format!("{} AND s.social_domain = TRUE AND o.kind IN ({})", org_exists(*day), league_kinds());
            (format!("p{i}"), format!("SUM(CASE WHEN {counted} THEN 1 ELSE 0 END)"))
        })
        .collect();
    let refs: Vec<(&str, String)> = columns.iter().map(|(n, e)| (n.as_str(), e.clone())).collect();
    let counts = aggregates(&app.db, &refs, "orgs o JOIN sectors s ON s.id = o.sector_id", p).await?;
    Ok(points.into_iter().zip(&columns).map(|(day, (name, _))| (day, counts.get(name).copied().unwrap_or(0))).collect())
}

/// The dates the dashboard shows when none are asked for: the stored reform baseline (and as-of
/// date, for a frozen data set such as the demo), else today and a year before.
pub async fn default_dates(app: &App) -> AppResult<(NaiveDate, NaiveDate)> {
    use qingtuan_entity::app_setting;
    let get = |key: &'static str| async move {
        Ok::<_, AppError>(
            app_setting::Entity::find_by_id(key.to_owned())
                .one(&app.db)
                .await?
                .and_then(|s| NaiveDate::parse_from_str(&s.value, "%Y-%m-%d").ok()),
        )
    };
    let as_of = get(AS_OF_SETTING).await?.unwrap_or_else(|| qingtuan_domain::time::local_date(app.now()));
    let baseline = get(BASELINE_SETTING)
        .await?
        .unwrap_or_else(|| as_of.checked_sub_months(chrono::Months::new(12)).unwrap_or(as_of));
    Ok((as_of, baseline))
}

pub const AS_OF_SETTING: &str = "report.as_of";
pub const BASELINE_SETTING: &str = "report.baseline";

/// Stores the default report dates (the system actor only: the demo and the CLI).
pub async fn set_default_dates(
    app: &App,
    actor: &Actor,
    as_of: Option<NaiveDate>,
    baseline: NaiveDate,
) -> AppResult<()> {
    use qingtuan_entity::app_setting;
    use sea_orm::{ActiveModelTrait, Set};
    if !actor.is_system() {
        return Err(AppError::Forbidden);
    }
    let mut pairs = vec![(BASELINE_SETTING, baseline)];
    pairs.extend(as_of.map(|d| (AS_OF_SETTING, d)));
    for (key, value) in pairs {
        app_setting::Entity::delete_by_id(key.to_owned()).exec(app.writer()).await?;
        app_setting::ActiveModel { key: Set(key.to_owned()), value: Set(value.to_string()) }
            .insert(app.writer())
            .await?;
    }
    Ok(())
}

/// League organisations existing on the as-of date, per sector (social-domain sectors first).
async fn by_sector(app: &App, p: &Params) -> AppResult<Vec<(String, bool, i64)>> {
    let w = Where::orgs(p, p.as_of).and(&format!("o.kind IN ({})", league_kinds()), vec![]);
    let sql = format!(
        "SELECT s.name AS name, s.social_domain AS social, COUNT(*) AS n FROM orgs o JOIN sectors s ON s.id = o.sector_id \
         WHERE {} GROUP BY s.name, s.social_domain ORDER BY s.social_domain DESC, n DESC",
        w.sql
    );
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all_raw(statement(backend, &sql, w.values)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<String>("", "name")?, r.try_get::<bool>("", "social")?, r.try_get::<i64>("", "n")?));
    }
    Ok(out)
}
