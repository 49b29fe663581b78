//! The records that exist on a date (societies, communities, venues, stations, cabins…): where
//! each kind is kept, from when and until when, and what a figure takes of them (a count or a sum).

use chrono::NaiveDate;
use qingtuan_domain::indicator::{Records, Rule};
use qingtuan_domain::permission::Module;
use sea_orm::ConnectionTrait;

use super::flows::CABINS;
use super::flows::{Listed, listed};
use super::named_counts;
use super::{Counts, Needed};
use crate::error::AppResult;
use crate::figures::Params;
use crate::figures::sql::{Scope, one_row};

/// Where records that exist on a date are kept (joined to their org `o`), when one exists, and
/// what the figure takes of those that do.
pub(in crate::figures) struct Kept {
    pub tables: &'static str,
    pub exists: Box<dyn Fn(NaiveDate) -> String>,
    pub tally: Tally,
    /// How one is listed, and the column it is dated by (its start).
    pub listed: Listed,
    pub since: &'static str,
    /// The module whose read permission lists them.
    pub module: Module,
}

pub(in crate::figures) enum Tally {
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

pub(in crate::figures) fn records(r: Records) -> Kept {
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
pub(super) async fn record_counts<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    p: &Params,
    needed: &Needed,
) -> AppResult<Counts> {
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
