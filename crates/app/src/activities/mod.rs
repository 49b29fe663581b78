//! Projects and activities. A project (a brand project among them) belongs to an org, has a
//! category, partners and indicators with dated values (治理河心岛 11 个). An activity — of a
//! project or on its own — has a time and place, an audience, a capacity, a sign-up window, and
//! may need approval and keep a waiting list. The public signs up through the portal (the same
//! form, checks and rate limits as recruitment calls); organisers approve, mark attendance in
//! bulk and export; a cancelled place goes to the first on the waiting list.

mod projects;
mod signups;

use chrono::{NaiveDate, NaiveTime};
use qingtuan_domain::Invalid;
use qingtuan_domain::activity::{Audience, Category, SignupStatus};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ActivityId, OrgId, ProjectId, SpaceId};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::time::{format_local_span, local_instant};
use qingtuan_entity::{activity, activity_signup, indicator_value, org, project, project_indicator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::{number, required_text};
use crate::{Actor, App, AppError};
use signups::activity_in_scope;

pub use projects::*;
pub use signups::{
    ActivityDetail, SignupRow, decide_signup, detail, export_signups, mark_attendance, record_people_served, register,
};
pub(crate) use signups::{insert_signup, promote_waitlisted};

pub const READ: Permission = Permission::new(Module::Activities, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Activities, Action::Write);
pub const EXPORT: Permission = Permission::new(Module::Activities, Action::Export);

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub org_code: String,
    pub project_id: Option<ProjectId>,
    pub title: String,
    /// Taken from the project when empty.
    pub category: String,
    pub audience: String,
    pub on_date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub place: String,
    pub capacity: i32,
    pub signup_opens_on: NaiveDate,
    pub signup_closes_on: NaiveDate,
    pub needs_approval: bool,
    pub waitlist: bool,
    pub real_name: bool,
    /// The venue's space it uses (its time is booked with the activity).
    pub space_id: Option<SpaceId>,
    pub description: String,
    pub contact: String,
}

pub async fn create_activity(app: &App, actor: &Actor, form: &NewActivity) -> AppResult<ActivityId> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let mut problems = Vec::new();
    let title = required_text(&form.title, "title", "活动名称", 200).map_err(|e| problems.extend(e.0)).ok();
    let project = match form.project_id {
        Some(id) => Some(project::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let category = match (&project, form.category.trim()) {
        (Some(p), "") => Category::parse(&p.category).map_err(|e| problems.extend(e.0)).ok(),
        (None, "") => {
            problems.push(qingtuan_domain::FieldError { field: "category", message: "请选择活动类别".into() });
            None
        }
        (_, raw) => Category::parse(raw).map_err(|e| problems.extend(e.0)).ok(),
    };
    let audience = Audience::parse(&form.audience).map_err(|e| problems.extend(e.0)).ok();
    if form.end <= form.start {
        problems
            .push(qingtuan_domain::FieldError { field: "end", message: "结束时间应晚于开始时间".into() });
    }
    if form.capacity <= 0 {
        problems.push(qingtuan_domain::FieldError { field: "capacity", message: "名额应大于 0".into() });
    }
    if form.signup_closes_on < form.signup_opens_on || form.signup_closes_on > form.on_date {
        problems.push(qingtuan_domain::FieldError {
            field: "signup_closes_on",
            message: "报名截止日期应不早于开始日期，且不晚于活动日期".into(),
        });
    }
    let description = crate::forms::optional_text(&form.description, "description", "活动介绍", 2000)
        .map_err(|e| problems.push(e))
        .ok();
    let contact =
        crate::forms::optional_text(&form.contact, "contact", "联系方式", 100).map_err(|e| problems.push(e)).ok();
    let (Some(title), Some(category), Some(audience), Some(description), Some(contact)) =
        (title, category, audience, description, contact)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    if let Some(p) = &project {
        scope::require(app, actor, WRITE, (ObjectKind::Org, p.org_id.to_string()), OrgId(p.org_id)).await?;
    }
    let txn = app.begin().await?;
    let row = activity::ActiveModel {
        org_id: Set(org.get().0),
        project_id: Set(form.project_id.map(|id| id.0)),
        title: Set(title.clone()),
        category: Set(category.code().into()),
        audience: Set(audience.code().into()),
        on_date: Set(form.on_date),
        starts_at: Set(local_instant(form.on_date, form.start)),
        ends_at: Set(local_instant(form.on_date, form.end)),
        place: Set(form.place.trim().chars().take(200).collect()),
        capacity: Set(form.capacity),
        signup_opens_on: Set(form.signup_opens_on),
        signup_closes_on: Set(form.signup_closes_on),
        needs_approval: Set(form.needs_approval),
        waitlist: Set(form.waitlist),
        real_name_required: Set(form.real_name),
        people_served: Set(0),
        space_id: Set(form.space_id.map(|id| id.0)),
        description: Set(description),
        contact: Set(contact),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(space) = form.space_id {
        // The space's time is held with the activity, or neither is written.
        let place = match crate::platforms::venues::book_for_activity(&txn, app, actor, &row, space.0).await {
            Ok(place) => place,
            Err(e) => {
                txn.rollback().await?;
                return Err(e);
            }
        };
        if row.place.is_empty() {
            let mut named: activity::ActiveModel = row.clone().into();
            named.place = Set(place);
            named.update(&txn).await?;
        }
    }
    let entry = Entry::new(AuditAction::ActivityPublished, ObjectKind::Org).within(&org).after(json!({
        "activity": row.id, "title": title, "category": category.code(), "audience": audience.code(),
        "on_date": form.on_date, "capacity": form.capacity, "space": form.space_id,
    }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(ActivityId(row.id))
}

/// Sign-ups holding a place (pending or approved).
pub(crate) async fn places_taken<C: ConnectionTrait>(conn: &C, activity_id: i64) -> AppResult<u64> {
    Ok(activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(activity_id))
        .filter(activity_signup::Column::Status.is_in([SignupStatus::Pending.code(), SignupStatus::Approved.code()]))
        .count(conn)
        .await?)
}

/// Places taken in each of these activities, in one grouped count.
async fn places_taken_of<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i64>,
) -> AppResult<std::collections::HashMap<i64, u64>> {
    let rows: Vec<(i64, i64)> = activity_signup::Entity::find()
        .select_only()
        .column(activity_signup::Column::ActivityId)
        .column_as(activity_signup::Column::Id.count(), "n")
        .filter(activity_signup::Column::ActivityId.is_in(ids))
        .filter(activity_signup::Column::Status.is_in([SignupStatus::Pending.code(), SignupStatus::Approved.code()]))
        .group_by(activity_signup::Column::ActivityId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, u64::try_from(n).unwrap_or_default())).collect())
}

pub(crate) fn label<T: Copy>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, Invalid>,
    label: impl Fn(T) -> &'static str,
) -> String {
    parse(raw).map(label).unwrap_or("").to_owned()
}

/// An activity as the portal shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicActivity {
    pub id: ActivityId,
    pub title: String,
    pub org_name: String,
    pub project_name: Option<String>,
    pub category: String,
    pub audience: String,
    pub children: bool,
    pub on_date: NaiveDate,
    pub time: String,
    pub place: String,
    pub capacity: i32,
    pub taken: u64,
    pub signup_opens_on: NaiveDate,
    pub signup_closes_on: NaiveDate,
    pub needs_approval: bool,
    pub waitlist: bool,
    pub real_name: bool,
    /// Why signing up is not possible today, if it is not.
    pub closed: Option<&'static str>,
    pub description: String,
    pub contact: String,
    pub has_poster: bool,
}

pub(crate) fn closed_reason(a: &activity::Model, today: NaiveDate, taken: u64) -> Option<&'static str> {
    if today < a.signup_opens_on {
        Some("报名尚未开始")
    } else if today > a.signup_closes_on || today > a.on_date {
        Some("报名已截止")
    } else if taken >= u64::try_from(a.capacity).unwrap_or(0) && !a.waitlist {
        Some("名额已满")
    } else {
        None
    }
}

pub(crate) async fn public_view(app: &App, a: activity::Model, today: NaiveDate) -> AppResult<PublicActivity> {
    let taken = places_taken(&app.db, a.id).await?;
    let org_name = org::Entity::find_by_id(a.org_id).one(&app.db).await?.map(|o| o.name).unwrap_or_default();
    let project_name = match a.project_id {
        Some(id) => project::Entity::find_by_id(id).one(&app.db).await?.map(|p| p.name),
        None => None,
    };
    Ok(PublicActivity {
        closed: closed_reason(&a, today, taken),
        id: ActivityId(a.id),
        org_name,
        project_name,
        category: label(&a.category, Category::parse, Category::label),
        audience: label(&a.audience, Audience::parse, Audience::label),
        children: a.audience == Audience::Children.code(),
        time: format_local_span(a.starts_at, a.ends_at),
        on_date: a.on_date,
        place: a.place,
        capacity: a.capacity,
        taken,
        signup_opens_on: a.signup_opens_on,
        signup_closes_on: a.signup_closes_on,
        needs_approval: a.needs_approval,
        waitlist: a.waitlist,
        real_name: a.real_name_required,
        has_poster: crate::posters::owners(app, crate::posters::Owner::Activity, &[a.id]).await?.contains(&a.id),
        description: a.description,
        contact: a.contact,
        title: a.title,
    })
}

/// Sets an activity's poster (activities.write over its org), replacing the one before.
pub async fn set_poster(
    app: &App,
    actor: &Actor,
    ActivityId(id): ActivityId,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<()> {
    let a = activity::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Activity, id.to_string()), OrgId(a.org_id)).await?;
    crate::posters::store(app, actor, &proof, crate::posters::Owner::Activity, id, file_name, bytes).await
}

/// An activity's poster, for staff who read the activity and — the activity being public — for
/// anyone on the portal (`actor` none).
pub async fn poster(
    app: &App,
    actor: Option<&Actor>,
    ActivityId(id): ActivityId,
) -> AppResult<crate::export::Document> {
    match actor {
        Some(actor) => {
            activity_in_scope(app, actor, id, READ).await?;
        }
        None => {
            activity::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
        }
    }
    crate::posters::load(app, crate::posters::Owner::Activity, id).await
}

/// An activity in the organisers' list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub title: String,
    pub org_name: String,
    pub category: String,
    pub audience: String,
    pub on_date: NaiveDate,
    pub capacity: i32,
    pub taken: u64,
}

/// The organisers' filter: period, category, audience, the hosting org and below, and the page.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub category: String,
    pub audience: String,
    /// An org (code or exact name): its activities and those of the orgs below it.
    pub org: String,
    pub page: Option<u64>,
}

async fn filtered(
    app: &App,
    actor: &Actor,
    filter: &Filter,
    permission: Permission,
) -> AppResult<sea_orm::Select<activity::Entity>> {
    let mut q = activity::Entity::find().filter(scope::org_condition(actor, permission, activity::Column::OrgId));
    if !filter.org.trim().is_empty() {
        q = q.filter(activity::Column::OrgId.in_subquery(scope::subtree(app, actor, permission, &filter.org).await?));
    }
    if let Some(from) = filter.from {
        q = q.filter(activity::Column::OnDate.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(activity::Column::OnDate.lte(to));
    }
    if !filter.category.is_empty() {
        q = q.filter(activity::Column::Category.eq(filter.category.clone()));
    }
    if !filter.audience.is_empty() {
        q = q.filter(activity::Column::Audience.eq(filter.audience.clone()));
    }
    Ok(q.order_by_desc(activity::Column::OnDate).order_by_desc(activity::Column::Id))
}

async fn rows_of(app: &App, found: Vec<activity::Model>) -> AppResult<Vec<ActivityRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|a| a.org_id).collect()).await?;
    let taken = places_taken_of(&app.db, found.iter().map(|a| a.id).collect()).await?;
    Ok(found
        .into_iter()
        .map(|a| ActivityRow {
            taken: taken.get(&a.id).copied().unwrap_or(0),
            id: ActivityId(a.id),
            org_name: names.get(&a.org_id).cloned().unwrap_or_default(),
            category: label(&a.category, Category::parse, Category::label),
            audience: label(&a.audience, Audience::parse, Audience::label),
            on_date: a.on_date,
            capacity: a.capacity,
            title: a.title,
        })
        .collect())
}

/// Activities in the actor's scope, newest first, filtered and paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<crate::page::Page<ActivityRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let page = crate::page::fetch(&app.db, filtered(app, actor, filter, READ).await?, filter.page).await?;
    let rows = rows_of(app, page.items.clone()).await?;
    Ok(page.with(rows))
}

/// Every activity the filter finds (those the actor may export), as a workbook; audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = crate::export::rows_of(&app.db, filtered(app, actor, filter, EXPORT).await?).await?;
    let rows = rows_of(app, found).await?;
    let header = ["活动", "主办组织", "类别", "对象", "日期", "名额", "已报名"];
    let cells = rows
        .into_iter()
        .map(|r| {
            vec![
                r.title,
                r.org_name,
                r.category,
                r.audience,
                r.on_date.to_string(),
                r.capacity.to_string(),
                r.taken.to_string(),
            ]
        })
        .collect();
    let asked =
        json!({ "from": filter.from, "to": filter.to, "category": filter.category, "audience": filter.audience });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Activity, asked), "活动", &header, cells).await
}
