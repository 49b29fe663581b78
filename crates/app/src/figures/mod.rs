//! Figures: every indicator of the catalogue computed from the records by SQL aggregates, for any
//! as-of date, any org subtree and any street, against a baseline date — on the dashboard, an
//! org's page, the API and the CLI alike. Nothing is typed in; results are shared per data version
//! (`memo`).
//!
//! The boundary is closed: a request (`ReportRequest`, dates and codes as users give them) is
//! resolved once, here, into checked `Params`; every public function takes the actor.

mod dashboard;
mod details;
mod drill;
mod engine;
mod figure;
pub mod formats;
mod sql;
mod targets;

use std::sync::Arc;

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::indicator::Rule;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_entity::{app_setting, org};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub use dashboard::Dashboard;
pub use details::{Breakdown, Details, ProjectFigure};
pub use drill::{Drill, DrillRow, Side, drill, export as export_records};
pub use figure::Figure;
pub use targets::{Progress, Target, measurable};
pub(crate) use targets::{letter_completion, target_of};

use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::registry::orgs::{self, OrgView};
use crate::registry::regions;
use crate::{Actor, App, AppError};

pub const READ: Permission = Permission::new(Module::Dashboard, Action::Read);
pub const EXPORT: Permission = Permission::new(Module::Dashboard, Action::Export);

/// A report as asked for: dates and codes as users give them, each optional.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct ReportRequest {
    /// The date the figures are for (default: the stored report date, else today).
    pub as_of: Option<NaiveDate>,
    /// The date to compare with (default: the stored reform baseline, else a year before).
    pub baseline: Option<NaiveDate>,
    /// Start of the period of flow indicators (default: the day after the baseline).
    pub from: Option<NaiveDate>,
    /// Code of the org whose subtree to report on (default: the actor's first scope).
    pub scope: Option<String>,
    /// Region code of a street, to count only the orgs located there.
    pub street: Option<String>,
}

/// A resolved request: the dates, the org subtree, and optionally the street (a region subtree)
/// the orgs must lie in. Only this module makes one (`resolve`, `of_org`), after checking the
/// actor may read figures of the org.
#[derive(Debug, Clone)]
pub struct Params {
    pub as_of: NaiveDate,
    pub baseline: NaiveDate,
    /// Start of the period of flow indicators; `None`: the day after the baseline.
    pub from: Option<NaiveDate>,
    pub scope: OrgId,
    /// A region path prefix such as `/1/3/`: only orgs whose region lies there count.
    pub(crate) region_path: Option<String>,
    /// The org of the scope, as shown.
    pub scope_org: OrgView,
}

impl Params {
    /// The first day of the flow period.
    pub fn period_start(&self) -> NaiveDate {
        self.from.unwrap_or_else(|| self.baseline.succ_opt().unwrap_or(self.baseline))
    }
}

fn blank(code: &Option<String>) -> Option<&str> {
    code.as_deref().map(str::trim).filter(|c| !c.is_empty())
}

/// Resolves a request with the actor's defaults: the dates must be in order, the org and the
/// street must exist (else 404), and the actor must hold `permission` over the org (404 outside
/// the scope, 403 without it anywhere — audited).
async fn resolve(app: &App, actor: &Actor, req: &ReportRequest, permission: Permission) -> AppResult<Params> {
    scope::require_somewhere(app, actor, permission).await?;
    let (default_as_of, default_baseline) = default_dates(app).await?;
    let as_of = req.as_of.unwrap_or(default_as_of);
    let baseline = req.baseline.unwrap_or(default_baseline);
    for (field, d) in [("as_of", Some(as_of)), ("baseline", Some(baseline)), ("from", req.from)] {
        if d.is_some_and(|d| !qingtuan_domain::time::reportable(d)) {
            let (first, last) =
                (qingtuan_domain::time::REPORT_YEARS.start(), qingtuan_domain::time::REPORT_YEARS.end());
            return Err(Invalid::one(field, format!("日期应在 {first} 年到 {last} 年之间")).into());
        }
    }
    if baseline > as_of {
        return Err(Invalid::one("baseline", "基准日不能晚于统计日").into());
    }
    if req.from.is_some_and(|from| from > as_of) {
        return Err(Invalid::one("from", "期间起始日不能晚于统计日").into());
    }
    let org = match blank(&req.scope) {
        Some(code) => crate::tree::find_by_code(&app.db, code).await?.ok_or(AppError::NotFound)?,
        None => {
            let id = default_scope(app, actor, permission).await?;
            org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?
        }
    };
    let scope = OrgId(org.id);
    scope::require(app, actor, permission, (ObjectKind::Org, scope.to_string()), scope).await?;
    let region_path = match blank(&req.street) {
        Some(code) => Some(regions::find_named(&app.db, code).await?.ok_or(AppError::NotFound)?.path),
        None => None,
    };
    Ok(Params { as_of, baseline, from: req.from, scope, region_path, scope_org: orgs::view(&org, 0) })
}

/// The actor's default scope for reports: their first grant's org with the permission, else the
/// root of the tree.
async fn default_scope(app: &App, actor: &Actor, permission: Permission) -> AppResult<OrgId> {
    if let Some(roots) = actor.scope_roots(permission) {
        return roots.into_iter().next().ok_or(AppError::Forbidden);
    }
    let root =
        org::Entity::find().filter(org::Column::ParentId.is_null()).order_by_asc(org::Column::Id).one(&app.db).await?;
    root.map(|o| OrgId(o.id)).ok_or(AppError::NotFound)
}

/// The catalogue's figures with the details beside them.
#[derive(Debug, Clone)]
pub struct Report {
    pub params: Params,
    pub figures: Vec<Figure>,
    pub details: Details,
}

/// The report the actor asks for — computed once per data version for everyone who asks for the
/// same scope and dates (see `memo`).
pub async fn report(app: &App, actor: &Actor, req: &ReportRequest) -> AppResult<Arc<Report>> {
    let p = resolve(app, actor, req, READ).await?;
    evaluate_report(app, p, None).await
}

/// The figures an org's page shows: its subtree's, for the default dates.
#[derive(Debug, Clone)]
pub struct OrgFigures {
    pub as_of: NaiveDate,
    pub baseline: NaiveDate,
    /// Empty if the actor may not read figures there.
    pub figures: Vec<Figure>,
}

/// The figures of an org's subtree for the default dates, if the actor may read figures there
/// (an org's page shows them; without the permission it shows none).
pub async fn of_org(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgFigures> {
    let (as_of, baseline) = default_dates(app).await?;
    if !scope::covers(&app.db, actor, READ, id).await? {
        return Ok(OrgFigures { as_of, baseline, figures: Vec::new() });
    }
    let org = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let p = Params { as_of, baseline, from: None, scope: id, region_path: None, scope_org: orgs::view(&org, 0) };
    let report = evaluate_report(app, p, None).await?;
    Ok(OrgFigures { as_of, baseline, figures: report.figures.clone() })
}

/// The report as an xlsx workbook, audited as an export.
pub async fn export(app: &App, actor: &Actor, req: &ReportRequest) -> AppResult<(String, Vec<u8>)> {
    let p = resolve(app, actor, req, EXPORT).await?;
    let report = evaluate_report(app, p, None).await?;
    let p = &report.params;
    let bytes = formats::to_xlsx(&report)?;
    let asked = serde_json::json!({ "report": "dashboard", "as_of": p.as_of, "baseline": p.baseline });
    crate::export::record(app, actor, Exported::of(ObjectKind::Org, asked).within(p.scope), report.figures.len())
        .await?;
    Ok((format!("report-{}.xlsx", p.as_of), bytes))
}

/// The memo key of a request: everything it depends on besides the data.
fn key(kind: &str, p: &Params) -> String {
    format!("{kind}|{}|{}|{:?}|{}|{:?}", p.as_of, p.baseline, p.from, p.scope, p.region_path)
}

/// The report for `p`, computed once per data version; `scope` when the caller has read it already.
async fn evaluate_report(app: &App, p: Params, scope: Option<&sql::Scope>) -> AppResult<Arc<Report>> {
    app.memo
        .get(app, key("report", &p), |app| {
            Box::pin(async move {
                let app = &app;
                let scope = match scope {
                    Some(scope) => scope.clone(),
                    None => sql::Scope::of(&app.db, &p).await?,
                };
                let all = engine::Needed::all();
                let (figures, details) =
                    tokio::join!(engine::evaluate(&app.db, &p, &scope, &all), details::of(&app.db, &p, &scope));
                let mut figures = figures?;
                for f in figures.iter_mut().filter(|f| f.indicator.rule == Rule::TargetCompletion) {
                    *f = targets::completion(app, &p, &scope, f.indicator).await?;
                }
                Ok(Report { figures, details: details?, params: p.clone() })
            })
        })
        .await
}

/// The everything the dashboard page shows, for the scope asked for (see `Dashboard`).
pub async fn dashboard(app: &App, actor: &Actor, req: &ReportRequest) -> AppResult<Arc<Dashboard>> {
    let p = resolve(app, actor, req, READ).await?;
    dashboard::of(app, actor, p).await
}

pub const AS_OF_SETTING: &str = "report.as_of";
pub const BASELINE_SETTING: &str = "report.baseline";

/// The dates figures are shown for when none are asked for: the stored reform baseline (and as-of
/// date, for a frozen data set such as the demo), else today and a year before.
pub async fn default_dates(app: &App) -> AppResult<(NaiveDate, NaiveDate)> {
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

/// Stores the default report dates (the system actor only: the demo and the CLI).
pub async fn set_default_dates(
    app: &App,
    actor: &Actor,
    as_of: Option<NaiveDate>,
    baseline: NaiveDate,
) -> AppResult<()> {
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
