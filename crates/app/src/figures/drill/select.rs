//! The SQL that lists a figure's records: one SELECT per listing (orgs, posts, a flow's rows, kept
//! records), built from the engine's own sources and conditions, united for paging and totals.

use chrono::NaiveDate;
use qingtuan_domain::indicator::{Flow, Records, Rule};
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::position::Title;
use sea_orm::{ConnectionTrait, Value};

use super::Side;
use crate::error::AppResult;
use crate::figures::Params;
use crate::figures::engine::{self, Kept, Labels, Listed, Tally};
use crate::figures::sql::{Scope, for_period, org_exists, post_held, quoted, region_kinds, statement};

/// One SELECT of records, with the values its placeholders take: columns `id`, `lst` (which
/// listing, for the labels of coded text), `org`, `what`, `who`, `on_date`, `val`.
pub(super) struct Listing {
    pub(super) sql: String,
    pub(super) values: Vec<Value>,
    pub(super) labels: Option<Labels>,
}

/// The columns of a listing's SELECT.
struct Columns<'a> {
    id: &'a str,
    org: &'a str,
    what: &'a str,
    who: Option<&'a str>,
    on: &'a str,
    value: &'a str,
}

impl Columns<'_> {
    fn select(&self, lst: usize) -> String {
        format!(
            "SELECT CAST({} AS BIGINT) AS id, CAST({lst} AS BIGINT) AS lst, {} AS org, {} AS what, {} AS who, \
             {} AS on_date, CAST({} AS BIGINT) AS val",
            self.id,
            self.org,
            self.what,
            self.who.unwrap_or("CAST(NULL AS TEXT)"),
            self.on,
            self.value
        )
    }
}

const ORG_TABLES: &str = "orgs o LEFT JOIN sectors s ON s.id = o.sector_id LEFT JOIN regions r ON r.id = o.region_id";

fn org_kind() -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

fn title() -> Vec<(&'static str, &'static str)> {
    Title::ALL.iter().map(|t| (t.code(), t.label())).collect()
}

/// `1` in SQL when `cond`, else `0`, counted over a group.
fn any(cond: &str) -> String {
    format!("MAX(CASE WHEN {cond} THEN 1 ELSE 0 END)")
}

/// The groups counted on the as-of date (`d`) and the baseline date (`b`), as `side` asks.
fn having(side: Side, on_d: &str, on_b: &str) -> String {
    match side {
        Side::Entered => format!("{} = 1 AND {} = 0", any(on_d), any(on_b)),
        Side::Left => format!("{} = 1 AND {} = 0", any(on_b), any(on_d)),
        _ => format!("{} = 1", any(on_d)),
    }
}

/// Rows (not groups) counted as `side` asks, given whether one exists on a date.
fn existing(side: Side, exists: &dyn Fn(NaiveDate) -> String, d: NaiveDate, b: NaiveDate) -> String {
    match side {
        // A condition may be NULL on a date (a society not linked yet): not counted then.
        Side::Entered => format!("{} AND NOT COALESCE({}, FALSE)", exists(d), exists(b)),
        Side::Left => format!("{} AND NOT COALESCE({}, FALSE)", exists(b), exists(d)),
        _ => exists(d),
    }
}

/// The SELECTs whose rows are the records of `rule` on `side`.
pub(super) fn listings(rule: Rule, side: Side, p: &Params, scope: &Scope) -> Vec<Listing> {
    let (d, b) = (p.as_of, p.baseline);
    // The date the records are described on: the baseline for what left.
    let on = if side == Side::Left { b } else { d };
    let scoped = |sql: String, labels: Option<Labels>| Listing { sql, values: scope.values.clone(), labels };
    match rule {
        Rule::Orgs(m) | Rule::NewOrgs(m) => {
            let mut cond = format!("{} AND {}", existing(side, &org_exists, d, b), engine::org_condition(&m));
            if matches!(rule, Rule::NewOrgs(_)) {
                cond.push_str(&format!(" AND o.founded_on > '{b}'"));
            }
            let dated = if side == Side::Left { "o.dissolved_on" } else { "o.founded_on" };
            let columns = Columns { id: "o.id", org: "o.name", what: "o.kind", who: None, on: dated, value: "1" };
            let sql = format!("{} FROM {ORG_TABLES} WHERE {} AND {cond}", columns.select(0), scope.sql);
            vec![scoped(sql, Some(org_kind))]
        }
        Rule::RegionsCovered(level, m) => {
            let cond = engine::org_condition(&m.located(level));
            if side == Side::Uncovered {
                let covered = format!(
                    "SELECT o.region_id FROM {ORG_TABLES} WHERE {} AND {} AND {cond} AND o.region_id IS NOT NULL",
                    scope.sql,
                    org_exists(d)
                );
                let kinds = quoted(region_kinds(level).into_iter().map(|k| k.code()));
                let mut values = scope.values.clone();
                let within = match scope.region_path() {
                    Some(path) => {
                        values.insert(0, format!("{path}%").into());
                        "AND rg.path LIKE ?"
                    }
                    None => "",
                };
                let columns = Columns {
                    id: "rg.id",
                    org: "''",
                    what: "rg.name",
                    who: None,
                    on: "CAST(NULL AS DATE)",
                    value: "1",
                };
                let sql = format!(
                    "{} FROM regions rg WHERE rg.kind IN ({kinds}) {within} AND rg.id NOT IN ({covered})",
                    columns.select(0)
                );
                return vec![Listing { sql, values, labels: None }];
            }
            let exists_on = format!("{} AND {cond}", org_exists(on));
            let org = format!("MIN(CASE WHEN {exists_on} THEN o.name END)");
            let columns =
                Columns { id: "r.id", org: &org, what: "MIN(r.name)", who: None, on: "CAST(NULL AS DATE)", value: "1" };
            let sql = format!(
                "{} FROM {ORG_TABLES} WHERE {} AND {cond} GROUP BY r.id HAVING {}",
                columns.select(0),
                scope.sql,
                having(side, &format!("{} AND {cond}", org_exists(d)), &format!("{} AND {cond}", org_exists(b)))
            );
            vec![scoped(sql, None)]
        }
        // The whole tree's work force is its kept periods (`workforce_spans`), one per person on a
        // date — as the engine counts it; the page's rows get their posts afterwards (`posts_of`).
        Rule::WorkForce if scope.whole_tree => {
            let covers = |alias: &str, on: NaiveDate| {
                format!("({alias}.start_on <= '{on}' AND ({alias}.end_on IS NULL OR {alias}.end_on > '{on}'))")
            };
            // A period covering the as-of date that began by the baseline covers it too, and one
            // covering the baseline that did not end by the as-of date covers that: only the others
            // need a look at the person's other periods.
            let (first, other) = match side {
                Side::Entered => (d, Some((b, format!(" AND ws.start_on > '{b}'")))),
                Side::Left => (b, Some((d, format!(" AND ws.end_on IS NOT NULL AND ws.end_on <= '{d}'")))),
                _ => (d, None),
            };
            let mut cond = covers("ws", first);
            if let Some((other, narrowed)) = other {
                cond.push_str(&format!(
                    "{narrowed} AND NOT EXISTS (SELECT 1 FROM workforce_spans w2 WHERE w2.person_id = ws.person_id AND {})",
                    covers("w2", other)
                ));
            }
            let columns = Columns {
                id: "ws.person_id",
                org: "CAST(NULL AS TEXT)",
                what: "CAST(NULL AS TEXT)",
                // Not a join: counting the periods then reads no people.
                who: Some("(SELECT pe.name FROM people pe WHERE pe.id = ws.person_id)"),
                on: "ws.start_on",
                value: "1",
            };
            let sql = format!("{} FROM workforce_spans ws WHERE {cond}", columns.select(0));
            vec![Listing { sql, values: Vec::new(), labels: None }]
        }
        Rule::People(_) | Rule::WorkForce => {
            let mut cond = match rule {
                Rule::People(m) => engine::post_condition(&m),
                _ => "o.sector_id IN (SELECT id FROM sectors WHERE social_domain = TRUE)".to_owned(),
            };
            // A rule the partial index holds reads only its posts, as the engine's count does: the
            // condition repeated word for word, the index named for SQLite.
            let mut index = "";
            if let Rule::People(m) = rule
                && engine::CADRE_INDEX.iter().any(|wide| m.within(wide))
            {
                cond.push_str(&format!(" AND ({})", engine::CADRE_POSTS));
                if scope.backend == sea_orm::DbBackend::Sqlite {
                    index = "INDEXED BY ix_positions_cadres";
                }
            }
            let held = post_held(on);
            let (org, what, since) = (
                format!("MIN(CASE WHEN {held} THEN o.name END)"),
                format!("MIN(CASE WHEN {held} THEN ps.title END)"),
                format!("MIN(CASE WHEN {held} THEN ps.start_on END)"),
            );
            let columns = Columns {
                id: "ps.person_id",
                org: &org,
                what: &what,
                who: Some("MIN(pe.name)"),
                on: &since,
                value: "1",
            };
            let sql = format!(
                "{} FROM positions ps {index} JOIN orgs o ON o.id = ps.org_id JOIN people pe ON pe.id = ps.person_id \
                 WHERE {} AND {cond} AND ps.start_on <= '{}' GROUP BY ps.person_id HAVING {}",
                columns.select(0),
                scope.sql,
                d.max(b),
                having(side, &post_held(d), &post_held(b))
            );
            vec![scoped(sql, Some(title))]
        }
        Rule::Sum(flows, _) => {
            let (from, to) = match side {
                Side::Previous => qingtuan_domain::time::previous_period(p.period_start(), d),
                _ => (p.period_start(), d),
            };
            let mut seen: Vec<Flow> = Vec::new();
            flows
                .iter()
                .filter(|f| {
                    let first = !seen.contains(f);
                    seen.push(**f);
                    first
                })
                .enumerate()
                .map(|(i, f)| flow_listing(*f, i, from, to, scope))
                .collect()
        }
        Rule::Share(part, whole) => {
            let flow = if side == Side::Whole { whole } else { part };
            vec![flow_listing(flow, 0, p.period_start(), d, scope)]
        }
        Rule::Existing(r) => vec![kept_listing(r, side, p, scope)],
        Rule::PerTenThousandYouth(of) => listings(of.rule, side, p, scope),
        // Listed by `letters`.
        Rule::TargetCompletion => Vec::new(),
    }
}

/// The records of a flow dated in the period from `from` to `to`, each with what it adds.
pub(super) fn flow_listing(flow: Flow, lst: usize, from: NaiveDate, to: NaiveDate, scope: &Scope) -> Listing {
    let (src, value) = engine::source(flow, scope.backend);
    let value = for_period(&value, from, to);
    let Listed { id, what, labels, who } = src.listed;
    let columns = Columns { id, org: "o.name", what, who, on: src.dated.column(), value: &value };
    let sql = format!(
        "{} FROM {} WHERE {} AND {} AND {} AND ({value}) <> 0",
        columns.select(lst),
        src.tables,
        scope.sql,
        src.condition,
        src.dated.within(from, to)
    );
    Listing { sql, values: scope.values.clone(), labels }
}

/// The records existing on the date (or entered or left), as the rule's tally takes them.
fn kept_listing(r: Records, side: Side, p: &Params, scope: &Scope) -> Listing {
    let kept: Kept = engine::records(r);
    let (d, b) = (p.as_of, p.baseline);
    let Listed { id, what, labels, who } = kept.listed;
    let sql = match &kept.tally {
        // One row per different value (a person's phone): described by its first record.
        Tally::Distinct(column) => {
            let (id, what, since) = (format!("MIN({id})"), format!("MIN({what})"), format!("MIN({})", kept.since));
            let columns = Columns { id: &id, org: "MIN(o.name)", what: &what, who: None, on: &since, value: "1" };
            format!(
                "{} FROM {} WHERE {} GROUP BY {column} HAVING {}",
                columns.select(0),
                kept.tables,
                scope.sql,
                having(side, &(kept.exists)(d), &(kept.exists)(b))
            )
        }
        tally => {
            let value = match tally {
                Tally::Sum(value) => format!("COALESCE(({}), 0)", value(d)),
                _ => "1".to_owned(),
            };
            let columns = Columns { id, org: "o.name", what, who, on: kept.since, value: &value };
            format!(
                "{} FROM {} WHERE {} AND {}",
                columns.select(0),
                kept.tables,
                scope.sql,
                existing(side, &*kept.exists, d, b)
            )
        }
    };
    Listing { sql, values: scope.values.clone(), labels }
}

/// The listings as one SELECT, and its placeholders' values.
pub(super) fn union(listings: &[Listing]) -> (String, Vec<Value>) {
    let sql = listings.iter().map(|l| l.sql.as_str()).collect::<Vec<_>>().join(" UNION ALL ");
    (sql, listings.iter().flat_map(|l| l.values.clone()).collect())
}

/// How many records the listings hold, and the sum of their values.
pub(super) async fn totals<C: ConnectionTrait>(conn: &C, listings: &[Listing]) -> AppResult<(i64, i64)> {
    let (union, values) = union(listings);
    let sql = format!("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(val), 0) AS BIGINT) AS total FROM ({union}) x");
    let row = conn.query_one_raw(statement(conn.get_database_backend(), &sql, values)).await?;
    Ok(match row {
        Some(r) => (r.try_get("", "n")?, r.try_get("", "total")?),
        None => (0, 0),
    })
}
