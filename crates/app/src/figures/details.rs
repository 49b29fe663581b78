//! What a report shows beside the catalogue's figures: activities by category and by audience over
//! the period, and the projects' own indicators.

use std::collections::HashMap;

use qingtuan_domain::activity::{Audience, Category};
use sea_orm::ConnectionTrait;

use super::Params;
use super::sql::{Scope, statement};
use crate::error::AppResult;

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
        value.map(|v| format!("{} {}", crate::forms::number(v), self.unit)).unwrap_or_else(|| "—".into())
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Details {
    pub by_category: Vec<Breakdown>,
    pub by_audience: Vec<Breakdown>,
    pub projects: Vec<ProjectFigure>,
}

pub(super) async fn of<C: ConnectionTrait>(conn: &C, p: &Params, scope: &Scope) -> AppResult<Details> {
    let from = p.period_start();
    let backend = conn.get_database_backend();
    let mut grouped: [HashMap<String, (i64, i64)>; 2] = Default::default();
    for (i, column) in ["category", "audience"].into_iter().enumerate() {
        let sql = format!(
            "SELECT a.{column}, COUNT(*), CAST(COALESCE(SUM(CASE WHEN s.attended THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM activity_signups s JOIN activities a ON a.id = s.activity_id JOIN orgs o ON o.id = a.org_id \
             WHERE {} AND s.status <> 'cancelled' AND a.on_date >= '{from}' AND a.on_date <= '{}' \
             GROUP BY a.{column}",
            scope.sql, p.as_of
        );
        for row in conn.query_all_raw(statement(backend, &sql, scope.values.clone())).await? {
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
         WHERE {} AND pr.starts_on <= '{}' ORDER BY pr.brand DESC, pr.id, i.id",
        p.as_of, p.baseline, scope.sql, p.as_of
    );
    let mut projects = Vec::new();
    for r in conn.query_all_raw(statement(backend, &sql, scope.values.clone())).await? {
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
