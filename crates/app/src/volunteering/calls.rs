//! The volunteering desk's calls: a paged, filtered list (current and upcoming by default, so a
//! call just published is on top), a call's page (what it tells volunteers, its shifts with
//! sign-ups, turn-outs and people served, the teams that took them), changing what it tells,
//! closing it, its poster, and the list as a workbook.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{CallId, OrgId, ShiftId};
use qingtuan_domain::time::{format_local_span, local_date};
use qingtuan_domain::volunteering::Task;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{recruitment_call, shift, signup, turnout, volunteer_team};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::{EXPORT, READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::export::{Document, Exported};
use crate::forms::{optional_text, parse_date, required_text};
use crate::page::Page;
use crate::posters::{self, Owner};
use crate::{Actor, App, AppError};

/// Which calls a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Open, with a shift today or later (the default).
    #[default]
    Current,
    /// Open, every shift over.
    Past,
    Closed,
    All,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Current, Status::Past, Status::Closed, Status::All];

    pub fn code(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Past => "past",
            Status::Closed => "closed",
            Status::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Current => "进行中和即将开始",
            Status::Past => "已结束",
            Status::Closed => "已关闭",
            Status::All => "全部",
        }
    }

    fn parse(raw: &str) -> Self {
        Self::ALL.into_iter().find(|s| s.code() == raw.trim()).unwrap_or_default()
    }
}

/// The calls list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct CallFilter {
    /// An org (code or name): its calls and those below it.
    pub org: String,
    pub status: String,
    /// Part of the title.
    pub q: String,
    pub page: Option<u64>,
}

impl CallFilter {
    pub fn status(&self) -> Status {
        Status::parse(&self.status)
    }
}

/// A call as the list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallRow {
    pub id: CallId,
    pub title: String,
    pub org_name: String,
    pub task: String,
    pub published_on: NaiveDate,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub shifts: usize,
    pub places: i64,
    pub signups: usize,
    pub turnouts: usize,
    pub people_served: i64,
    pub status: &'static str,
}

async fn filtered(
    app: &App,
    actor: &Actor,
    filter: &CallFilter,
    permission: qingtuan_domain::permission::Permission,
) -> AppResult<sea_orm::Select<recruitment_call::Entity>> {
    let status = filter.status.trim();
    if !status.is_empty() && Status::ALL.iter().all(|s| s.code() != status) {
        return Err(Invalid::one("status", "请选择状态：进行中和即将开始、已结束、已关闭或全部").into());
    }
    let mut q = recruitment_call::Entity::find().filter(scope::org_condition(
        actor,
        permission,
        recruitment_call::Column::OrgId,
    ));
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(recruitment_call::Column::OrgId.in_subquery(below));
    }
    let typed = filter.q.trim();
    if !typed.is_empty() {
        q = q.filter(crate::forms::like_text(recruitment_call::Column::Title, typed, false));
    }
    let today = local_date(app.now());
    let upcoming = Query::select()
        .column(shift::Column::CallId)
        .from(shift::Entity)
        .and_where(shift::Column::OnDate.gte(today))
        .take();
    q = match filter.status() {
        Status::Current => q
            .filter(recruitment_call::Column::ClosedOn.is_null())
            .filter(recruitment_call::Column::Id.in_subquery(upcoming)),
        Status::Past => q
            .filter(recruitment_call::Column::ClosedOn.is_null())
            .filter(recruitment_call::Column::Id.not_in_subquery(upcoming)),
        Status::Closed => q.filter(recruitment_call::Column::ClosedOn.is_not_null()),
        Status::All => q,
    };
    Ok(q.order_by_desc(recruitment_call::Column::PublishedOn).order_by_desc(recruitment_call::Column::Id))
}

/// One page of the calls the filter finds in the actor's scope, newest first.
pub async fn list(app: &App, actor: &Actor, filter: &CallFilter) -> AppResult<Page<CallRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let select = filtered(app, actor, filter, READ).await?;
    let page = crate::page::fetch(&app.db, select, filter.page).await?;
    let rows = rows(app, &page.items).await?;
    Ok(page.with(rows))
}

/// Every call the filter finds (those the actor may export), as a workbook; audited.
pub async fn export(app: &App, actor: &Actor, filter: &CallFilter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let calls = crate::export::rows_of(&app.db, filtered(app, actor, filter, EXPORT).await?).await?;
    let rows = rows(app, &calls).await?;
    let header = [
        "招募令",
        "发布组织",
        "任务",
        "发布日期",
        "首个班次",
        "末个班次",
        "班次数",
        "名额",
        "报名人数",
        "出动人次",
        "服务人次",
        "状态",
    ];
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let cells = rows.iter().map(|r| {
        vec![
            r.title.clone(),
            r.org_name.clone(),
            r.task.clone(),
            r.published_on.to_string(),
            day(r.first_day),
            day(r.last_day),
            r.shifts.to_string(),
            r.places.to_string(),
            r.signups.to_string(),
            r.turnouts.to_string(),
            r.people_served.to_string(),
            r.status.to_owned(),
        ]
    });
    let asked = json!({ "org": filter.org, "status": filter.status().code(), "q": filter.q });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Call, asked), "招募令", &header, cells.collect()).await
}

/// The list's columns for these calls: their shifts, sign-ups and turn-outs, read for them only.
async fn rows(app: &App, calls: &[recruitment_call::Model]) -> AppResult<Vec<CallRow>> {
    let ids: Vec<i64> = calls.iter().map(|c| c.id).collect();
    let shifts_and_counts = async {
        let mut shifts: Vec<shift::Model> = Vec::new();
        for chunk in ids.chunks(500) {
            shifts
                .extend(shift::Entity::find().filter(shift::Column::CallId.is_in(chunk.to_vec())).all(&app.db).await?);
        }
        let shift_ids: Vec<i64> = shifts.iter().map(|s| s.id).collect();
        let counts = counts_per_shift(app, &shift_ids).await?;
        Ok::<_, AppError>((shifts, counts))
    };
    let ((shifts, (signups, turnouts)), names) =
        tokio::try_join!(shifts_and_counts, crate::tree::names(&app.db, calls.iter().map(|c| c.org_id).collect()),)?;
    let today = local_date(app.now());
    Ok(calls
        .iter()
        .map(|c| {
            let own: Vec<&shift::Model> = shifts.iter().filter(|s| s.call_id == c.id).collect();
            let sum = |m: &HashMap<i64, usize>| own.iter().map(|s| m.get(&s.id).copied().unwrap_or(0)).sum();
            let last_day = own.iter().map(|s| s.on_date).max();
            CallRow {
                id: CallId(c.id),
                title: c.title.clone(),
                org_name: names.get(&c.org_id).cloned().unwrap_or_default(),
                task: Task::parse(&c.task).map(Task::label).unwrap_or("").to_owned(),
                published_on: c.published_on,
                first_day: own.iter().map(|s| s.on_date).min(),
                last_day,
                shifts: own.len(),
                places: own.iter().map(|s| i64::from(s.places)).sum(),
                signups: sum(&signups),
                turnouts: sum(&turnouts),
                people_served: own.iter().map(|s| s.people_served).sum(),
                status: status_label(c, last_day, today),
            }
        })
        .collect())
}

fn status_label(c: &recruitment_call::Model, last_day: Option<NaiveDate>, today: NaiveDate) -> &'static str {
    match (c.closed_on, last_day) {
        (Some(_), _) => "已关闭",
        (None, Some(d)) if d >= today => "招募中",
        _ => "已结束",
    }
}

/// Sign-ups (not cancelled) and turn-outs per shift.
async fn counts_per_shift(app: &App, shift_ids: &[i64]) -> AppResult<(HashMap<i64, usize>, HashMap<i64, usize>)> {
    let mut signups = HashMap::new();
    let mut turnouts = HashMap::new();
    for chunk in shift_ids.chunks(500) {
        /// Shift id and count.
        type Counted = Vec<(i64, i64)>;
        let (signed, turned): (Counted, Counted) = tokio::try_join!(
            signup::Entity::find()
                .select_only()
                .column(signup::Column::ShiftId)
                .column_as(signup::Column::Id.count(), "n")
                .filter(signup::Column::ShiftId.is_in(chunk.to_vec()))
                .filter(signup::Column::CancelledAt.is_null())
                .group_by(signup::Column::ShiftId)
                .into_tuple()
                .all(&app.db),
            turnout::Entity::find()
                .select_only()
                .column(turnout::Column::ShiftId)
                .column_as(turnout::Column::Id.count(), "n")
                .filter(turnout::Column::ShiftId.is_in(chunk.to_vec()))
                .group_by(turnout::Column::ShiftId)
                .into_tuple()
                .all(&app.db),
        )?;
        signups.extend(signed.into_iter().map(|(s, n)| (s, usize::try_from(n).unwrap_or(0))));
        turnouts.extend(turned.into_iter().map(|(s, n)| (s, usize::try_from(n).unwrap_or(0))));
    }
    Ok((signups, turnouts))
}

/// A shift on its call's page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallShift {
    pub id: ShiftId,
    pub on_date: NaiveDate,
    pub time: String,
    pub place: String,
    pub places: i32,
    pub signups: usize,
    pub turnouts: usize,
    pub people_served: i64,
}

/// A call's page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallDetail {
    pub row: CallRow,
    pub org_code: String,
    pub task_code: String,
    pub description: String,
    pub contact: String,
    pub signup_deadline: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub real_name: bool,
    pub shifts: Vec<CallShift>,
    /// The teams that took a shift of the call: (id, name).
    pub teams: Vec<(i64, String)>,
    pub has_poster: bool,
    /// The actor may change the call.
    pub can_write: bool,
}

async fn call_in_scope(
    app: &App,
    actor: &Actor,
    id: CallId,
    permission: qingtuan_domain::permission::Permission,
) -> AppResult<(recruitment_call::Model, InScope<OrgId>)> {
    let found = recruitment_call::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = OrgId(found.as_ref().map_or(0, |c| c.org_id));
    let proof = scope::require(app, actor, permission, (ObjectKind::Call, id.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, proof))
}

/// A call's title (volunteering.read over the org that called it), for its share page.
pub async fn title(app: &App, actor: &Actor, id: CallId) -> AppResult<String> {
    Ok(call_in_scope(app, actor, id, READ).await?.0.title)
}

/// A call with its shifts and teams (volunteering.read over the org that called it).
pub async fn detail(app: &App, actor: &Actor, id: CallId) -> AppResult<CallDetail> {
    let (c, _) = call_in_scope(app, actor, id, READ).await?;
    let row = rows(app, std::slice::from_ref(&c)).await?.pop().ok_or(AppError::NotFound)?;
    let shifts = shift::Entity::find()
        .filter(shift::Column::CallId.eq(c.id))
        .order_by_asc(shift::Column::StartsAt)
        .all(&app.db)
        .await?;
    let shift_ids: Vec<i64> = shifts.iter().map(|s| s.id).collect();
    let (signups, turnouts) = counts_per_shift(app, &shift_ids).await?;
    let team_ids: BTreeSet<i64> = turnout::Entity::find()
        .select_only()
        .column(turnout::Column::TeamId)
        .filter(turnout::Column::ShiftId.is_in(shift_ids))
        .filter(turnout::Column::TeamId.is_not_null())
        .distinct()
        .into_tuple::<Option<i64>>()
        .all(&app.db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let teams = volunteer_team::Entity::find()
        .filter(volunteer_team::Column::Id.is_in(team_ids))
        .order_by_asc(volunteer_team::Column::Name)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let org_code =
        qingtuan_entity::org::Entity::find_by_id(c.org_id).one(&app.db).await?.map(|o| o.code).unwrap_or_default();
    Ok(CallDetail {
        row,
        org_code,
        task_code: c.task.clone(),
        description: c.description,
        contact: c.contact,
        signup_deadline: c.signup_deadline,
        closed_on: c.closed_on,
        real_name: c.real_name_required,
        shifts: shifts
            .iter()
            .map(|s| CallShift {
                id: ShiftId(s.id),
                on_date: s.on_date,
                time: format_local_span(s.starts_at, s.ends_at),
                place: s.place.clone(),
                places: s.places,
                signups: signups.get(&s.id).copied().unwrap_or(0),
                turnouts: turnouts.get(&s.id).copied().unwrap_or(0),
                people_served: s.people_served,
            })
            .collect(),
        teams,
        has_poster: posters::owners(app, Owner::Call, &[c.id]).await?.contains(&c.id),
        can_write: scope::covers(&app.db, actor, WRITE, OrgId(c.org_id)).await?,
    })
}

/// What a call tells volunteers, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CallText {
    pub title: String,
    pub task: String,
    pub description: String,
    pub contact: String,
    pub signup_deadline: String,
}

/// The largest description, in characters.
pub const DESCRIPTION_MAX: usize = 2000;

/// What a call's text says, checked: (title, task, description, contact, deadline).
pub(super) fn checked_text(form: &CallText) -> Result<(String, Task, String, String, Option<NaiveDate>), Invalid> {
    let mut problems: Vec<FieldError> = Vec::new();
    let title = required_text(&form.title, "title", "招募令标题", 100).map_err(|e| problems.extend(e.0)).ok();
    let task = Task::parse(&form.task).map_err(|e| problems.extend(e.0)).ok();
    let description =
        optional_text(&form.description, "description", "招募说明", DESCRIPTION_MAX).map_err(|e| problems.push(e)).ok();
    let contact = optional_text(&form.contact, "contact", "联系方式", 100).map_err(|e| problems.push(e)).ok();
    let deadline = parse_date("signup_deadline", &form.signup_deadline).map_err(|e| problems.push(e)).ok();
    match (title, task, description, contact, deadline) {
        (Some(t), Some(k), Some(d), Some(c), Some(l)) if problems.is_empty() => Ok((t, k, d, c, l)),
        _ => Err(Invalid(problems)),
    }
}

/// Changes what a call tells volunteers (volunteering.write over its org); audited with what
/// changed. Its shifts, sign-ups and turn-outs stay as they are.
pub async fn update(app: &App, actor: &Actor, id: CallId, form: &CallText) -> AppResult<()> {
    let (c, proof) = call_in_scope(app, actor, id, WRITE).await?;
    let (title, task, description, contact, deadline) = checked_text(form)?;
    let before = json!({
        "title": c.title, "task": c.task, "description": c.description, "contact": c.contact,
        "signup_deadline": c.signup_deadline,
    });
    let after = json!({
        "title": title, "task": task.code(), "description": description, "contact": contact,
        "signup_deadline": deadline,
    });
    let txn = app.begin().await?;
    let mut active: recruitment_call::ActiveModel = c.into();
    active.title = Set(title);
    active.task = Set(task.code().to_owned());
    active.description = Set(description);
    active.contact = Set(contact);
    active.signup_deadline = Set(deadline);
    active.update(&txn).await?;
    let entry =
        Entry::new(AuditAction::CallChanged, ObjectKind::Call).object(id).within(&proof).before(before).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Adds a shift to an open call (volunteering.write over its org); returns the shift's id.
pub async fn add_shift(app: &App, actor: &Actor, id: CallId, form: &super::NewShift) -> AppResult<ShiftId> {
    let (c, proof) = call_in_scope(app, actor, id, WRITE).await?;
    if c.closed_on.is_some() {
        return Err(Invalid::one("shifts", "该招募令已关闭，不能再增加班次").into());
    }
    super::checked_shift(form)?;
    let txn = app.begin().await?;
    let shift_id = ShiftId(super::insert_shift(&txn, id.0, form).await?);
    let entry = Entry::new(AuditAction::CallChanged, ObjectKind::Call).object(id).within(&proof).after(json!({
        "shift_added": shift_id, "on_date": form.on_date, "start": form.start.format("%H:%M").to_string(),
        "end": form.end.format("%H:%M").to_string(), "place": form.place, "places": form.places,
    }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(shift_id)
}

/// Closes a call today (volunteering.write over its org): it leaves the portal and takes no more
/// sign-ups; what was recorded stays and counts. Closing a closed call changes nothing.
pub async fn close(app: &App, actor: &Actor, id: CallId) -> AppResult<()> {
    let (c, proof) = call_in_scope(app, actor, id, WRITE).await?;
    if c.closed_on.is_some() {
        return Ok(());
    }
    let today = local_date(app.now());
    let txn = app.begin().await?;
    let done = recruitment_call::Entity::update_many()
        .col_expr(recruitment_call::Column::ClosedOn, sea_orm::sea_query::Expr::value(today))
        .filter(
            Condition::all()
                .add(recruitment_call::Column::Id.eq(id.0))
                .add(recruitment_call::Column::ClosedOn.is_null()),
        )
        .exec(&txn)
        .await?;
    if done.rows_affected == 1 {
        let entry = Entry::new(AuditAction::CallClosed, ObjectKind::Call)
            .object(id)
            .within(&proof)
            .after(json!({ "title": c.title, "closed_on": today }));
        audit::record(&txn, app.now(), actor, entry).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Sets a call's poster (volunteering.write over its org), replacing the one before.
pub async fn set_poster(app: &App, actor: &Actor, id: CallId, file_name: &str, bytes: Vec<u8>) -> AppResult<()> {
    let (_, proof) = call_in_scope(app, actor, id, WRITE).await?;
    posters::store(app, actor, &proof, Owner::Call, id.0, file_name, bytes).await
}

/// A call's poster, for staff who read the call.
pub async fn poster(app: &App, actor: &Actor, id: CallId) -> AppResult<Document> {
    call_in_scope(app, actor, id, READ).await?;
    posters::load(app, Owner::Call, id.0).await
}
