//! The dashboard: every figure of the catalogue for a date, a scope and a baseline, with its
//! definition, the comparison, SVG charts by street, by sector and over time, and the work list of
//! communities still without a youth or young-pioneer work committee.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::audit::{self, Entry};
use qingtuan_app::orgs::{self, OrgView};
use qingtuan_app::regions::RegionView;
use qingtuan_app::stats::{self, Figure, Params};
use qingtuan_app::{AppError, report, scope};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::indicator;
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::charts;
use crate::layout::Layout;
use crate::pages::{query_without_page, render, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct DashboardQuery {
    pub as_of: Option<NaiveDate>,
    pub baseline: Option<NaiveDate>,
    /// Start of the period of flow indicators.
    pub from: Option<NaiveDate>,
    /// Org code of the subtree.
    pub scope: Option<String>,
    /// Region code of a street.
    pub street: Option<String>,
}

pub struct Card {
    pub figure: Figure,
    pub compare: String,
    pub trend: &'static str,
}

fn card(figure: Figure) -> Card {
    let base = if figure.indicator.measure == indicator::Measure::Flow { "上一同长时段" } else { "基准" };
    let compare = match (figure.baseline_value, figure.delta) {
        (Some(b), Some(d)) => {
            let sign = if d > 0 { "+" } else { "" };
            let growth = figure.growth_pct.map(|g| format!("，{sign}{g:.1}%")).unwrap_or_default();
            format!("{base} {b}，{sign}{d}{growth}")
        }
        _ => figure.without_comparison().to_owned(),
    };
    let trend = match figure.delta {
        Some(d) if d > 0 => "up",
        Some(d) if d < 0 => "down",
        _ => "",
    };
    Card { figure, compare, trend }
}

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
    cards: Vec<Card>,
    /// (id, title, rows): activities by category and by audience.
    activity_tables: Vec<(&'static str, &'static str, Vec<stats::Breakdown>)>,
    details: stats::Details,
    street_chart: String,
    sector_chart: String,
    time_chart: String,
    no_youth_committee: Vec<RegionView>,
    no_pioneer_committee: Vec<RegionView>,
    query: String,
}

/// Resolves the query into evaluation parameters, with the actor's defaults, and the scope chosen.
async fn params(
    state: &AppState,
    user: &CurrentUser,
    q: &DashboardQuery,
) -> Result<(Params, Option<OrgView>), PageError> {
    let app = &state.app;
    let (default_as_of, default_baseline) = stats::default_dates(app).await?;
    let as_of = q.as_of.unwrap_or(default_as_of);
    let baseline = q.baseline.unwrap_or(default_baseline);
    if baseline > as_of {
        return Err(AppError::Invalid(qingtuan_domain::Invalid::one("baseline", "基准日不能晚于统计日")).into());
    }
    let (scope, chosen) = match q.scope.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => {
            let found = orgs::find_by_code(&app.db, code).await?.ok_or(AppError::NotFound)?;
            (OrgId(found.id), Some(orgs::view(&found, 0)))
        }
        None => {
            let id = stats::default_scope(app, &user.actor).await?;
            (id, orgs::show(app, &user.actor, id).await.ok())
        }
    };
    let region_path = match q.street.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(qingtuan_app::regions::find_by_code(&app.db, code).await?.ok_or(AppError::NotFound)?.path),
        None => None,
    };
    Ok((Params { as_of, baseline, from: q.from, scope, region_path }, chosen))
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let app = &state.app;
    scope::require_somewhere(app, &user.actor, stats::READ).await?;
    let (p, chosen) = params(&state, &user, &q).await?;
    let scope_code = chosen.as_ref().map(|o| o.code.clone()).unwrap_or_default();
    let (board, mut scopes) = tokio::try_join!(
        stats::dashboard(app, &user.actor, &p),
        orgs::visible_committees(app, &user.actor, stats::READ)
    )?;
    // A unit committee or branch asked for by its code is offered as the choice made.
    if let Some(chosen) = chosen.filter(|c| !scopes.iter().any(|o| o.code == c.code)) {
        scopes.insert(0, chosen);
    }
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
    let street_code = q.street.clone().unwrap_or_default();
    render(&DashboardPage {
        layout: Layout::new(&user, "/dashboard", "工作台"),
        as_of: p.as_of,
        baseline: p.baseline,
        from: stats::period_start(&p),
        query: query_without_page(&DashboardQuery {
            as_of: Some(p.as_of),
            baseline: Some(p.baseline),
            from: p.from,
            scope: Some(scope_code.clone()),
            street: q.street.clone(),
        }),
        scope_code,
        street_code,
        scopes,
        streets: board.streets.clone(),
        cards: board.report.figures.iter().cloned().map(card).collect(),
        activity_tables: vec![
            ("category", "按类别", board.report.details.by_category.clone()),
            ("audience", "按对象", board.report.details.by_audience.clone()),
        ],
        details: board.report.details.clone(),
        street_chart: charts::bars("各街道社会领域团组织数（浅色为基准日）", &street_rows),
        sector_chart: charts::bars("各领域团组织数（★为社会领域）", &sector_rows),
        time_chart: charts::line("社会领域团组织数变化", &board.series),
        no_youth_committee: board.no_youth_committee.clone(),
        no_pioneer_committee: board.no_pioneer_committee.clone(),
    })
}

/// The dashboard's figures as an xlsx download (audited as an export).
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let app = &state.app;
    scope::require_somewhere(app, &user.actor, Permission::new(Module::Dashboard, Action::Export)).await?;
    let (p, _) = params(&state, &user, &q).await?;
    let figures = stats::report(app, &user.actor, &p).await?;
    let name = orgs::show(app, &user.actor, p.scope).await?.name;
    let bytes = report::to_xlsx(&p, &name, &figures)?;
    audit::record(
        app.writer(),
        app.now(),
        &user.actor,
        Entry::new(AuditAction::Exported, ObjectKind::Org)
            .object(p.scope)
            .scope(p.scope)
            .after(serde_json::json!({ "report": "dashboard", "as_of": p.as_of, "baseline": p.baseline })),
    )
    .await?;
    Ok(xlsx_download(&format!("report-{}.xlsx", p.as_of), bytes))
}
