//! The dashboard: every figure of the catalogue for a date, a scope and a baseline, with its
//! definition, the comparison, SVG charts by street, by sector and over time, and the work list of
//! communities still without a youth or young-pioneer work committee; and every figure opened on
//! the records that make it up.

use crate::extract::{Path, Query};
use crate::layout::{MenuEntry, read};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use qingtuan_app::figures::{self, Breakdown, Details, Drill, DrillRow, Figure, ReportRequest, Side};
use qingtuan_app::page::Page;
use qingtuan_app::registry::orgs::OrgView;
use qingtuan_app::registry::regions::RegionView;
use qingtuan_domain::permission::Module;

use crate::charts;
use crate::layout::Layout;
use crate::pages::{query_without_page, render, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    as_of: NaiveDate,
    baseline: NaiveDate,
    from: NaiveDate,
    scope_code: String,
    street_code: String,
    scopes: Vec<OrgView>,
    streets: Vec<RegionView>,
    figures: Vec<Figure>,
    /// (id, title, rows): activities by category and by audience.
    activity_tables: Vec<(&'static str, &'static str, Vec<Breakdown>)>,
    details: Details,
    street_chart: String,
    sector_chart: String,
    time_chart: String,
    no_youth_committee: Vec<RegionView>,
    no_pioneer_committee: Vec<RegionView>,
    query: String,
    /// The viewer may publish (freeze) this report.
    can_freeze: bool,
    /// The period's start as asked (none: the day after the baseline).
    from_asked: Option<NaiveDate>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(req): Query<ReportRequest>,
) -> Result<Response, PageError> {
    // A partner's account has no figures of the tree: it starts at its partner's page.
    if user.actor.partner.is_some() {
        return Ok(axum::response::Redirect::to(crate::layout::home(&user)).into_response());
    }
    let dashboard = figures::dashboard(&state.app, &user.actor, &req).await?;
    let board = &dashboard.board;
    let report = &board.report;
    let p = &report.params;
    let street_rows: Vec<(String, i64, Option<i64>)> = board
        .by_street
        .iter()
        .map(|(street, value, baseline)| (street.name.clone(), *value, Some(*baseline)))
        .collect();
    let sector_rows: Vec<(String, i64, Option<i64>)> = board
        .by_sector
        .iter()
        .map(|(name, social, n)| (if *social { format!("{name}★") } else { name.clone() }, *n, None))
        .collect();
    let scope_code = p.scope_org.code.clone();
    render(&DashboardPage {
        layout: Layout::new(&user, "/dashboard", "工作台"),
        as_of: p.as_of,
        baseline: p.baseline,
        from: p.period_start(),
        query: query_without_page(&ReportRequest {
            as_of: Some(p.as_of),
            baseline: Some(p.baseline),
            from: p.from,
            scope: Some(scope_code.clone()),
            street: req.street.clone(),
        }),
        scope_code,
        street_code: req.street.clone().unwrap_or_default(),
        scopes: dashboard.scopes.clone(),
        streets: board.streets.clone(),
        figures: report.figures.clone(),
        activity_tables: vec![
            ("category", "按类别", report.details.by_category.clone()),
            ("audience", "按对象", report.details.by_audience.clone()),
        ],
        details: report.details.clone(),
        street_chart: charts::bars("各街道社会领域团组织数（浅色为基准日）", &street_rows),
        sector_chart: charts::bars("各领域团组织数（★为社会领域）", &sector_rows),
        time_chart: charts::line("社会领域团组织数变化", &board.series),
        no_youth_committee: board.no_youth_committee.clone(),
        no_pioneer_committee: board.no_pioneer_committee.clone(),
        can_freeze: qingtuan_app::bulletin::frozen::may_freeze(&state.app, &user.actor, p.scope).await?,
        from_asked: p.from,
    })
}

/// The dashboard's figures as an xlsx download (audited as an export).
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(req): Query<ReportRequest>,
) -> Result<Response, PageError> {
    let (name, bytes) = figures::export(&state.app, &user.actor, &req).await?;
    Ok(xlsx_download(&name, bytes))
}

#[derive(Template)]
#[template(path = "figures/drill.html")]
struct DrillPage {
    layout: Layout,
    d: Drill,
    page: Page<DrillRow>,
    /// The report's dates and scope, for the sides' links and the way back.
    report_query: String,
    /// The same, for the filter's hidden fields.
    report_pairs: Vec<(String, String)>,
    /// The report's, the side's and the filter's, for the pager and the export.
    query: String,
    q: String,
    scope_name: String,
    flow: bool,
    side_label: &'static str,
    total_is_average: bool,
    with_people: bool,
    value_label: &'static str,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DrillQuery {
    #[serde(default)]
    side: Side,
    /// Text the record's org or description contains.
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

/// The report a figure was opened from, as a query string.
fn report_query(p: &figures::Params, street: &Option<String>) -> String {
    query_without_page(&ReportRequest {
        as_of: Some(p.as_of),
        baseline: Some(p.baseline),
        from: p.from,
        scope: Some(p.scope_org.code.clone()),
        street: street.clone(),
    })
}

/// A figure opened: the records that make it up, paged.
pub async fn drill(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
    Query(req): Query<ReportRequest>,
    Query(q): Query<DrillQuery>,
) -> Result<Response, PageError> {
    let d = figures::drill(&state.app, &user.actor, &key, &req, q.side, Some(&q.q), q.page).await?;
    let report_query = report_query(&d.params, &req.street);
    let report_pairs: Vec<(String, String)> = serde_urlencoded::from_str(&report_query).unwrap_or_default();
    let flow = d.records_of.measure == qingtuan_domain::indicator::Measure::Flow;
    let side_label = d.sides.iter().find(|(s, _)| *s == d.side).map_or("", |(_, l)| *l);
    render(&DrillPage {
        layout: Layout::new(&user, "/dashboard", d.figure.indicator.name),
        page: d.rows.clone(),
        query: format!(
            "{report_query}&{}",
            query_without_page(&serde_json::json!({ "side": d.side.code(), "q": q.q.trim() }))
        ),
        q: q.q.clone(),
        report_query,
        report_pairs,
        scope_name: d.params.scope_org.name.clone(),
        flow,
        side_label,
        total_is_average: d.records_of.rule == qingtuan_domain::indicator::Rule::TargetCompletion,
        with_people: d.rows.items.iter().any(|r| r.who.is_some()),
        value_label: d.value_label(),
        d,
    })
}

/// A figure's records as an xlsx download (audited as an export).
pub async fn drill_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
    Query(req): Query<ReportRequest>,
    Query(q): Query<DrillQuery>,
) -> Result<Response, PageError> {
    let (name, bytes) = figures::export_records(&state.app, &user.actor, &key, &req, q.side, Some(&q.q)).await?;
    Ok(xlsx_download(&name, bytes))
}

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[MenuEntry { href: "/dashboard", label: "工作台", need: read(Module::Dashboard) }];

/// The dashboard and its export.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(show))
        .route("/dashboard/export.xlsx", get(export))
        .route("/figures/{key}", get(drill))
        .route("/figures/{key}/export.xlsx", get(drill_export))
}
