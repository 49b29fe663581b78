//! The flows: each `Flow` of the catalogue is a source — the tables of its records (joined to
//! their org), which rows count, the column dating them in a period — summed for a date and its
//! baseline in one statement.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::cabin::VisitKind;
use qingtuan_domain::consultation::CaseCategory;
use qingtuan_domain::indicator::{Flow, Rule};
use qingtuan_domain::loan::LoanStage;
use qingtuan_domain::permission::Module;
use qingtuan_domain::review::Grade;
use sea_orm::{ConnectionTrait, DbBackend};

use super::{Counts, Needed, Shares};
use crate::error::AppResult;
use crate::figures::Params;
use crate::figures::sql::{Scope, days_between, for_period, one_row};

/// The records a flow is summed over: the tables (joined to their org `o`), which rows count, and
/// which of them fall in a period.
pub(in crate::figures) struct Source {
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
pub(in crate::figures) struct Listed {
    pub id: &'static str,
    pub what: &'static str,
    pub labels: Option<Labels>,
    pub who: Option<&'static str>,
}

/// The stored codes of a coded column with their labels.
pub(in crate::figures) type Labels = fn() -> Vec<(&'static str, &'static str)>;

pub(super) const fn listed(id: &'static str, what: &'static str) -> Listed {
    Listed { id, what, labels: None, who: None }
}

pub(super) const fn listed_with(id: &'static str, what: &'static str, who: &'static str) -> Listed {
    Listed { id, what, labels: None, who: Some(who) }
}

pub(super) const fn coded(id: &'static str, what: &'static str, labels: Labels) -> Listed {
    Listed { id, what, labels: Some(labels), who: None }
}

pub(in crate::figures) enum Dated {
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
pub(super) const CABINS: &str = "hope_cabins hc JOIN orgs o ON o.id = hc.org_id";
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
pub(in crate::figures) fn module_of(flow: Flow) -> Module {
    source(flow, DbBackend::Sqlite).0.module
}

/// Where a flow is recorded, and the value each of its records adds — for a value that depends on
/// the period, with `{from}` and `{next}` to fill in (`sql::for_period`).
pub(in crate::figures) fn source(flow: Flow, backend: DbBackend) -> (&'static Source, String) {
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
pub(super) async fn flow_counts<C: ConnectionTrait>(
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
