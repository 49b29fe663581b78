//! Projects (brand projects among them) with their own indicators and the values recorded over time.

use super::*;
use qingtuan_domain::ids::{ProjectId, ProjectIndicatorId, VenueId};

#[derive(Debug, Clone, Default)]
pub struct NewProject {
    pub org_code: String,
    pub name: String,
    pub category: String,
    pub brand: bool,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub partners: String,
    /// (name, unit) of each indicator.
    pub indicators: Vec<(String, String)>,
    /// The venue it runs in.
    pub venue_id: Option<VenueId>,
}

/// Creates a project with its indicators; returns the project's id and the indicators' ids.
pub async fn create_project(
    app: &App,
    actor: &Actor,
    form: &NewProject,
) -> AppResult<(ProjectId, Vec<ProjectIndicatorId>)> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let name = required_text(&form.name, "name", "项目名称", 100)?;
    let category = Category::parse(&form.category)?;
    let starts_on = form.starts_on.ok_or_else(|| Invalid::one("starts_on", "请填写项目开始日期"))?;
    if form.ends_on.is_some_and(|e| e < starts_on) {
        return Err(Invalid::one("ends_on", "结束日期不能早于开始日期").into());
    }
    if let Some(v) = form.venue_id
        && qingtuan_entity::venue::Entity::find_by_id(v.0).count(&app.db).await? == 0
    {
        return Err(Invalid::one("venue_id", "所选阵地不存在").into());
    }
    let mut indicators = Vec::new();
    for (n, u) in form.indicators.iter().filter(|(n, _)| !n.trim().is_empty()) {
        indicators
            .push((required_text(n, "indicators", "指标名称", 100)?, required_text(u, "indicators", "指标单位", 20)?));
    }
    let txn = app.begin().await?;
    let row = project::ActiveModel {
        org_id: Set(org.get().0),
        name: Set(name.clone()),
        category: Set(category.code().into()),
        brand: Set(form.brand),
        starts_on: Set(starts_on),
        ends_on: Set(form.ends_on),
        partners: Set(form.partners.trim().chars().take(500).collect()),
        venue_id: Set(form.venue_id.map(|id| id.0)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut ids = Vec::with_capacity(indicators.len());
    for (n, u) in &indicators {
        let i = project_indicator::ActiveModel {
            project_id: Set(row.id),
            name: Set(n.clone()),
            unit: Set(u.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ids.push(ProjectIndicatorId(i.id));
    }
    let entry = Entry::new(AuditAction::ProjectCreated, ObjectKind::Org)
        .within(&org)
        .after(json!({ "project": row.id, "name": name, "category": category.code(), "indicators": indicators }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok((ProjectId(row.id), ids))
}

/// Adds an indicator to a project.
pub async fn add_indicator(
    app: &App,
    actor: &Actor,
    ProjectId(project_id): ProjectId,
    name: &str,
    unit: &str,
) -> AppResult<ProjectIndicatorId> {
    let p = project::Entity::find_by_id(project_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Org, p.org_id.to_string()), OrgId(p.org_id)).await?;
    let (name, unit) = (required_text(name, "name", "指标名称", 100)?, required_text(unit, "unit", "指标单位", 20)?);
    let txn = app.begin().await?;
    let row = project_indicator::ActiveModel {
        project_id: Set(project_id),
        name: Set(name.clone()),
        unit: Set(unit.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::IndicatorRecorded, ObjectKind::Org)
        .within(&proof)
        .after(json!({ "project": p.id, "new_indicator": name, "unit": unit }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(ProjectIndicatorId(row.id))
}

/// Records the value a project indicator reached on a date.
pub async fn record_indicator_value(
    app: &App,
    actor: &Actor,
    ProjectIndicatorId(indicator_id): ProjectIndicatorId,
    on_date: NaiveDate,
    value: f64,
    note: &str,
) -> AppResult<()> {
    let ind = project_indicator::Entity::find_by_id(indicator_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let p = project::Entity::find_by_id(ind.project_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Org, p.org_id.to_string()), OrgId(p.org_id)).await?;
    if !value.is_finite() || value < 0.0 {
        return Err(Invalid::one("value", "指标值应为不小于 0 的数").into());
    }
    let txn = app.begin().await?;
    indicator_value::ActiveModel {
        indicator_id: Set(indicator_id),
        on_date: Set(on_date),
        value: Set(value),
        note: Set(note.trim().chars().take(200).collect()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::IndicatorRecorded, ObjectKind::Org)
        .within(&proof)
        .after(json!({ "project": p.id, "indicator": ind.name, "on_date": on_date, "value": value, "unit": ind.unit }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A project with its indicators' latest values, as the projects page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectView {
    pub id: ProjectId,
    pub name: String,
    pub org_name: String,
    pub category: String,
    pub brand: bool,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub partners: String,
    /// The venue it runs in.
    pub venue: String,
    pub indicators: Vec<IndicatorView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct IndicatorView {
    pub id: ProjectIndicatorId,
    pub name: String,
    pub unit: String,
    /// The latest value recorded, and its date.
    pub latest: Option<(String, NaiveDate)>,
}

/// Projects in the actor's scope, newest first (at most 200), each with its indicators.
pub async fn projects(app: &App, actor: &Actor) -> AppResult<Vec<ProjectView>> {
    scope::require_somewhere(app, actor, READ).await?;
    let rows = project::Entity::find()
        .filter(scope::org_condition(actor, READ, project::Column::OrgId))
        .order_by_desc(project::Column::StartsOn)
        .limit(200)
        .all(&app.db)
        .await?;
    let names = crate::tree::names(&app.db, rows.iter().map(|p| p.org_id).collect()).await?;
    let venues: std::collections::HashMap<i64, String> = qingtuan_entity::venue::Entity::find()
        .filter(qingtuan_entity::venue::Column::Id.is_in(rows.iter().filter_map(|p| p.venue_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.name))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let inds = project_indicator::Entity::find()
            .filter(project_indicator::Column::ProjectId.eq(p.id))
            .order_by_asc(project_indicator::Column::Id)
            .all(&app.db)
            .await?;
        let mut indicators = Vec::with_capacity(inds.len());
        for i in inds {
            let latest = indicator_value::Entity::find()
                .filter(indicator_value::Column::IndicatorId.eq(i.id))
                .order_by_desc(indicator_value::Column::OnDate)
                .order_by_desc(indicator_value::Column::Id)
                .one(&app.db)
                .await?
                .map(|v| (number(v.value), v.on_date));
            indicators.push(IndicatorView { id: ProjectIndicatorId(i.id), name: i.name, unit: i.unit, latest });
        }
        out.push(ProjectView {
            id: ProjectId(p.id),
            org_name: names.get(&p.org_id).cloned().unwrap_or_default(),
            category: label(&p.category, Category::parse, Category::label),
            brand: p.brand,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            partners: p.partners,
            venue: p.venue_id.and_then(|v| venues.get(&v).cloned()).unwrap_or_default(),
            indicators,
            name: p.name,
        });
    }
    Ok(out)
}
