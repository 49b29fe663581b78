//! Mutual inspections (互检观摩) and rectification (整改): an inspection of an org on a date, by its
//! visitors, with a checklist of scored items; each finding may raise a rectification item for
//! the org or one below it, with a deadline; the owner closes it with its evidence. Open items
//! past their deadline are the owner's and the district's work list. Photos taken at the
//! inspection are kept with it.
//!
//! The host's staff record the inspection and raise its items (`accountability.write` over the
//! host); the owner's staff close an item (write over the owner); reading follows the host (an
//! inspection) and the owner (an item).

use chrono::NaiveDate;
use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{InspectionId, InspectionPhotoId, OrgId, RectificationId};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{inspection, inspection_item, inspection_photo, rectification};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::Upload;
use crate::forms::{parse_date, required_date};
use crate::page::Page;
use crate::{Actor, App, AppError};

/// An inspection as typed: the checklist one item a line, `项目名称 得分/满分`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewInspection {
    pub org_code: String,
    pub held_on: String,
    pub title: String,
    pub visitors: String,
    pub items: String,
}

/// One checklist line: `三会两制一课 18/20` → (item, score, maximum).
fn checklist_line(line: &str) -> Option<(String, i32, i32)> {
    let typed: String = line.trim().chars().map(qingtuan_domain::person::half_width).collect();
    let (item, scores) = typed.trim().rsplit_once(char::is_whitespace)?;
    let (score, max) = scores.split_once('/')?;
    let (score, max): (i32, i32) = (score.trim().parse().ok()?, max.trim().parse().ok()?);
    let item = item.trim();
    let fits =
        !item.is_empty() && item.chars().count() <= 200 && (1..=1000).contains(&max) && (0..=max).contains(&score);
    fits.then(|| (item.to_owned(), score, max))
}

fn field(field: &'static str, message: String) -> FieldError {
    FieldError::new(field, message)
}

/// The most items a checklist may hold.
const MAX_ITEMS: usize = 50;

/// Records an inspection with its checklist (write over the host).
pub async fn record_inspection(app: &App, actor: &Actor, form: &NewInspection) -> AppResult<InspectionId> {
    let host = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let org = qingtuan_entity::org::Entity::find_by_id(host.get().0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut problems = Vec::new();
    let held_on = match required_date("held_on", &form.held_on, "检查日期", local_date(app.now())) {
        Ok(d) if org.founded_on > d || org.dissolved_on.is_some_and(|x| x <= d) => {
            problems.push(field("held_on", format!("{}在检查日期不存在", org.name)));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let title = match form.title.trim() {
        "" => "互检观摩".to_owned(),
        t if t.chars().count() > 200 => {
            problems.push(field("title", "标题不超过 200 个字".into()));
            String::new()
        }
        t => t.to_owned(),
    };
    if form.visitors.trim().chars().count() > 500 {
        problems.push(field("visitors", "检查组不超过 500 个字".into()));
    }
    let mut items = Vec::new();
    for (n, line) in form.items.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match checklist_line(line) {
            Some(item) => items.push(item),
            None => problems.push(field(
                "items",
                format!("检查项目第 {} 行应写成“项目名称 得分/满分”（得分不超过满分），如“三会两制一课 18/20”", n + 1),
            )),
        }
    }
    if items.is_empty() && problems.iter().all(|p| p.field != "items") {
        problems.push(field("items", "请至少填写一个检查项目".into()));
    }
    if items.len() > MAX_ITEMS {
        problems.push(field("items", format!("检查项目不超过 {MAX_ITEMS} 项")));
    }
    let Some(held_on) = held_on.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let txn = app.begin().await?;
    let row = inspection::ActiveModel {
        org_id: Set(org.id),
        held_on: Set(held_on),
        title: Set(title.clone()),
        visitors: Set(form.visitors.trim().to_owned()),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (item, score, max) in &items {
        inspection_item::ActiveModel {
            inspection_id: Set(row.id),
            item: Set(item.clone()),
            score: Set(*score),
            max_score: Set(*max),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let entry = Entry::new(AuditAction::InspectionRecorded, ObjectKind::Inspection).object(row.id).within(&host).after(
        json!({ "org": org.code, "held_on": held_on, "title": title, "visitors": form.visitors.trim(), "items": items }),
    );
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(InspectionId(row.id))
}

/// A rectification item as typed: the owner (empty: the inspected org), the finding, the deadline.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewRectification {
    pub org_code: String,
    pub finding: String,
    pub due_on: String,
}

/// Raises a rectification item from an inspection's finding (write over the inspected org); the
/// owner is the inspected org or one below it.
pub async fn raise(app: &App, actor: &Actor, id: InspectionId, form: &NewRectification) -> AppResult<RectificationId> {
    let i = inspection::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let host = scope::require(app, actor, WRITE, (ObjectKind::Inspection, id.to_string()), OrgId(i.org_id)).await?;
    let owner = match form.org_code.trim() {
        "" => i.org_id,
        code => {
            let found = scope::org_named(&app.db, actor, WRITE, "org_code", code).await?;
            if !crate::tree::is_below_or_at(&app.db, OrgId(found.id), OrgId(i.org_id)).await? {
                return Err(Invalid::one("org_code", "整改责任单位应是被检查组织或其下级组织").into());
            }
            found.id
        }
    };
    let mut problems = Vec::new();
    let finding = form.finding.trim();
    if finding.is_empty() || finding.chars().count() > 500 {
        problems.push(field("finding", "请填写发现的问题，不超过 500 个字".into()));
    }
    let due_on = match parse_date("due_on", &form.due_on) {
        Ok(Some(d)) if d < i.held_on => {
            problems.push(field("due_on", format!("整改期限不能早于检查日期 {}", i.held_on)));
            None
        }
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(field("due_on", "请填写整改期限".into()));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let Some(due_on) = due_on.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let txn = app.begin().await?;
    let row = rectification::ActiveModel {
        inspection_id: Set(i.id),
        org_id: Set(owner),
        finding: Set(finding.to_owned()),
        raised_on: Set(i.held_on),
        due_on: Set(due_on),
        closed_on: Set(None),
        evidence: Set(String::new()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::RectificationRaised, ObjectKind::Rectification)
        .object(row.id)
        .within(&host)
        .after(json!({ "inspection": i.id, "owner": owner, "finding": finding, "due_on": due_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    crate::messages::rectifications::raised(&txn, app, row.id, owner, finding, due_on).await?;
    txn.commit().await?;
    Ok(RectificationId(row.id))
}

/// Closes a rectification item with its evidence (write over the owner); returns its inspection.
pub async fn close(
    app: &App,
    actor: &Actor,
    id: RectificationId,
    closed_on: &str,
    evidence: &str,
) -> AppResult<InspectionId> {
    let r = rectification::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let owner = scope::require(app, actor, WRITE, (ObjectKind::Rectification, id.to_string()), OrgId(r.org_id)).await?;
    if let Some(on) = r.closed_on {
        return Err(Invalid::one("closed_on", format!("该整改事项已于 {on} 完成")).into());
    }
    let mut problems = Vec::new();
    let evidence = evidence.trim();
    if evidence.is_empty() || evidence.chars().count() > 500 {
        problems.push(field("evidence", "请填写整改情况（佐证），不超过 500 个字".into()));
    }
    let closed_on = match parse_date("closed_on", closed_on) {
        Ok(Some(d)) if d < r.raised_on || d > local_date(app.now()) => {
            problems.push(field("closed_on", format!("完成日期应在 {} 到今天之间", r.raised_on)));
            None
        }
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(field("closed_on", "请填写完成日期".into()));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let Some(closed_on) = closed_on.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let txn = app.begin().await?;
    // Closed once: of two closings at the same time, the second changes nothing.
    let closed = rectification::Entity::update_many()
        .col_expr(rectification::Column::ClosedOn, Expr::value(closed_on))
        .col_expr(rectification::Column::Evidence, Expr::value(evidence))
        .filter(rectification::Column::Id.eq(r.id))
        .filter(rectification::Column::ClosedOn.is_null())
        .exec(&txn)
        .await?;
    if closed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("closed_on", "该整改事项已经完成").into());
    }
    let entry = Entry::new(AuditAction::RectificationClosed, ObjectKind::Rectification)
        .object(r.id)
        .within(&owner)
        .after(json!({ "finding": r.finding, "closed_on": closed_on, "evidence": evidence }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(InspectionId(r.inspection_id))
}

/// The most photos an inspection keeps.
const MAX_PHOTOS: u64 = 20;

/// Adds a photo (PNG or JPEG, by content, at most 8 MB) to an inspection (write over the host).
pub async fn add_photo(app: &App, actor: &Actor, id: InspectionId, file_name: &str, bytes: Vec<u8>) -> AppResult<()> {
    let i = inspection::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let host = scope::require(app, actor, WRITE, (ObjectKind::Inspection, id.to_string()), OrgId(i.org_id)).await?;
    let doc = Upload::check(bytes, "照片", &[DocumentType::Png, DocumentType::Jpeg], file_name, "照片")?;
    let mut facts = doc.facts();
    let txn = app.begin().await?;
    // Counted with the inspection's row taken, so uploads at the same time cannot pass the limit.
    txn.take::<inspection::Entity>(inspection::Column::Id, Condition::all().add(inspection::Column::Id.eq(i.id)))
        .await?;
    let kept =
        inspection_photo::Entity::find().filter(inspection_photo::Column::InspectionId.eq(i.id)).count(&txn).await?;
    if kept >= MAX_PHOTOS {
        txn.rollback().await?;
        return Err(Invalid::one("document", format!("每次互检观摩最多保存 {MAX_PHOTOS} 张照片")).into());
    }
    let row = inspection_photo::ActiveModel {
        inspection_id: Set(i.id),
        file_name: Set(doc.name.clone()),
        content_type: Set(doc.content_type()),
        sha256: Set(doc.sha256.clone()),
        bytes: Set(doc.bytes),
        uploaded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    facts["photo"] = json!(row.id);
    let entry =
        Entry::new(AuditAction::InspectionPhotoAdded, ObjectKind::Inspection).object(i.id).within(&host).after(facts);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// An inspection's photo (read over the host; 404 outside).
pub async fn photo(
    app: &App,
    actor: &Actor,
    InspectionPhotoId(id): InspectionPhotoId,
) -> AppResult<crate::export::Document> {
    let p = inspection_photo::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let i = inspection::Entity::find_by_id(p.inspection_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Inspection, i.id.to_string()), OrgId(i.org_id)).await?;
    let kind = DocumentType::sniff(&p.bytes).filter(|k| *k != DocumentType::Pdf).ok_or(AppError::NotFound)?;
    Ok(crate::export::Document { file_name: p.file_name, content_type: kind.content_type(), bytes: p.bytes })
}

/// An inspection as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InspectionRow {
    pub id: InspectionId,
    pub org_name: String,
    pub held_on: NaiveDate,
    pub title: String,
    pub visitors: String,
    pub score: i64,
    pub max_score: i64,
    /// Its rectification items open on the date work is judged on.
    pub open: usize,
}

/// The inspections list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct InspectionFilter {
    pub year: String,
    /// An org (code or name): its inspections and those of the orgs below it.
    pub org: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The inspections of orgs in the actor's scope, newest first, paged.
pub async fn inspections(app: &App, actor: &Actor, filter: &InspectionFilter) -> AppResult<Page<InspectionRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = inspection::Entity::find().filter(scope::org_condition(actor, READ, inspection::Column::OrgId));
    if !filter.year.trim().is_empty() {
        let year: i32 = filter.year.trim().parse().map_err(|_| Invalid::one("year", "年度应为四位数字"))?;
        let (from, to) = qingtuan_domain::accountability::year_span(year).ok_or(Invalid::one("year", "年度无效"))?;
        q = q.filter(inspection::Column::HeldOn.between(from, to));
    }
    if !filter.org.trim().is_empty() {
        q = q.filter(inspection::Column::OrgId.in_subquery(scope::subtree(app, actor, READ, &filter.org).await?));
    }
    let q = q.order_by_desc(inspection::Column::HeldOn).order_by_desc(inspection::Column::Id);
    let mut found = crate::page::fetch(&app.db, q, filter.page).await?;
    let items = inspection_rows(app, std::mem::take(&mut found.items), super::measured_on(app).await?).await?;
    Ok(found.with(items))
}

async fn inspection_rows(app: &App, rows: Vec<inspection::Model>, today: NaiveDate) -> AppResult<Vec<InspectionRow>> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let names = crate::tree::names(&app.db, rows.iter().map(|i| i.org_id).collect()).await?;
    let items = inspection_item::Entity::find()
        .filter(inspection_item::Column::InspectionId.is_in(ids.clone()))
        .all(&app.db)
        .await?;
    let open: Vec<rectification::Model> = rectification::Entity::find()
        .filter(rectification::Column::InspectionId.is_in(ids))
        .all(&app.db)
        .await?
        .into_iter()
        .filter(|r| r.raised_on <= today && r.closed_on.is_none_or(|c| c > today))
        .collect();
    Ok(rows
        .into_iter()
        .map(|i| {
            let mine = items.iter().filter(|x| x.inspection_id == i.id);
            InspectionRow {
                id: InspectionId(i.id),
                org_name: names.get(&i.org_id).cloned().unwrap_or_default(),
                held_on: i.held_on,
                score: mine.clone().map(|x| i64::from(x.score)).sum(),
                max_score: mine.map(|x| i64::from(x.max_score)).sum(),
                open: open.iter().filter(|r| r.inspection_id == i.id).count(),
                title: i.title,
                visitors: i.visitors,
            }
        })
        .collect())
}

/// Where a rectification item stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RectificationState {
    Open,
    Overdue,
    Closed,
}

impl RectificationState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "整改中",
            Self::Overdue => "逾期未完成",
            Self::Closed => "已完成",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Overdue => "overdue",
            Self::Closed => "closed",
        }
    }
}

/// A rectification item as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RectificationRow {
    pub id: RectificationId,
    pub inspection: InspectionId,
    pub org_name: String,
    pub finding: String,
    pub raised_on: NaiveDate,
    pub due_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub evidence: String,
    pub state: RectificationState,
    /// The viewer may close it (write over the owner) and it is not closed.
    pub can_close: bool,
}

/// The rectification list's filter: state (`open` counts the overdue too), the owner's code.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RectificationFilter {
    pub state: String,
    pub org: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The rectification items of orgs in the actor's scope — the work list with `state=overdue` —
/// earliest deadline first, paged; with the date states are judged on.
pub async fn rectifications(
    app: &App,
    actor: &Actor,
    filter: &RectificationFilter,
) -> AppResult<(Page<RectificationRow>, NaiveDate)> {
    scope::require_somewhere(app, actor, READ).await?;
    let today = super::measured_on(app).await?;
    let mut q = rectification::Entity::find().filter(scope::org_condition(actor, READ, rectification::Column::OrgId));
    let open =
        Condition::any().add(rectification::Column::ClosedOn.is_null()).add(rectification::Column::ClosedOn.gt(today));
    q = match filter.state.as_str() {
        "" => q,
        "open" => q.filter(open),
        "overdue" => q.filter(open).filter(rectification::Column::DueOn.lt(today)),
        "closed" => q.filter(rectification::Column::ClosedOn.lte(today)),
        _ => return Err(Invalid::one("state", "状态只能是整改中、逾期未完成或已完成").into()),
    };
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, READ, &filter.org).await?;
        q = q.filter(rectification::Column::OrgId.in_subquery(below));
    }
    let q = q.order_by_asc(rectification::Column::DueOn).order_by_asc(rectification::Column::Id);
    let mut found = crate::page::fetch(&app.db, q, filter.page).await?;
    let items = rectification_rows(app, actor, std::mem::take(&mut found.items), today).await?;
    Ok((found.with(items), today))
}

async fn rectification_rows(
    app: &App,
    actor: &Actor,
    rows: Vec<rectification::Model>,
    today: NaiveDate,
) -> AppResult<Vec<RectificationRow>> {
    let names = crate::tree::names(&app.db, rows.iter().map(|r| r.org_id).collect()).await?;
    let mut writable = std::collections::HashSet::new();
    for org in names.keys() {
        if scope::covers(&app.db, actor, WRITE, OrgId(*org)).await? {
            writable.insert(*org);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| RectificationRow {
            id: RectificationId(r.id),
            inspection: InspectionId(r.inspection_id),
            org_name: names.get(&r.org_id).cloned().unwrap_or_default(),
            can_close: r.closed_on.is_none() && writable.contains(&r.org_id),
            state: match r.closed_on {
                Some(on) if on <= today => RectificationState::Closed,
                _ if r.due_on < today => RectificationState::Overdue,
                _ => RectificationState::Open,
            },
            finding: r.finding,
            raised_on: r.raised_on,
            due_on: r.due_on,
            closed_on: r.closed_on,
            evidence: r.evidence,
        })
        .collect())
}

/// An inspection's page.
#[derive(Debug, Clone)]
pub struct InspectionDetail {
    pub inspection: InspectionRow,
    pub items: Vec<(String, i32, i32)>,
    pub rectifications: Vec<RectificationRow>,
    /// Its photos: (id, file name).
    pub photos: Vec<(i64, String)>,
    /// The viewer may raise items and add photos (write over the inspected org).
    pub can_write: bool,
}

/// An inspection with its checklist and items, if the actor may read it (404 otherwise).
pub async fn inspection(app: &App, actor: &Actor, id: InspectionId) -> AppResult<InspectionDetail> {
    let i = inspection::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Inspection, id.to_string()), OrgId(i.org_id)).await?;
    let can_write = scope::covers(&app.db, actor, WRITE, OrgId(i.org_id)).await?;
    let items = inspection_item::Entity::find()
        .filter(inspection_item::Column::InspectionId.eq(i.id))
        .order_by_asc(inspection_item::Column::Id)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|x| (x.item, x.score, x.max_score))
        .collect();
    let rect = rectification::Entity::find()
        .filter(rectification::Column::InspectionId.eq(i.id))
        .order_by_asc(rectification::Column::Id)
        .all(&app.db)
        .await?;
    let rectifications = rectification_rows(app, actor, rect, super::measured_on(app).await?).await?;
    let photos = inspection_photo::Entity::find()
        .select_only()
        .column(inspection_photo::Column::Id)
        .column(inspection_photo::Column::FileName)
        .filter(inspection_photo::Column::InspectionId.eq(i.id))
        .order_by_asc(inspection_photo::Column::Id)
        .into_tuple()
        .all(&app.db)
        .await?;
    let inspection =
        inspection_rows(app, vec![i], super::measured_on(app).await?).await?.pop().ok_or(AppError::NotFound)?;
    Ok(InspectionDetail { inspection, items, rectifications, photos, can_write })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checklist_line_is_an_item_and_its_score_out_of_its_maximum() {
        assert_eq!(checklist_line(" 三会两制一课 18/20 "), Some(("三会两制一课".into(), 18, 20)));
        assert_eq!(checklist_line("团费收缴　１０／１０"), Some(("团费收缴".into(), 10, 10)));
        assert_eq!(checklist_line("台账 21/20"), None);
        assert_eq!(checklist_line("台账 -1/20"), None);
        assert_eq!(checklist_line("台账 5/0"), None);
        assert_eq!(checklist_line("18/20"), None);
        assert_eq!(checklist_line("台账"), None);
    }
}
