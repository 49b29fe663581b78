//! The dashboard: the report, the social-domain orgs by street, by sector and over time, and the
//! work list of communities without a youth or young-pioneer work committee.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::region::RegionKind;
use sea_orm::ConnectionTrait;

use super::sql::{Scope, league_kinds, org_exists, region_kinds, statement};
use super::{Params, READ, Report, evaluate_report, key};
use crate::error::AppResult;
use crate::registry::orgs::{self, OrgView};
use crate::registry::regions::{self, RegionView};
use crate::{Actor, App};

/// Everything the dashboard shows: the parts every viewer of the same scope and dates shares, and
/// the scopes this viewer may choose from.
#[derive(Debug)]
pub struct Dashboard {
    pub board: Arc<Board>,
    /// The district and working committees the actor may report on; an org asked for by its code
    /// that is neither comes first.
    pub scopes: Vec<OrgView>,
}

#[derive(Debug)]
pub struct Board {
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

/// Computes every part at once on the pool's connections — once per data version for everyone
/// asking for the same (`p` has been checked by `resolve`).
pub(super) async fn of(app: &App, actor: &Actor, p: Params) -> AppResult<Arc<Dashboard>> {
    let whole = Params { region_path: None, ..p.clone() };
    let board = app.memo.get(app, key("dashboard", &p), |app| {
        Box::pin(async move {
            let app = &app;
            // The scope with the street asked for, and without it (the streets to choose from
            // and the chart by street): the same when no street is asked for.
            let scope = Scope::of(&app.db, &p).await?;
            let whole_scope = match p.region_path {
                Some(_) => Scope::of(&app.db, &whole).await?,
                None => scope.clone(),
            };
            let streets = regions::of_kinds(&app.db, &[RegionKind::Street], whole_scope.region_path()).await?;
            let (report, by_street, by_sector, series, no_youth_committee, no_pioneer_committee) = tokio::try_join!(
                evaluate_report(app, p.clone(), Some(&scope)),
                social_domain_by_street(app, &whole, &whole_scope, &streets),
                by_sector(app, &p, &scope),
                social_domain_series(app, &p, &scope),
                uncovered(app, &p, &scope, RegionKind::Community, OrgKind::YouthWorkCommittee),
                uncovered(app, &p, &scope, RegionKind::Community, OrgKind::PioneerWorkCommittee),
            )?;
            Ok(Board { report, by_street, by_sector, series, streets, no_youth_committee, no_pioneer_committee })
        })
    });
    let (board, mut scopes) = tokio::try_join!(board, orgs::visible_committees(app, actor, READ))?;
    let chosen = &board.report.params.scope_org;
    if !scopes.iter().any(|o| o.id == chosen.id) {
        scopes.insert(0, chosen.clone());
    }
    Ok(Arc::new(Dashboard { board, scopes }))
}

/// The social-domain org count of each street in the scope, as of the date and the baseline, from
/// one scan of the scope's orgs grouped by region (a region belongs to the street its path starts
/// with).
async fn social_domain_by_street(
    app: &App,
    p: &Params,
    scope: &Scope,
    streets: &[RegionView],
) -> AppResult<Vec<(RegionView, i64, i64)>> {
    let sql = format!(
        "SELECT r.path, SUM(CASE WHEN {} THEN 1 ELSE 0 END), SUM(CASE WHEN {} THEN 1 ELSE 0 END) \
         FROM orgs o JOIN sectors s ON s.id = o.sector_id JOIN regions r ON r.id = o.region_id \
         WHERE {} AND s.social_domain = TRUE AND o.kind IN ({}) GROUP BY r.path",
        org_exists(p.as_of),
        org_exists(p.baseline),
        scope.sql,
        league_kinds(),
    );
    let backend = app.db.get_database_backend();
    let mut by_path: Vec<(String, i64, i64)> = Vec::new();
    for row in app.db.query_all_raw(statement(backend, &sql, scope.values.clone())).await? {
        by_path.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?, row.try_get_by_index(2)?));
    }
    Ok(streets
        .iter()
        .cloned()
        .map(|street| {
            let inside = by_path.iter().filter(|(path, _, _)| path.starts_with(&street.path));
            let (d, b) = inside.fold((0, 0), |(d, b), (_, x, y)| (d + x, b + y));
            (street, d, b)
        })
        .collect())
}

/// The work list: regions of `level` in the scope without an existing org of `kind` on the as-of date.
async fn uncovered(
    app: &App,
    p: &Params,
    scope: &Scope,
    level: RegionKind,
    kind: OrgKind,
) -> AppResult<Vec<RegionView>> {
    let all = regions::of_kinds(&app.db, &region_kinds(level), scope.region_path()).await?;
    let sql = format!(
        "SELECT DISTINCT o.region_id AS n FROM orgs o WHERE {} AND o.kind = '{}' AND o.region_id IS NOT NULL",
        scope.existing_on(p.as_of),
        kind.code()
    );
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all_raw(statement(backend, &sql, scope.values.clone())).await?;
    let covered: HashSet<i64> = rows.iter().filter_map(|r| r.try_get::<i64>("", "n").ok()).collect();
    Ok(all.into_iter().filter(|r| !covered.contains(&r.id.0)).collect())
}

/// The social-domain org count at the end of each month from the baseline to the as-of date (at
/// most 24 points; quarterly beyond that), for the chart over time.
async fn social_domain_series(app: &App, p: &Params, scope: &Scope) -> AppResult<Vec<(NaiveDate, i64)>> {
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
    let league = league_kinds();
    let columns: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, day)| {
            format!(
                "SUM(CASE WHEN {} AND s.social_domain = TRUE AND o.kind IN ({league}) THEN 1 ELSE 0 END) AS p{i}",
                org_exists(*day)
            )
        })
        .collect();
    let sql =
        format!("SELECT {} FROM orgs o JOIN sectors s ON s.id = o.sector_id WHERE {}", columns.join(", "), scope.sql);
    let backend = app.db.get_database_backend();
    let row = app.db.query_one_raw(statement(backend, &sql, scope.values.clone())).await?;
    let mut out = Vec::with_capacity(points.len());
    for (i, day) in points.into_iter().enumerate() {
        let n = match &row {
            Some(r) => r.try_get::<Option<i64>>("", &format!("p{i}"))?.unwrap_or(0),
            None => 0,
        };
        out.push((day, n));
    }
    Ok(out)
}

/// League organisations existing on the as-of date, per sector (social-domain sectors first).
async fn by_sector(app: &App, p: &Params, scope: &Scope) -> AppResult<Vec<(String, bool, i64)>> {
    let sql = format!(
        "SELECT s.name AS name, s.social_domain AS social, COUNT(*) AS n FROM orgs o JOIN sectors s ON s.id = o.sector_id \
         WHERE {} AND o.kind IN ({}) GROUP BY s.name, s.social_domain ORDER BY s.social_domain DESC, n DESC",
        scope.existing_on(p.as_of),
        league_kinds()
    );
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all_raw(statement(backend, &sql, scope.values.clone())).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<String>("", "name")?, r.try_get::<bool>("", "social")?, r.try_get::<i64>("", "n")?));
    }
    Ok(out)
}
