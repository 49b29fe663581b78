//! Regions (district → streets → communities and villages, plus areas) and the youth population
//! of each region per year. District-wide reference data: changing it needs `orgs.write` over the
//! whole tree.

use qingtuan_domain::ids::RegionId;
use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::permission::Permission;
use qingtuan_domain::region::RegionKind;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{region, youth_population};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::{AppResult, RowProblem};
use crate::{Actor, App, AppError};

const WRITE: Permission = crate::registry::orgs::WRITE;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewRegion {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: String,
}

async fn require_district_wide(app: &App, actor: &Actor) -> AppResult<()> {
    scope::require_everywhere(app, actor, WRITE, (ObjectKind::Org, None)).await
}

/// The region a form's text names: its code, or a name only one region bears.
pub(crate) async fn find_named<C: ConnectionTrait>(conn: &C, text: &str) -> AppResult<Option<region::Model>> {
    let text = text.trim();
    if let Some(found) = region::Entity::find().filter(region::Column::Code.eq(text)).one(conn).await? {
        return Ok(Some(found));
    }
    let mut named = region::Entity::find().filter(region::Column::Name.eq(text)).limit(2).all(conn).await?;
    Ok(if named.len() == 1 { named.pop() } else { None })
}

/// The names of these regions, by id (for a list's region column).
pub(crate) async fn names<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, String>> {
    Ok(region::Entity::find()
        .filter(region::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

pub async fn create(app: &App, actor: &Actor, form: &NewRegion) -> AppResult<RegionId> {
    require_district_wide(app, actor).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(RegionId(id))
}

async fn insert(txn: &crate::db::Write, app: &App, actor: &Actor, form: &NewRegion) -> AppResult<i64> {
    let mut problems = Vec::new();
    let code = form.code.trim();
    if code.is_empty() || code.len() > 40 {
        problems
            .push(FieldError { field: "code", message: "区域代码不能为空，且不超过 40 个字符".into() });
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        problems
            .push(FieldError { field: "name", message: "区域名称不能为空，且不超过 100 个字".into() });
    }
    let kind = RegionKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let parent = if form.parent_code.trim().is_empty() {
        None
    } else {
        let p = find_named(txn, &form.parent_code).await?;
        if p.is_none() {
            problems.push(FieldError { field: "parent_code", message: "上级区域不存在".into() });
        }
        p
    };
    if !code.is_empty() && region::Entity::find().filter(region::Column::Code.eq(code)).one(txn).await?.is_some() {
        problems.push(FieldError { field: "code", message: "区域代码已被使用".into() });
    }
    let Some(kind) = kind.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };

    let now = app.now();
    let created = region::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        kind: Set(kind.code().to_owned()),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        path: Set(String::new()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| AppError::on_unique(e, "code", "区域代码已被使用"))?;
    let path = format!("{}{}/", parent.as_ref().map_or("/", |p| p.path.as_str()), created.id);
    let mut active: region::ActiveModel = created.clone().into();
    active.path = Set(path);
    active.update(txn).await?;
    let after = json!({ "code": code, "name": name, "kind": kind.code(), "parent": form.parent_code.trim() });
    audit::record(
        txn,
        now,
        actor,
        Entry::new(AuditAction::RegionCreated, ObjectKind::Region).object(created.id).after(after),
    )
    .await?;
    Ok(created.id)
}

/// Records (or replaces) the youth population of a region in a year.
pub async fn set_population(
    app: &App,
    actor: &Actor,
    region_code: &str,
    year: i32,
    count: i64,
    source: &str,
) -> AppResult<()> {
    require_district_wide(app, actor).await?;
    let txn = app.begin().await?;
    record_population(&txn, app, actor, region_code, year, count, source).await?;
    txn.commit().await?;
    Ok(())
}

async fn record_population(
    txn: &crate::db::Write,
    app: &App,
    actor: &Actor,
    region_code: &str,
    year: i32,
    count: i64,
    source: &str,
) -> AppResult<()> {
    let found = find_named(txn, region_code).await?.ok_or_else(|| Invalid::one("region_code", "区域不存在"))?;
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
    let existing = youth_population::Entity::find()
        .filter(youth_population::Column::RegionId.eq(found.id))
        .filter(youth_population::Column::Year.eq(year))
        .one(txn)
        .await?;
    let before = existing.as_ref().map(|e| json!({ "count": e.count, "source": e.source }));
    if let Some(e) = existing {
        youth_population::Entity::delete_by_id(e.id).exec(txn).await?;
    }
    youth_population::ActiveModel {
        region_id: Set(found.id),
        year: Set(year),
        count: Set(count),
        source: Set(source.chars().take(200).collect()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut entry = Entry::new(AuditAction::PopulationRecorded, ObjectKind::Region)
        .object(found.id)
        .after(json!({ "year": year, "count": count, "source": source }));
    if let Some(b) = before {
        entry = entry.before(b);
    }
    audit::record(txn, app.now(), actor, entry).await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RegionView {
    pub id: RegionId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub path: String,
}

impl From<region::Model> for RegionView {
    fn from(r: region::Model) -> Self {
        let label = RegionKind::parse(&r.kind).map(RegionKind::label).unwrap_or("未知");
        Self {
            id: RegionId(r.id),
            code: r.code,
            name: r.name,
            kind_label: label.to_owned(),
            kind: r.kind,
            path: r.path,
        }
    }
}

/// The regions of some kinds inside `within` (a region path prefix), by code.
/// The streets, for the portal's filter (reference data anyone may read).
pub async fn streets(app: &App) -> AppResult<Vec<RegionView>> {
    of_kinds(&app.db, &[RegionKind::Street], None).await
}

pub(crate) async fn of_kinds<C: ConnectionTrait>(
    conn: &C,
    kinds: &[RegionKind],
    within: Option<&str>,
) -> AppResult<Vec<RegionView>> {
    let mut q = region::Entity::find().filter(region::Column::Kind.is_in(kinds.iter().map(|k| k.code())));
    if let Some(prefix) = within {
        q = q.filter(region::Column::Path.starts_with(prefix));
    }
    Ok(q.order_by_asc(region::Column::Code).all(conn).await?.into_iter().map(RegionView::from).collect())
}

/// How many regions of these kinds there are (within the subtree at `within`).
pub(crate) async fn count_of_kinds<C: ConnectionTrait>(
    conn: &C,
    kinds: &[RegionKind],
    within: Option<&str>,
) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    let mut q = region::Entity::find().filter(region::Column::Kind.is_in(kinds.iter().map(|k| k.code())));
    if let Some(prefix) = within {
        q = q.filter(region::Column::Path.starts_with(prefix));
    }
    Ok(q.count(conn).await?)
}

/// The youth population of a region on each of `dates`: its own record for the latest year not
/// after the date's year; else the sum over its child regions, each resolved the same way — never
/// a sum over several levels at once. `None` when neither it nor anything below it has a record.
pub(crate) async fn youth_populations<C: ConnectionTrait, const N: usize>(
    conn: &C,
    region: &region::Model,
    dates: [NaiveDate; N],
) -> AppResult<[Option<i64>; N]> {
    use chrono::Datelike;
    let below = region::Entity::find().filter(region::Column::Path.starts_with(&region.path)).all(conn).await?;
    let ids: Vec<i64> = below.iter().map(|r| r.id).collect();
    let last_year = dates.iter().map(Datelike::year).max().unwrap_or(0);
    let mut records: Vec<youth_population::Model> = Vec::new();
    for chunk in ids.chunks(500) {
        records.extend(
            youth_population::Entity::find()
                .filter(youth_population::Column::RegionId.is_in(chunk.iter().copied()))
                .filter(youth_population::Column::Year.lte(last_year))
                .all(conn)
                .await?,
        );
    }
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in &below {
        if let Some(parent) = r.parent_id {
            children.entry(parent).or_default().push(r.id);
        }
    }
    Ok(dates.map(|on| {
        let mut latest: HashMap<i64, (i32, i64)> = HashMap::new();
        for r in records.iter().filter(|r| r.year <= on.year()) {
            let slot = latest.entry(r.region_id).or_insert((r.year, r.count));
            if r.year > slot.0 {
                *slot = (r.year, r.count);
            }
        }
        resolve(region.id, &latest, &children)
    }))
}

/// A region's own latest record, else the sum of its children's (each resolved the same way).
fn resolve(id: i64, latest: &HashMap<i64, (i32, i64)>, children: &HashMap<i64, Vec<i64>>) -> Option<i64> {
    if let Some((_, count)) = latest.get(&id) {
        return Some(*count);
    }
    let parts: Vec<i64> =
        children.get(&id).into_iter().flatten().filter_map(|child| resolve(*child, latest, children)).collect();
    (!parts.is_empty()).then(|| parts.iter().sum())
}

/// A youth population as typed in a spreadsheet row.
#[derive(Debug, Clone, Default)]
pub struct NewPopulation {
    pub region_code: String,
    pub year: String,
    pub count: String,
    pub source: String,
}

pub const REGION_COLUMNS: [(&str, &str); 4] =
    [("code", "区域代码"), ("name", "区域名称"), ("kind", "区域类型"), ("parent_code", "上级区域代码")];
pub const POPULATION_COLUMNS: [(&str, &str); 4] =
    [("region_code", "区域代码"), ("year", "年份"), ("count", "青年人口"), ("source", "数据来源")];

/// Creates regions, all or nothing; a row may name a region of an earlier row as its parent.
pub async fn create_batch(app: &App, actor: &Actor, forms: &[NewRegion], dry_run: bool) -> AppResult<usize> {
    require_district_wide(app, actor).await?;
    let txn = app.begin().await?;
    let mut problems = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        match insert(&txn, app, actor, form).await {
            Ok(_) => {}
            Err(AppError::Invalid(e)) => problems.extend(RowProblem::for_row(i + 1, &REGION_COLUMNS, e.0)),
            Err(other) => return Err(other),
        }
    }
    crate::batch::finish(txn, problems, forms.len(), dry_run).await
}

/// Records youth populations, all or nothing.
pub async fn set_populations(app: &App, actor: &Actor, forms: &[NewPopulation], dry_run: bool) -> AppResult<usize> {
    require_district_wide(app, actor).await?;
    let txn = app.begin().await?;
    let mut problems = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        let row = i + 1;
        let year = form.year.trim().parse::<i32>();
        let count = form.count.trim().parse::<i64>();
        match (year, count) {
            (Ok(year), Ok(count)) => {
                match record_population(&txn, app, actor, &form.region_code, year, count, &form.source).await {
                    Ok(()) => {}
                    Err(AppError::Invalid(e)) => problems.extend(RowProblem::for_row(row, &POPULATION_COLUMNS, e.0)),
                    Err(other) => return Err(other),
                }
            }
            (year, count) => {
                if year.is_err() {
                    problems.push(RowProblem::new(row, &POPULATION_COLUMNS, "year", "年份应为四位数字"));
                }
                if count.is_err() {
                    problems.push(RowProblem::new(row, &POPULATION_COLUMNS, "count", "青年人口应为整数"));
                }
            }
        }
    }
    crate::batch::finish(txn, problems, forms.len(), dry_run).await
}

/// A region in the list, with its youth population by year (newest first).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub kind_label: String,
    pub parent_name: String,
    /// (year, count, source)
    pub populations: Vec<(i32, i64, String)>,
}

/// The list's filter: a name or code, a kind, the page.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub q: String,
    pub kind: String,
    pub page: Option<u64>,
}

fn filtered(filter: &Filter) -> sea_orm::Select<region::Entity> {
    let mut q = region::Entity::find();
    let text = filter.q.trim();
    if !text.is_empty() {
        q = q.filter(
            sea_orm::Condition::any()
                .add(region::Column::Name.contains(text))
                .add(region::Column::Code.starts_with(text)),
        );
    }
    if !filter.kind.is_empty() {
        q = q.filter(region::Column::Kind.eq(filter.kind.clone()));
    }
    q.order_by_asc(region::Column::Path)
}

async fn rows(app: &App, regions: Vec<region::Model>) -> AppResult<Vec<RegionRow>> {
    let ids: Vec<i64> = regions.iter().map(|r| r.id).collect();
    let parents: Vec<i64> = regions.iter().filter_map(|r| r.parent_id).collect();
    let mut names = HashMap::new();
    for chunk in parents.chunks(500) {
        for p in region::Entity::find().filter(region::Column::Id.is_in(chunk.to_vec())).all(&app.db).await? {
            names.insert(p.id, p.name);
        }
    }
    let mut pops: HashMap<i64, Vec<(i32, i64, String)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found = youth_population::Entity::find()
            .filter(youth_population::Column::RegionId.is_in(chunk.to_vec()))
            .order_by_desc(youth_population::Column::Year)
            .all(&app.db)
            .await?;
        for y in found {
            pops.entry(y.region_id).or_default().push((y.year, y.count, y.source));
        }
    }
    Ok(regions
        .into_iter()
        .map(|r| RegionRow {
            kind_label: RegionKind::parse(&r.kind).map(RegionKind::label).unwrap_or("未知").to_owned(),
            parent_name: r.parent_id.and_then(|p| names.get(&p).cloned()).unwrap_or_default(),
            populations: pops.remove(&r.id).unwrap_or_default(),
            code: r.code,
            name: r.name,
        })
        .collect())
}

/// Regions are district-wide reference data: anyone who may read orgs may read them.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<crate::page::Page<RegionRow>> {
    scope::require_somewhere(app, actor, crate::registry::orgs::READ).await?;
    let mut found = crate::page::fetch(&app.db, filtered(filter), filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The filtered list as a workbook (cells as text); audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    let export = crate::registry::orgs::EXPORT;
    scope::require_somewhere(app, actor, export).await?;
    let all = rows(app, crate::export::rows_of(&app.db, filtered(filter)).await?).await?;
    let cells = all
        .iter()
        .map(|r| {
            let pop = r.populations.first();
            vec![
                r.code.clone(),
                r.name.clone(),
                r.kind_label.clone(),
                r.parent_name.clone(),
                pop.map(|p| p.0.to_string()).unwrap_or_default(),
                pop.map(|p| p.1.to_string()).unwrap_or_default(),
                pop.map(|p| p.2.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["区域代码", "名称", "类型", "上级区域", "最新人口年份", "青年人口", "数据来源"];
    let what = crate::export::Exported::of(ObjectKind::Region, json!({ "filter": format!("{filter:?}") }));
    crate::export::audited(app, actor, what, "区域", &header, cells).await
}

/// May the actor change regions and populations (district-wide writers)?
pub async fn can_edit(app: &App, actor: &Actor) -> AppResult<bool> {
    scope::covers_everything(&app.db, actor, WRITE).await
}

impl crate::batch::Importable for NewRegion {
    const COLUMNS: &'static [(&'static str, &'static str)] = &REGION_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["code", "name", "kind"];
    const EXAMPLE: &'static [&'static str] = &["CY01-23", "示例社区", "社区", "CY01"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        (field == "kind").then(|| RegionKind::ALL.iter().map(|k| k.label()).collect())
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self { code: cell("code"), name: cell("name"), kind: cell("kind"), parent_code: cell("parent_code") }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        _progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        create_batch(app, actor, rows, dry_run).await
    }
}

impl crate::batch::Importable for NewPopulation {
    const COLUMNS: &'static [(&'static str, &'static str)] = &POPULATION_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["region_code", "year", "count", "source"];
    const EXAMPLE: &'static [&'static str] = &["CY01", "2022", "74300", "区统计局年度人口抽样"];

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self { region_code: cell("region_code"), year: cell("year"), count: cell("count"), source: cell("source") }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        _progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        set_populations(app, actor, rows, dry_run).await
    }
}
