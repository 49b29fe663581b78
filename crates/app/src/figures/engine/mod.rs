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

mod flows;
mod posts;
mod records;

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::indicator::{CATALOGUE, Indicator, OrgMatch, Rule};
use qingtuan_domain::region::RegionKind;
use qingtuan_entity::region;
use sea_orm::ConnectionTrait;

use super::sql::{Scope, league_kinds, one_row, org_exists, quoted, region_kinds};
use super::{Figure, Params};
use crate::error::AppResult;
use crate::registry::regions;
use flows::flow_counts;
use posts::people_counts;
use records::record_counts;

pub(super) use flows::{Labels, Listed, module_of, source};
pub(super) use posts::{CADRE_INDEX, CADRE_POSTS, post_condition};
pub(super) use records::{Kept, Tally, records};

/// A raw count on the as-of date (or in the period) and on the baseline date (or in the period
/// before), per catalogue entry.
pub(super) type Counts = HashMap<usize, [i64; 2]>;
/// A share rule's (part, whole) over the period and over the one before it.
pub(super) type Shares = HashMap<usize, [(i64, i64); 2]>;

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
pub(super) async fn counts_of<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    scope: &Scope,
    entries: impl Iterator<Item = usize>,
) -> AppResult<Counts> {
    let row = one_row(conn, vec![(sql.to_owned(), scope.values.clone())]).await?;
    named_counts(row.as_ref(), entries)
}

/// The counts of catalogue entries `i` in a row's columns `c{i}_d` and `c{i}_b`.
pub(super) fn named_counts(
    row: Option<&sea_orm::QueryResult>,
    entries: impl Iterator<Item = usize>,
) -> AppResult<Counts> {
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
