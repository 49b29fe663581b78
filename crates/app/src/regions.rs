//! Regions (district → streets → communities and villages, plus areas) and the youth population
//! of each region per year. District-wide reference data: changing it needs `orgs.write` over the
//! whole tree.

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::region::RegionKind;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{region, youth_population};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde_json::json;

use crate::audit::{self, Entry};
use crate::error::AppResult;
use crate::{Actor, App, AppError, scope};

const WRITE: Permission = Permission::new(Module::Orgs, Action::Write);

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewRegion {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: String,
}

async fn require_district_wide(app: &App, actor: &Actor) -> AppResult<()> {
    if scope::covers_everything(&app.db, actor, WRITE).await? {
        Ok(())
    } else {
        scope::deny(app, actor, WRITE, ObjectKind::Org, None, AppError::Forbidden).await
    }
}

pub async fn find_by_code<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<Option<region::Model>> {
    Ok(region::Entity::find().filter(region::Column::Code.eq(code.trim())).one(conn).await?)
}

pub async fn create(app: &App, actor: &Actor, form: &NewRegion) -> AppResult<i64> {
    require_district_wide(app, actor).await?;
    let mut problems = Vec::new();
    let code = form.code.trim();
    if code.is_empty() || code.len() > 40 {
        problems.push(FieldError { field: "code", message: "区域代码不能为空，且不超过 40 个字符".into() });
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(FieldError { field: "name", message: "区域名称不能为空，且不超过 100 个字".into() });
    }
    let kind = RegionKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let parent = if form.parent_code.trim().is_empty() {
        None
    } else {
        let p = find_by_code(&app.db, &form.parent_code).await?;
        if p.is_none() {
            problems.push(FieldError { field: "parent_code", message: "上级区域不存在".into() });
        }
        p
    };
    let Some(kind) = kind.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };

    let now = app.now();
    let txn = app.db.begin().await?;
    let created = region::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        kind: Set(kind.code().to_owned()),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        path: Set(String::new()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "code", "区域代码已被使用"))?;
    let path = format!("{}{}/", parent.as_ref().map_or("/", |p| p.path.as_str()), created.id);
    let mut active: region::ActiveModel = created.clone().into();
    active.path = Set(path);
    active.update(&txn).await?;
    let after = json!({ "code": code, "name": name, "kind": kind.code(), "parent": form.parent_code.trim() });
    audit::record(&txn, now, actor, Entry::new(AuditAction::RegionCreated, ObjectKind::Region).object(created.id).after(after)).await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Records (or replaces) the youth population of a region in a year.
pub async fn set_population(app: &App, actor: &Actor, region_code: &str, year: i32, count: i64, source: &str) -> AppResult<()> {
    require_district_wide(app, actor).await?;
    let found = find_by_code(&app.db, region_code).await?.ok_or_else(|| Invalid::one("region_code", "区域不存在"))?;
    if !(1949..=2100).contains(&year) {
        return Err(Invalid::one("year", "年份无效").into());
    }
    if count < 0 {
        return Err(Invalid::one("count", "青年人口不能为负数").into());
    }
    let source = source.trim();
    if source.is_empty() {
        return Err(Invalid::one("source", "请注明数据来源").into());
    }
    let txn = app.db.begin().await?;
    let existing = youth_population::Entity::find()
        .filter(youth_population::Column::RegionId.eq(found.id))
        .filter(youth_population::Column::Year.eq(year))
        .one(&txn)
        .await?;
    let before = existing.as_ref().map(|e| json!({ "count": e.count, "source": e.source }));
    if let Some(e) = existing {
        youth_population::Entity::delete_by_id(e.id).exec(&txn).await?;
    }
    youth_population::ActiveModel {
        region_id: Set(found.id),
        year: Set(year),
        count: Set(count),
        source: Set(source.chars().take(200).collect()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut entry = Entry::new(AuditAction::PopulationRecorded, ObjectKind::Region)
        .object(found.id)
        .after(json!({ "year": year, "count": count, "source": source }));
    if let Some(b) = before {
        entry = entry.before(b);
    }
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RegionView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub path: String,
}

impl From<region::Model> for RegionView {
    fn from(r: region::Model) -> Self {
        let label = RegionKind::parse(&r.kind).map(RegionKind::label).unwrap_or("未知");
        Self { id: r.id, code: r.code, name: r.name, kind_label: label.to_owned(), kind: r.kind, path: r.path }
    }
}

/// The regions of some kinds inside `within` (a region path prefix), by code.
pub async fn of_kinds<C: ConnectionTrait>(conn: &C, kinds: &[RegionKind], within: Option<&str>) -> AppResult<Vec<RegionView>> {
    let mut q = region::Entity::find().filter(region::Column::Kind.is_in(kinds.iter().map(|k| k.code())));
    if let Some(prefix) = within {
        q = q.filter(region::Column::Path.starts_with(prefix));
    }
    Ok(q.order_by_asc(region::Column::Code).all(conn).await?.into_iter().map(RegionView::from).collect())
}

/// The youth population of the region at `path`: its own record for the latest year not after
/// `on`'s year, or else the sum of its descendants' records.
pub async fn youth_population<C: ConnectionTrait>(conn: &C, region_id: Option<i64>, path: Option<&str>, on: NaiveDate) -> AppResult<i64> {
    use chrono::Datelike;
    let year = on.year();
    let rows = match path {
        Some(prefix) => {
            let ids: Vec<i64> = region::Entity::find()
                .filter(region::Column::Path.starts_with(prefix))
                .all(conn)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect();
            youth_population::Entity::find()
                .filter(youth_population::Column::RegionId.is_in(ids))
                .filter(youth_population::Column::Year.lte(year))
                .all(conn)
                .await?
        }
        None => youth_population::Entity::find().filter(youth_population::Column::Year.lte(year)).all(conn).await?,
    };
    // Per region, the latest year; then the scope's own record if it has one.
    let mut latest: std::collections::HashMap<i64, &youth_population::Model> = std::collections::HashMap::new();
    for r in &rows {
        let slot = latest.entry(r.region_id).or_insert(r);
        if r.year > slot.year {
            *slot = r;
        }
    }
    if let Some(own) = region_id.and_then(|id| latest.get(&id)) {
        return Ok(own.count);
    }
    Ok(latest.values().map(|r| r.count).sum())
}
