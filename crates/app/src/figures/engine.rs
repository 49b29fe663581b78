//! The indicator engine: walks the catalogue (`domain::indicator::CATALOGUE`) and evaluates each
//! entry's rule, so the catalogue's order is the report's order and every entry is evaluated.
//!
//! The rules are gathered into as few scans as possible: one scan of the scope's orgs counts every
//! org rule on both dates; one scan of the few posts the partial index `ix_positions_cadres`
//! (m0009) holds counts every people rule, beside the work force (merged periods for the whole
//! tree, the scope's posts by person otherwise); one query per flow source sums every flow of it
//! over both periods.
//!
//! Conventions: an org exists on day D when `founded_on <= D` and it is not dissolved on or before
//! D; a post is held on D when `start_on <= D` and it has not ended on or before D. Stock figures
//! count on the as-of date and on the baseline date; "since baseline" figures count what was
//! founded after the baseline date, up to and including the as-of date, and still exists on it;
//! flow figures sum the period from `from` to the as-of date and the period of the same length
//! just before it.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::cabin::VisitKind;
use qingtuan_domain::consultation::CaseCategory;
use qingtuan_domain::indicator::{CATALOGUE, Flow, Indicator, OrgMatch, PostMatch, Records, Rule};
use qingtuan_domain::loan::LoanStage;
use qingtuan_domain::permission::Module;
use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};
use qingtuan_domain::region::RegionKind;
use qingtuan_domain::review::Grade;
use qingtuan_entity::region;
use sea_orm::{ConnectionTrait, DbBackend};

use super::sql::{
    Scope, days_between, for_period, league_kinds, one_row, org_exists, post_held, quoted, region_kinds, statement,
};
use super::{Figure, Params};
use crate::error::AppResult;
use crate::registry::regions;
use crate::registry::workforce;

/// A raw count on the as-of date (or in the period) and on the baseline date (or in the period
/// before), per catalogue entry.
type Counts = HashMap<usize, [i64; 2]>;
/// A share rule's (part, whole) over the period and over the one before it.
type Shares = HashMap<usize, [(i64, i64); 2]>;

/// The catalogue entries an evaluation counts: those asked for, and those they are computed from.
pub(super) struct Needed(Vec<bool>);

impl Needed {
    pub fn all() -> Self {
        Self(vec![true; CATALOGUE.len()])
    }

    /// These entries (by key) and what they are computed from.
    pub fn only(keys: &[&str]) -> Self {
        let wanted = |i: &Indicator| keys.contains(&i.key);
        Self(
            CATALOGUE
                .iter()
                .map(|i| {
                    wanted(i)
                        || CATALOGUE
                            .iter()
                            .any(|j| wanted(j) && matches!(j.rule, Rule::PerTenThousandYouth(of) if of.key == i.key))
                })
                .collect(),
        )
    }

    fn entries(&self) -> impl Iterator<Item = (usize, &'static Indicator)> + '_ {
        CATALOGUE.iter().enumerate().filter(|(i, _)| self.0[*i])
    }
}

/// The needed indicators of the catalogue for `p`, in catalogue order.
pub(super) async fn evaluate<C: ConnectionTrait>(
    conn: &C,
    p: &Params,
    scope: &Scope,
    needed: &Needed,
) -> AppResult<Vec<Figure>> {
    let region = scope.region.as_ref();
    let (orgs, people, flows, records, bases) = tokio::join!(
        org_counts(conn, scope, p, needed),
        people_counts(conn, scope, p, needed),
        flow_counts(conn, scope, p, needed),
        record_counts(conn, scope, p, needed),
        Bases::of(conn, region, p, needed),
    );
    let (flows, shares) = flows?;
    let mut counts = orgs?;
    counts.extend(people?);
    counts.extend(flows);
    counts.extend(records?);
    let bases = bases?;
    let count = |i: usize| counts.get(&i).copied().unwrap_or([0, 0]);
    Ok(needed
        .entries()
        .map(|(i, ind)| match ind.rule {
            Rule::Orgs(_) | Rule::People(_) | Rule::WorkForce | Rule::Sum(..) | Rule::Existing(_) => {
                let [d, b] = count(i);
                Figure::compared(*ind, d, b)
            }
            Rule::NewOrgs(_) => Figure::alone(*ind, count(i)[0]),
            Rule::RegionsCovered(level, _) => {
                let [d, b] = count(i);
                Figure { of: Some(bases.regions(level)), ..Figure::compared(*ind, d, b) }
            }
            Rule::PerTenThousandYouth(of) => {
                per_ten_thousand(*ind, count(position(of)), region, bases.youth.unwrap_or([None, None]))
            }
            Rule::Share(..) => share(*ind, shares.get(&i).copied().unwrap_or_default()),
            // Measured by the other rules: `targets::completion` fills it in.
            Rule::TargetCompletion => Figure::unavailable(*ind, "未计算".into()),
        })
        .collect())
}

/// A share in whole per cent, compared with the period before when that had any; unavailable
/// when the period has nothing to share.
fn share(ind: Indicator, [(part, whole), (prev_part, prev_whole)]: [(i64, i64); 2]) -> Figure {
    let percent = |part: i64, whole: i64| (part as f64 * 100.0 / whole as f64).round() as i64;
    match (whole, prev_whole) {
        (0, _) => Figure::unavailable(ind, "统计期内没有可计算的记录".into()),
        (_, 0) => Figure::alone(ind, percent(part, whole)),
        _ => Figure::compared(ind, percent(part, whole), percent(prev_part, prev_whole)),
    }
}

/// The catalogue position of an indicator another refers to.
fn position(of: &Indicator) -> usize {
    CATALOGUE.iter().position(|i| i.key == of.key).unwrap_or(usize::MAX)
}

fn per_ten_thousand(
    ind: Indicator,
    [people_d, people_b]: [i64; 2],
    region: Option<&region::Model>,
    [youth_d, youth_b]: [Option<i64>; 2],
) -> Figure {
    let per_10k = |people: i64, youth: i64| (people as f64 * 10_000.0 / youth as f64).round() as i64;
    match (region, youth_d.filter(|y| *y > 0)) {
        (None, _) => Figure::unavailable(ind, "该组织未设置所在区域，无法确定青年人口".into()),
        (Some(r), None) => {
            Figure::unavailable(ind, format!("{}及其下级区域在统计日所在年份及以前没有青年人口记录", r.name))
        }
        (Some(_), Some(d)) => match youth_b.filter(|b| *b > 0) {
            Some(b) => Figure::compared(ind, per_10k(people_d, d), per_10k(people_b, b)),
            // No population for the baseline's year: the figure stands, without a comparison.
            None => Figure::alone(ind, per_10k(people_d, d)),
        },
    }
}

/// What figures are relative to: the streets and communities in the scope's region, and its
/// youth population on both dates — each asked for only when a rule needs it.
struct Bases {
    streets: Option<i64>,
    communities: Option<i64>,
    youth: Option<[Option<i64>; 2]>,
}

impl Bases {
    async fn of<C: ConnectionTrait>(
        conn: &C,
        region: Option<&region::Model>,
        p: &Params,
        needed: &Needed,
    ) -> AppResult<Self> {
        let within = region.map(|r| r.path.as_str());
        let mut bases = Self { streets: None, communities: None, youth: None };
        for (_, ind) in needed.entries() {
            match ind.rule {
                Rule::RegionsCovered(level, _) if bases.regions_mut(level).is_none() => {
                    let n = regions::count_of_kinds(conn, &region_kinds(level), within).await? as i64;
                    *bases.regions_mut(level) = Some(n);
                }
                Rule::PerTenThousandYouth(_) if bases.youth.is_none() => {
                    bases.youth = Some(match region {
                        Some(r) => regions::youth_populations(conn, r, [p.as_of, p.baseline]).await?,
                        None => [None, None],
                    });
                }
                _ => {}
            }
        }
        Ok(bases)
    }

    fn regions(&self, level: RegionKind) -> i64 {
        let n = if level.is_community_level() { self.communities } else { self.streets };
        n.unwrap_or(0)
    }

    fn regions_mut(&mut self, level: RegionKind) -> &mut Option<i64> {
        if level.is_community_level() { &mut self.communities } else { &mut self.streets }
    }
}

/// An org rule's condition on `o` (and its sector `s` and region `r`), besides existing.
pub(super) fn org_condition(m: &OrgMatch) -> String {
    let mut parts = vec![match m.kind {
        None => format!("o.kind IN ({})", league_kinds()),
        Some(kind) => format!("o.kind = '{}'", kind.code()),
    }];
    if m.social_domain {
        parts.push("s.social_domain = TRUE".into());
    }
    if let Some(basis) = m.basis {
        parts.push(format!("o.basis = '{}'", basis.code()));
    }
    if let Some(level) = m.located {
        parts.push(format!("r.kind IN ({})", quoted(region_kinds(level).into_iter().map(RegionKind::code))));
    }
    parts.join(" AND ")
}

/// Every org rule on both dates, in one scan of the scope's orgs.
async fn org_counts<C: ConnectionTrait>(conn: &C, scope: &Scope, p: &Params, needed: &Needed) -> AppResult<Counts> {
    let (d, b) = (p.as_of, p.baseline);
    let count_if = |cond: String| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
    let mut columns: Vec<(usize, [String; 2])> = Vec::new();
    for (i, ind) in needed.entries() {
        let on_both = |expr: &dyn Fn(NaiveDate) -> String| [expr(d), expr(b)];
        match &ind.rule {
            Rule::Orgs(m) => {
                let cond = org_condition(m);
                columns.push((i, on_both(&|on| count_if(format!("{} AND {cond}", org_exists(on))))));
            }
            Rule::NewOrgs(m) => {
                let new = format!("{} AND o.founded_on > '{b}' AND {}", org_exists(d), org_condition(m));
                columns.push((i, [count_if(new), "CAST(0 AS BIGINT)".into()]));
            }
            Rule::RegionsCovered(level, m) => {
                let cond = org_condition(&m.located(*level));
                columns.push((
                    i,
                    on_both(&|on| {
                        format!("COUNT(DISTINCT CASE WHEN {} AND {cond} THEN o.region_id END)", org_exists(on))
                    }),
                ));
            }
            _ => {}
        }
    }
    if columns.is_empty() {
        return Ok(Counts::new());
    }
    let select: Vec<String> =
        columns.iter().flat_map(|(i, [d, b])| [format!("{d} AS c{i}_d"), format!("{b} AS c{i}_b")]).collect();
    let sql = format!(
        "SELECT {} FROM orgs o LEFT JOIN sectors s ON s.id = o.sector_id LEFT JOIN regions r ON r.id = o.region_id \
         WHERE {}",
        select.join(", "),
        scope.sql
    );
    counts_of(conn, &sql, scope, columns.iter().map(|(i, _)| *i)).await
}

/// Runs a query whose columns `c{i}_d` and `c{i}_b` are the counts of catalogue entry `i`.
async fn counts_of<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    scope: &Scope,
    entries: impl Iterator<Item = usize>,
) -> AppResult<Counts> {
    let row = one_row(conn, vec![(sql.to_owned(), scope.values.clone())]).await?;
    named_counts(row.as_ref(), entries)
}

/// The counts of catalogue entries `i` in a row's columns `c{i}_d` and `c{i}_b`.
fn named_counts(row: Option<&sea_orm::QueryResult>, entries: impl Iterator<Item = usize>) -> AppResult<Counts> {
    let mut out = Counts::new();
    for i in entries {
        let get = |suffix: &str| -> AppResult<i64> {
            Ok(match row {
                Some(r) => r.try_get::<Option<i64>>("", &format!("c{i}_{suffix}"))?.unwrap_or(0),
                None => 0,
            })
        };
        out.insert(i, [get("d")?, get("b")?]);
    }
    Ok(out)
}

/// The posts the partial index `ix_positions_cadres` (m0009, widened by m0027) holds, as its condition reads — the
/// query must repeat it word for word for SQLite to use the index — and as post matches.
pub(super) const CADRE_POSTS: &str = "(ps.title = 'secretary' AND ps.source IN ('two_committees', 'good_rural_youth')) \
    OR (ps.source = 'social_selection' AND ps.serving_level IN ('district', 'street') \
    AND ps.employment IN ('seconded', 'part_time')) \
    OR (ps.source = 'purchased_service' AND ps.employment = 'social_worker')";
pub(super) const CADRE_INDEX: [PostMatch; 3] = [
    PostMatch::ANY.titles(&[Title::Secretary]).sources(&[CadreSource::TwoCommittees, CadreSource::GoodRuralYouth]),
    PostMatch::ANY
        .sources(&[CadreSource::SocialSelection])
        .serving_levels(&[ServingLevel::District, ServingLevel::Street])
        .employments(&[Employment::Seconded, Employment::PartTime]),
    PostMatch::ANY.sources(&[CadreSource::PurchasedService]).employments(&[Employment::SocialWorker]),
];

/// A people rule's condition on the post `ps`, besides being held.
pub(super) fn post_condition(m: &PostMatch) -> String {
    fn any_of<T: Copy>(column: &str, values: &[T], code: fn(T) -> &'static str) -> Option<String> {
        (!values.is_empty()).then(|| format!("{column} IN ({})", quoted(values.iter().map(|v| code(*v)))))
    }
    let parts: Vec<String> = [
        any_of("ps.title", m.titles, Title::code),
        any_of("ps.source", m.sources, CadreSource::code),
        any_of("ps.employment", m.employments, Employment::code),
        any_of("ps.serving_level", m.serving_levels, ServingLevel::code),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { "1 = 1".into() } else { parts.join(" AND ") }
}

/// The people rules on both dates: each person counts once per rule, however many posts they hold.
/// The work force of the whole tree is counted from its merged periods (`workforce_spans`); of a
/// subtree or a street, its posts are grouped by person in two halves of the people (by the parity
/// of their id, so every person falls in exactly one half and the halves add up) on two of the
/// pool's connections. The other rules, which only a few posts can meet, come from those posts
/// alone, at the same time.
async fn people_counts<C: ConnectionTrait>(conn: &C, scope: &Scope, p: &Params, needed: &Needed) -> AppResult<Counts> {
    let backend = conn.get_database_backend();
    let work_force: Vec<usize> =
        needed.entries().filter(|(_, ind)| ind.rule == Rule::WorkForce).map(|(i, _)| i).collect();
    let rules: Vec<(usize, &PostMatch)> = needed
        .entries()
        .filter_map(|(i, ind)| match &ind.rule {
            Rule::People(m) => Some((i, m)),
            _ => None,
        })
        .collect();
    let work_force_counts = async {
        if work_force.is_empty() {
            return AppResult::Ok(None);
        }
        Ok(Some(work_force_on(conn, scope, [p.as_of, p.baseline]).await?))
    };
    let few = async {
        if rules.is_empty() {
            return AppResult::Ok(Counts::new());
        }
        let (d, b) = (p.as_of, p.baseline);
        let mut flags = Vec::new();
        for (i, m) in &rules {
            let cond = post_condition(m);
            for (suffix, on) in [("d", d), ("b", b)] {
                flags.push((format!("c{i}_{suffix}"), format!("{} AND {cond}", post_held(on))));
            }
        }
        let inner: Vec<String> =
            flags.iter().map(|(name, cond)| format!("MAX(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}")).collect();
        let outer: Vec<String> = flags.iter().map(|(name, _)| format!("SUM({name}) AS {name}")).collect();
        // When every rule lies within the partial index, the query reads only its posts; SQLite's
        // planner would rather range over the covering index by start date, so it is named.
        let indexed = rules.iter().all(|(_, m)| CADRE_INDEX.iter().any(|wide| m.within(wide)));
        let (index, posts) = if indexed {
            (if backend == DbBackend::Sqlite { "INDEXED BY ix_positions_cadres" } else { "" }, CADRE_POSTS.to_owned())
        } else {
            let any: Vec<String> = rules.iter().map(|(_, m)| format!("({})", post_condition(m))).collect();
            ("", any.join(" OR "))
        };
        let sql = format!(
            "SELECT {} FROM (SELECT {} FROM positions ps {index} JOIN orgs o ON o.id = ps.org_id \
             WHERE {} AND ps.start_on <= '{}' AND ({posts}) GROUP BY ps.person_id) per_person",
            outer.join(", "),
            inner.join(", "),
            scope.sql,
            d.max(b),
        );
        counts_of(conn, &sql, scope, rules.iter().map(|(i, _)| *i)).await
    };
    let (work_force_counts, few) = tokio::join!(work_force_counts, few);
    let mut out: Counts = few?;
    if let Some(counts) = work_force_counts? {
        out.extend(work_force.iter().map(|i| (*i, counts)));
    }
    Ok(out)
}

/// The work force on two dates (see `people_counts`).
async fn work_force_on<C: ConnectionTrait>(conn: &C, scope: &Scope, [d, b]: [NaiveDate; 2]) -> AppResult<[i64; 2]> {
    if scope.whole_tree {
        return workforce::count_on(conn, [d, b]).await;
    }
    let backend = conn.get_database_backend();
    let half = |half: i64| {
        let sql = format!(
            "SELECT SUM(wf_d) AS wf_d, SUM(wf_b) AS wf_b \
             FROM (SELECT MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS wf_d, MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS wf_b \
             FROM positions ps JOIN orgs o ON o.id = ps.org_id \
             WHERE {} AND o.sector_id IN (SELECT id FROM sectors WHERE social_domain = TRUE) \
             AND ps.start_on <= '{}' AND ps.person_id % 2 = {half} GROUP BY ps.person_id) per_person",
            post_held(d),
            post_held(b),
            scope.sql,
            d.max(b),
        );
        conn.query_one_raw(statement(backend, &sql, scope.values.clone()))
    };
    let (even, odd) = tokio::join!(half(0), half(1));
    let mut sums = [0, 0];
    for row in [even?, odd?].into_iter().flatten() {
        for (sum, name) in sums.iter_mut().zip(["wf_d", "wf_b"]) {
            *sum += row.try_get::<Option<i64>>("", name)?.unwrap_or(0);
        }
    }
    Ok(sums)
}

/// The records a flow is summed over: the tables (joined to their org `o`), which rows count, and
/// which of them fall in a period.
pub(super) struct Source {
    pub tables: &'static str,
    pub condition: &'static str,
    pub dated: Dated,
    /// How one of its records is listed when the figure is opened.
    pub listed: Listed,
    /// The module whose read permission lists its records.
    pub module: Module,
}

/// How a record is listed when a figure is opened (`drill`): its id, what it is (a column of
/// text, or of codes shown by their labels), and who it is about (a person's name, which the list
/// masks unless the viewer may read people).
#[derive(Clone, Copy)]
pub(super) struct Listed {
    pub id: &'static str,
    pub what: &'static str,
    pub labels: Option<Labels>,
    pub who: Option<&'static str>,
}

/// The stored codes of a coded column with their labels.
pub(super) type Labels = fn() -> Vec<(&'static str, &'static str)>;

const fn listed(id: &'static str, what: &'static str) -> Listed {
    Listed { id, what, labels: None, who: None }
}

const fn listed_with(id: &'static str, what: &'static str, who: &'static str) -> Listed {
    Listed { id, what, labels: None, who: Some(who) }
}

const fn coded(id: &'static str, what: &'static str, labels: Labels) -> Listed {
    Listed { id, what, labels: Some(labels), who: None }
}

pub(super) enum Dated {
    /// Dated by one column: in the period when the date is.
    On(&'static str),
    /// Lasting from a start column to an end column (exclusive, none while it lasts): in the period
    /// when it lasted at some time in it.
    Lasting(&'static str, &'static str),
}

impl Dated {
    /// The column a record is dated by: its start, when it lasts.
    pub fn column(&self) -> &'static str {
        match self {
            Self::On(column) | Self::Lasting(column, _) => column,
        }
    }

    pub fn within(&self, from: NaiveDate, to: NaiveDate) -> String {
        match self {
            Self::On(column) => format!("{column} >= '{from}' AND {column} <= '{to}'"),
            Self::Lasting(start, end) => format!("{start} <= '{to}' AND ({end} IS NULL OR {end} > '{from}')"),
        }
    }
}

const SIGNUPS: Source = Source {
    tables: "activity_signups s JOIN activities a ON a.id = s.activity_id JOIN orgs o ON o.id = a.org_id",
    condition: "s.status <> 'cancelled'",
    dated: Dated::On("a.on_date"),
    listed: listed_with("s.id", "a.title", "s.name"),
    module: Module::Activities,
};
const ACTIVITIES: Source = Source {
    tables: "activities ac JOIN orgs o ON o.id = ac.org_id",
    condition: "1 = 1",
    dated: Dated::On("ac.on_date"),
    listed: listed("ac.id", "ac.title"),
    module: Module::Activities,
};
const TEAMS: Source = Source {
    tables: "volunteer_teams t JOIN orgs o ON o.id = t.org_id",
    condition: "1 = 1",
    dated: Dated::Lasting("t.formed_on", "t.disbanded_on"),
    listed: listed("t.id", "t.name"),
    module: Module::Volunteering,
};
const TURNOUTS: Source = Source {
    tables: "turnouts tu JOIN shifts sh ON sh.id = tu.shift_id JOIN recruitment_calls c ON c.id = sh.call_id \
             JOIN orgs o ON o.id = c.org_id",
    condition: "1 = 1",
    dated: Dated::On("sh.on_date"),
    listed: listed_with("tu.id", "c.title", "(SELECT pe.name FROM people pe WHERE pe.id = tu.person_id)"),
    module: Module::Volunteering,
};
const ADJUSTMENTS: Source = Source {
    tables: "hour_adjustments a JOIN orgs o ON o.id = a.org_id",
    condition: "a.status = 'approved'",
    dated: Dated::On("a.on_date"),
    listed: listed_with(
        "a.id",
        "a.reason",
        "(SELECT pe.name FROM turnouts t2 JOIN people pe ON pe.id = t2.person_id WHERE t2.id = a.turnout_id)",
    ),
    module: Module::Volunteering,
};
const SHIFTS: Source = Source {
    tables: "shifts sh JOIN recruitment_calls c ON c.id = sh.call_id JOIN orgs o ON o.id = c.org_id",
    condition: "1 = 1",
    dated: Dated::On("sh.on_date"),
    listed: listed("sh.id", "c.title"),
    module: Module::Volunteering,
};
const LEDGER: Source = Source {
    tables: "contributions cn JOIN orgs o ON o.id = cn.org_id",
    condition: "1 = 1",
    dated: Dated::On("cn.on_date"),
    listed: listed_with(
        "cn.id",
        "cn.purpose || COALESCE(CASE WHEN cn.donor_kind <> 'person' THEN '（' || cn.donor_name || '）' END, '')",
        "CASE WHEN cn.donor_kind = 'person' THEN cn.donor_name END",
    ),
    module: Module::Platforms,
};

const LETTERS: Source = Source {
    tables: "responsibility_letters l JOIN orgs o ON o.id = l.org_id",
    condition: "1 = 1",
    dated: Dated::On("l.signed_on"),
    listed: listed("l.id", "l.title"),
    module: Module::Accountability,
};

const INSPECTIONS: Source = Source {
    tables: "inspections i JOIN orgs o ON o.id = i.org_id",
    condition: "1 = 1",
    dated: Dated::On("i.held_on"),
    listed: listed("i.id", "i.title"),
    module: Module::Accountability,
};
const REVIEW_ROUNDS: Source = Source {
    tables: "review_rounds rr JOIN orgs o ON o.id = rr.org_id",
    condition: "1 = 1",
    dated: Dated::On("rr.held_on"),
    listed: listed("rr.id", "rr.title"),
    module: Module::Accountability,
};
const REVIEWED: Source = Source {
    tables: "review_reporters rp JOIN review_rounds rr ON rr.id = rp.round_id JOIN orgs o ON o.id = rp.org_id",
    condition: "rr.concluded_on IS NOT NULL AND rp.grade IS NOT NULL",
    dated: Dated::On("rr.concluded_on"),
    listed: listed("rp.id", "rr.title"),
    module: Module::Accountability,
};
const OPENINGS: Source = Source {
    tables: "openings op JOIN orgs o ON o.id = op.org_id",
    condition: "1 = 1",
    dated: Dated::On("op.opens_on"),
    listed: listed("op.id", "op.title"),
    module: Module::Selection,
};
const APPLICATIONS: Source = Source {
    tables: "applications ap JOIN openings op ON op.id = ap.opening_id JOIN orgs o ON o.id = op.org_id",
    condition: "1 = 1",
    dated: Dated::On("op.closes_on"),
    listed: listed_with("ap.id", "op.title", "ap.name"),
    module: Module::Selection,
};
const APPOINTMENTS: Source = Source {
    tables: "applications ap JOIN openings op ON op.id = ap.opening_id JOIN orgs o ON o.id = op.org_id",
    condition: "ap.state = 'appointed' AND op.appointed_on IS NOT NULL",
    dated: Dated::On("op.appointed_on"),
    listed: listed_with("ap.id", "op.title", "ap.name"),
    module: Module::Selection,
};
const CONTRACTS: Source = Source {
    tables: "service_contracts sc JOIN orgs o ON o.id = sc.org_id",
    condition: "1 = 1",
    dated: Dated::On("sc.starts_on"),
    listed: listed("sc.id", "sc.title"),
    module: Module::Selection,
};
const BOOKINGS: Source = Source {
    tables: "venue_bookings vb JOIN venue_spaces vs ON vs.id = vb.space_id JOIN venues ve ON ve.id = vs.venue_id \
             JOIN orgs o ON o.id = ve.org_id",
    condition: "1 = 1",
    dated: Dated::On("vb.on_date"),
    listed: listed_with("vb.id", "ve.name || ' ' || vs.name", "vb.name"),
    module: Module::Platforms,
};
const LOANS_APPLIED: Source = Source {
    tables: "loan_applications la JOIN orgs o ON o.id = la.org_id",
    condition: "1 = 1",
    dated: Dated::On("la.applied_on"),
    listed: listed_with("la.id", "la.business_name", "la.name"),
    module: Module::Loans,
};
const LOANS_RECOMMENDED: Source = Source {
    tables: "loan_applications la JOIN orgs o ON o.id = la.org_id",
    condition: "la.recommended_on IS NOT NULL",
    dated: Dated::On("la.recommended_on"),
    listed: listed_with("la.id", "la.business_name", "la.name"),
    module: Module::Loans,
};
const LOANS_APPROVED: Source = Source {
    tables: "loan_applications la JOIN orgs o ON o.id = la.org_id",
    condition: "la.approved_on IS NOT NULL",
    dated: Dated::On("la.approved_on"),
    listed: listed_with("la.id", "la.business_name", "la.name"),
    module: Module::Loans,
};
const LOANS_DISBURSED: Source = Source {
    tables: "loan_applications la JOIN orgs o ON o.id = la.org_id",
    condition: "la.disbursed_on IS NOT NULL",
    dated: Dated::On("la.disbursed_on"),
    listed: listed_with("la.id", "la.business_name", "la.name"),
    module: Module::Loans,
};
const CASES_OPENED: Source = Source {
    tables: "consultation_cases cc JOIN orgs o ON o.id = cc.org_id",
    condition: "1 = 1",
    dated: Dated::On("cc.opened_on"),
    listed: coded("cc.id", "cc.category", case_category),
    module: Module::Consultations,
};
const CASES_CLOSED: Source = Source {
    tables: "consultation_cases cc JOIN orgs o ON o.id = cc.org_id",
    condition: "cc.closed_on IS NOT NULL",
    dated: Dated::On("cc.closed_on"),
    listed: coded("cc.id", "cc.category", case_category),
    module: Module::Consultations,
};
const STAYS_IN: Source = Source {
    tables: "station_stays st JOIN youth_stations ys ON ys.id = st.station_id JOIN orgs o ON o.id = ys.org_id",
    condition: "st.checked_in_on IS NOT NULL",
    dated: Dated::On("st.checked_in_on"),
    listed: listed_with("st.id", "ys.name", "st.name"),
    module: Module::Stations,
};
const STAYS_OUT: Source = Source {
    tables: "station_stays st JOIN youth_stations ys ON ys.id = st.station_id JOIN orgs o ON o.id = ys.org_id",
    condition: "st.checked_out_on IS NOT NULL",
    dated: Dated::On("st.checked_out_on"),
    listed: listed_with("st.id", "ys.name", "st.name"),
    module: Module::Stations,
};
const STAYS_WITHIN: Source = Source {
    tables: "station_stays st JOIN youth_stations ys ON ys.id = st.station_id JOIN orgs o ON o.id = ys.org_id",
    condition: "st.checked_in_on IS NOT NULL",
    dated: Dated::Lasting("st.checked_in_on", "st.checked_out_on"),
    listed: listed_with("st.id", "ys.name", "st.name"),
    module: Module::Stations,
};
const STATIONS_OPEN: Source = Source {
    tables: "youth_stations ys JOIN orgs o ON o.id = ys.org_id",
    condition: "1 = 1",
    dated: Dated::Lasting("ys.opened_on", "ys.closed_on"),
    listed: listed("ys.id", "ys.name"),
    module: Module::Stations,
};
const CABINS: &str = "hope_cabins hc JOIN orgs o ON o.id = hc.org_id";
const CABIN_VISITS: Source = Source {
    tables: "cabin_visits cv JOIN hope_cabins hc ON hc.id = cv.cabin_id JOIN orgs o ON o.id = hc.org_id",
    condition: "1 = 1",
    dated: Dated::On("cv.on_date"),
    listed: coded("cv.id", "cv.kind", visit_kind),
    module: Module::Cabins,
};
const CLOSED_RECTIFICATIONS: Source = Source {
    tables: "rectifications rc JOIN orgs o ON o.id = rc.org_id",
    condition: "rc.closed_on IS NOT NULL",
    dated: Dated::On("rc.closed_on"),
    listed: listed("rc.id", "rc.finding"),
    module: Module::Accountability,
};

fn case_category() -> Vec<(&'static str, &'static str)> {
    CaseCategory::ALL.iter().map(|c| (c.code(), c.label())).collect()
}

fn visit_kind() -> Vec<(&'static str, &'static str)> {
    VisitKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

/// The module whose records a flow counts (the database only shapes the values).
pub(super) fn module_of(flow: Flow) -> Module {
    source(flow, DbBackend::Sqlite).0.module
}

/// Where a flow is recorded, and the value each of its records adds — for a value that depends on
/// the period, with `{from}` and `{next}` to fill in (`sql::for_period`).
pub(super) fn source(flow: Flow, backend: DbBackend) -> (&'static Source, String) {
    match flow {
        Flow::ActivitySignups => (&SIGNUPS, "1".into()),
        Flow::ActivityAttendance => (&SIGNUPS, "CASE WHEN s.attended THEN 1 ELSE 0 END".into()),
        Flow::PeopleServedAtActivities => (&ACTIVITIES, "ac.people_served".into()),
        Flow::TeamsActive => (&TEAMS, "1".into()),
        Flow::Turnouts => (&TURNOUTS, "1".into()),
        Flow::CreditedMinutes => (&TURNOUTS, "tu.credited_minutes".into()),
        Flow::AdjustedMinutes => (&ADJUSTMENTS, "a.minutes".into()),
        Flow::PeopleServedAtShifts => (&SHIFTS, "sh.people_served".into()),
        Flow::Bookings(state) => (&BOOKINGS, format!("CASE WHEN vb.state = '{}' THEN 1 ELSE 0 END", state.code())),
        Flow::Contributed(funding, kind) => {
            let kind = kind.map(|k| format!(" AND cn.kind = '{}'", k.code())).unwrap_or_default();
            (&LEDGER, format!("CASE WHEN cn.funding = '{}'{kind} THEN cn.value_fen ELSE 0 END", funding.code()))
        }
        Flow::LettersSigned => (&LETTERS, "1".into()),
        Flow::Inspections => (&INSPECTIONS, "1".into()),
        Flow::RectificationsClosed => (&CLOSED_RECTIFICATIONS, "1".into()),
        Flow::ReviewRounds => (&REVIEW_ROUNDS, "1".into()),
        Flow::Openings => (&OPENINGS, "1".into()),
        Flow::Applications => (&APPLICATIONS, "1".into()),
        Flow::Appointments(level, employment) => {
            let level = level.map(|l| format!(" AND op.serving_level = '{}'", l.code())).unwrap_or_default();
            let employment = employment.map(|e| format!(" AND op.employment = '{}'", e.code())).unwrap_or_default();
            (&APPOINTMENTS, format!("CASE WHEN 1 = 1{level}{employment} THEN 1 ELSE 0 END"))
        }
        Flow::ContractAmounts => (&CONTRACTS, "sc.amount_fen".into()),
        Flow::Loans(LoanStage::Applied) => (&LOANS_APPLIED, "1".into()),
        Flow::Loans(LoanStage::Recommended) => (&LOANS_RECOMMENDED, "1".into()),
        Flow::Loans(LoanStage::Approved) => (&LOANS_APPROVED, "1".into()),
        Flow::Loans(LoanStage::Disbursed) => (&LOANS_DISBURSED, "1".into()),
        Flow::LoanAmounts => (&LOANS_DISBURSED, "COALESCE(la.disbursed_amount_fen, 0)".into()),
        Flow::LoanJobs => (&LOANS_DISBURSED, "la.jobs_created".into()),
        Flow::Cases(None) => (&CASES_OPENED, "1".into()),
        Flow::Cases(Some(c)) => (&CASES_OPENED, format!("CASE WHEN cc.category = '{}' THEN 1 ELSE 0 END", c.code())),
        Flow::ContributedFor(purpose) => (
            &LEDGER,
            format!(
                "CASE WHEN cn.funding = '{}' AND cn.purpose_kind = '{}' THEN cn.value_fen ELSE 0 END",
                qingtuan_domain::platform::Funding::Social.code(),
                purpose.code()
            ),
        ),
        Flow::CabinVisits(None) => (&CABIN_VISITS, "1".into()),
        Flow::CabinVisits(Some(k)) => (&CABIN_VISITS, format!("CASE WHEN cv.kind = '{}' THEN 1 ELSE 0 END", k.code())),
        Flow::StayCheckIns => (&STAYS_IN, "1".into()),
        Flow::StaysOut => (&STAYS_OUT, "1".into()),
        Flow::StayNights => (&STAYS_OUT, "st.nights".into()),
        Flow::StayNightsWithin => {
            let start = "CASE WHEN st.checked_in_on > {from} THEN st.checked_in_on ELSE {from} END";
            let end = "CASE WHEN st.checked_out_on IS NOT NULL AND st.checked_out_on < {next} THEN st.checked_out_on \
                       ELSE {next} END";
            (&STAYS_WITHIN, days_between(backend, start, end))
        }
        Flow::StationBedNights => {
            let start = "CASE WHEN ys.opened_on > {from} THEN ys.opened_on ELSE {from} END";
            let end = "CASE WHEN ys.closed_on IS NOT NULL AND ys.closed_on < {next} THEN ys.closed_on ELSE {next} END";
            (&STATIONS_OPEN, format!("ys.beds * {}", days_between(backend, start, end)))
        }
        Flow::StayServices(s) => (&STAYS_OUT, format!("CASE WHEN st.services LIKE '%{}%' THEN 1 ELSE 0 END", s.code())),
        Flow::StaysEmployedLocal => (&STAYS_OUT, "CASE WHEN st.employed_local THEN 1 ELSE 0 END".into()),
        Flow::CasesClosed(o) => (&CASES_CLOSED, format!("CASE WHEN cc.outcome = '{}' THEN 1 ELSE 0 END", o.code())),
        Flow::ReviewedReporters => (&REVIEWED, "1".into()),
        Flow::ReviewedGood => (&REVIEWED, format!("CASE WHEN rp.grade = '{}' THEN 1 ELSE 0 END", Grade::Good.code())),
    }
}

/// The flow rules over the period and the one of the same length before it: one query per
/// source sums all its flows over both periods.
async fn flow_counts<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    p: &Params,
    needed: &Needed,
) -> AppResult<(Counts, Shares)> {
    let from = p.period_start();
    let (prev_from, prev_to) = qingtuan_domain::time::previous_period(from, p.as_of);
    let periods = [(from, p.as_of), (prev_from, prev_to)];
    let mut by_source: Vec<(&'static Source, Vec<(Flow, String)>)> = Vec::new();
    for (_, ind) in needed.entries() {
        let flows = match ind.rule {
            Rule::Sum(flows, _) => flows.to_vec(),
            Rule::Share(part, whole) => vec![part, whole],
            _ => continue,
        };
        for flow in &flows {
            let (src, value) = source(*flow, conn.get_database_backend());
            match by_source.iter_mut().find(|(s, _)| std::ptr::eq(*s, src)) {
                Some((_, summed)) if summed.iter().any(|(f, _)| f == flow) => {}
                Some((_, summed)) => summed.push((*flow, value)),
                None => by_source.push((src, vec![(*flow, value)])),
            }
        }
    }
    // One subquery per source, all asked at once; a source's sums, period by period, follow
    // those of the sources before it.
    let mut parts = Vec::with_capacity(by_source.len());
    for (src, summed) in &by_source {
        let mut select = Vec::new();
        for (a, b) in periods {
            for (_, value) in summed {
                // PostgreSQL sums BIGINTs as NUMERIC; every sum is cast back.
                select.push(format!(
                    "CAST(COALESCE(SUM(CASE WHEN {} THEN {} ELSE 0 END), 0) AS BIGINT)",
                    src.dated.within(a, b),
                    for_period(value, a, b)
                ));
            }
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE {} AND {} AND (({}) OR ({}))",
            select.join(", "),
            src.tables,
            scope.sql,
            src.condition,
            src.dated.within(periods[0].0, periods[0].1),
            src.dated.within(periods[1].0, periods[1].1),
        );
        parts.push((sql, scope.values.clone()));
    }
    let row = one_row(conn, parts).await?;
    let mut sums: HashMap<Flow, [i64; 2]> = HashMap::new();
    let mut offset = 0;
    for (_, summed) in &by_source {
        for (k, (flow, _)) in summed.iter().enumerate() {
            let mut pair = [0, 0];
            for (j, slot) in pair.iter_mut().enumerate() {
                if let Some(r) = &row {
                    *slot = r.try_get_by_index::<Option<i64>>(offset + j * summed.len() + k)?.unwrap_or(0);
                }
            }
            sums.insert(*flow, pair);
        }
        offset += 2 * summed.len();
    }
    let mut out = Counts::new();
    for (i, ind) in needed.entries() {
        let Rule::Sum(flows, scale) = ind.rule else { continue };
        let total = |j: usize| flows.iter().map(|f| sums.get(f).map_or(0, |s| s[j])).sum::<i64>();
        out.insert(i, [scale.apply(total(0)), scale.apply(total(1))]);
    }
    let mut shares = Shares::new();
    for (i, ind) in needed.entries() {
        let Rule::Share(part, whole) = ind.rule else { continue };
        let of = |f: Flow, j: usize| sums.get(&f).map_or(0, |s| s[j]);
        shares.insert(i, [(of(part, 0), of(whole, 0)), (of(part, 1), of(whole, 1))]);
    }
    Ok((out, shares))
}

/// Where records that exist on a date are kept (joined to their org `o`), when one exists, and
/// what the figure takes of those that do.
pub(super) struct Kept {
    pub tables: &'static str,
    pub exists: Box<dyn Fn(NaiveDate) -> String>,
    pub tally: Tally,
    /// How one is listed, and the column it is dated by (its start).
    pub listed: Listed,
    pub since: &'static str,
    /// The module whose read permission lists them.
    pub module: Module,
}

pub(super) enum Tally {
    /// One per record.
    Rows,
    /// A value each record has on the date (none: 0), summed.
    Sum(fn(NaiveDate) -> String),
    /// Different values of a column.
    Distinct(&'static str),
}

impl Kept {
    fn new(
        (tables, module): (&'static str, Module),
        (listed, since): (Listed, &'static str),
        exists: impl Fn(NaiveDate) -> String + 'static,
    ) -> Self {
        Self { tables, exists: Box::new(exists), tally: Tally::Rows, listed, since, module }
    }

    fn tally(self, tally: Tally) -> Self {
        Self { tally, ..self }
    }

    /// The aggregate over the records existing on `on`.
    fn column(&self, on: NaiveDate) -> String {
        let cond = (self.exists)(on);
        match &self.tally {
            Tally::Rows => format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"),
            Tally::Sum(value) => format!("SUM(CASE WHEN {cond} THEN COALESCE(({}), 0) ELSE 0 END)", value(on)),
            Tally::Distinct(column) => format!("COUNT(DISTINCT CASE WHEN {cond} THEN {column} END)"),
        }
    }
}

pub(super) fn records(r: Records) -> Kept {
    fn open(on: NaiveDate) -> String {
        format!("(rc.raised_on <= '{on}' AND (rc.closed_on IS NULL OR rc.closed_on > '{on}'))")
    }
    fn community(on: NaiveDate) -> String {
        format!("(cm.created_on <= '{on}' AND (cm.closed_on IS NULL OR cm.closed_on > '{on}'))")
    }
    const RECTIFICATIONS: (&str, Module) =
        ("rectifications rc JOIN orgs o ON o.id = rc.org_id", Module::Accountability);
    const COMMUNITIES: (&str, Module) = ("communities cm JOIN orgs o ON o.id = cm.org_id", Module::Platforms);
    const RECTIFICATION: (Listed, &str) = (listed("rc.id", "rc.finding"), "rc.raised_on");
    const COMMUNITY: (Listed, &str) = (listed("cm.id", "cm.name"), "cm.created_on");
    const CABIN: (Listed, &str) = (listed("hc.id", "'希望小屋 ' || hc.child_initial"), "hc.built_on");
    match r {
        Records::OpenRectifications => Kept::new(RECTIFICATIONS, RECTIFICATION, open),
        Records::OverdueRectifications => {
            Kept::new(RECTIFICATIONS, RECTIFICATION, |on| format!("({} AND rc.due_on < '{on}')", open(on)))
        }
        Records::SelfOrganisations => Kept::new(
            ("self_organisations so JOIN orgs o ON o.id = so.org_id", Module::Orgs),
            (listed("so.id", "so.name"), "so.founded_on"),
            |on| format!("(so.founded_on <= '{on}' AND (so.dissolved_on IS NULL OR so.dissolved_on > '{on}'))"),
        ),
        Records::ServiceContracts => Kept::new(
            ("service_contracts sc JOIN orgs o ON o.id = sc.org_id", Module::Selection),
            (listed("sc.id", "sc.title"), "sc.starts_on"),
            |on| format!("(sc.starts_on <= '{on}' AND sc.ends_on >= '{on}')"),
        ),
        Records::SocietiesLinked(level) => Kept::new(
            ("societies so JOIN orgs o ON o.id = so.org_id", Module::Platforms),
            (listed("so.id", "so.name"), "so.founded_on"),
            move |on| {
                format!(
                    "(so.founded_on <= '{on}' AND (so.dissolved_on IS NULL OR so.dissolved_on > '{on}') AND \
                 (SELECT sl.level FROM society_links sl WHERE sl.society_id = so.id AND sl.on_date <= '{on}' \
                 ORDER BY sl.on_date DESC, sl.id DESC LIMIT 1) = '{}')",
                    level.code()
                )
            },
        ),
        Records::Communities(level, kind) => Kept::new(COMMUNITIES, COMMUNITY, move |on| {
            let level = level.map(|l| format!(" AND cm.level = '{}'", l.code())).unwrap_or_default();
            let kind = kind.map(|k| format!(" AND cm.community_type = '{}'", k.code())).unwrap_or_default();
            format!("({}{level}{kind})", community(on))
        }),
        Records::CommunityMembers => Kept::new(COMMUNITIES, COMMUNITY, community).tally(Tally::Sum(|on| {
            format!(
                "SELECT cc.members FROM community_counts cc WHERE cc.community_id = cm.id AND cc.on_date <= '{on}' \
                 ORDER BY cc.on_date DESC LIMIT 1"
            )
        })),
        Records::CommunityReach => Kept::new(
            (
                "community_members mb JOIN communities cm ON cm.id = mb.community_id JOIN orgs o ON o.id = cm.org_id",
                Module::Platforms,
            ),
            (listed("mb.id", "cm.name"), "mb.listed_on"),
            |on| format!("({} AND mb.listed_on <= '{on}')", community(on)),
        )
        .tally(Tally::Distinct("mb.phone_hash")),
        Records::Venues => Kept::new(
            ("venues ve JOIN orgs o ON o.id = ve.org_id", Module::Platforms),
            (listed("ve.id", "ve.name"), "ve.opened_on"),
            |on| format!("(ve.opened_on <= '{on}' AND (ve.closed_on IS NULL OR ve.closed_on > '{on}'))"),
        ),
        Records::CabinsBuilt => Kept::new((CABINS, Module::Cabins), CABIN, |on| {
            format!("(hc.built_on IS NOT NULL AND hc.built_on <= '{on}')")
        }),
        Records::CabinsVisitedQuarterly => Kept::new((CABINS, Module::Cabins), CABIN, |on| {
            let since = on - chrono::Days::new(91);
            format!(
                "(hc.built_on IS NOT NULL AND hc.built_on <= '{on}' AND EXISTS (SELECT 1 FROM cabin_visits cv \
                 WHERE cv.cabin_id = hc.id AND cv.on_date > '{since}' AND cv.on_date <= '{on}'))"
            )
        }),
        Records::Stations => Kept::new(
            ("youth_stations ys JOIN orgs o ON o.id = ys.org_id", Module::Stations),
            (listed("ys.id", "ys.name"), "ys.opened_on"),
            |on| format!("(ys.opened_on <= '{on}' AND (ys.closed_on IS NULL OR ys.closed_on > '{on}'))"),
        ),
    }
}

/// The records rules on both dates: one query per table counts all of its rules.
async fn record_counts<C: ConnectionTrait>(conn: &C, scope: &Scope, p: &Params, needed: &Needed) -> AppResult<Counts> {
    /// A rule's catalogue position and its aggregate on the as-of and the baseline date.
    type Column = (usize, String, String);
    let mut by_table: Vec<(&'static str, Vec<Column>)> = Vec::new();
    for (i, ind) in needed.entries() {
        let Rule::Existing(r) = ind.rule else { continue };
        let kept = records(r);
        let column = (i, kept.column(p.as_of), kept.column(p.baseline));
        match by_table.iter_mut().find(|(t, _)| *t == kept.tables) {
            Some((_, columns)) => columns.push(column),
            None => by_table.push((kept.tables, vec![column])),
        }
    }
    // One subquery per table, all asked at once.
    let mut parts = Vec::with_capacity(by_table.len());
    let mut entries = Vec::new();
    for (tables, columns) in by_table {
        let select: Vec<String> = columns
            .iter()
            .flat_map(|(i, d, b)| {
                [d, b].into_iter().zip(["d", "b"]).map(move |(aggregate, suffix)| {
                    format!("CAST(COALESCE({aggregate}, 0) AS BIGINT) AS c{i}_{suffix}")
                })
            })
            .collect();
        parts.push((format!("SELECT {} FROM {tables} WHERE {}", select.join(", "), scope.sql), scope.values.clone()));
        entries.extend(columns.iter().map(|(i, _, _)| *i));
    }
    let row = one_row(conn, parts).await?;
    named_counts(row.as_ref(), entries.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_people_rule_of_the_catalogue_reads_only_the_cadre_index() {
        for ind in CATALOGUE {
            if let Rule::People(m) = &ind.rule {
                assert!(CADRE_INDEX.iter().any(|wide| m.within(wide)), "{} lies outside ix_positions_cadres", ind.key);
            }
        }
    }
}
