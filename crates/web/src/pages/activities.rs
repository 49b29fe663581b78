//! Projects and activities in the back office: the activity list (filtered by period, category
//! and audience, paged), publishing an activity, its sign-ups with approval, bulk attendance and
//! export; projects with their indicators and the values recorded.

use crate::extract::{Path, Query};
use crate::layout::{MenuEntry, read};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{NaiveDate, NaiveTime};
use qingtuan_app::AppError;
use qingtuan_app::activities::{self, ActivityDetail, ActivityRow, Filter, NewActivity, NewProject, ProjectView};
use qingtuan_app::page::Page;
use qingtuan_app::portal::SignupForm;
use qingtuan_domain::activity::{Audience, Category};
use qingtuan_domain::ids::{ActivityId, ActivitySignupId, ProjectId, ProjectIndicatorId, SpaceId, VenueId};
use qingtuan_domain::permission::Module;
use qingtuan_domain::{FieldError, Invalid};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

fn can_write(user: &CurrentUser) -> bool {
    user.actor.can_somewhere(activities::WRITE)
}

#[derive(Template)]
#[template(path = "activities/list.html")]
struct ListPage {
    layout: Layout,
    tree: qingtuan_app::registry::orgs::TreeLevel,
    tree_query: String,
    page: Page<ActivityRow>,
    filter: Filter,
    query: String,
    categories: &'static [Category],
    audiences: &'static [Audience],
    can_write: bool,
}

/// The activities the filter finds, as a workbook.
pub async fn export_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    Ok(xlsx_download("activities.xlsx", activities::export(&state.app, &user.actor, &filter).await?))
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let page = activities::list(&state.app, &user.actor, &filter).await?;
    let tree = qingtuan_app::registry::orgs::tree_level(&state.app, &user.actor, activities::READ, &filter.org).await?;
    render(&ListPage {
        layout: Layout::new(&user, "/activities", "活动"),
        tree,
        tree_query: crate::pages::tree_query(&filter),
        query: query_without_page(&filter),
        page,
        filter,
        categories: Category::ALL,
        audiences: Audience::ALL,
        can_write: can_write(&user),
    })
}

/// The activity form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub(crate) org_code: String,
    pub(crate) project_id: String,
    pub(crate) title: String,
    pub(crate) category: String,
    pub(crate) audience: String,
    pub(crate) on_date: String,
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) place: String,
    pub(crate) capacity: String,
    pub(crate) signup_opens_on: String,
    pub(crate) signup_closes_on: String,
    pub(crate) needs_approval: String,
    pub(crate) waitlist: String,
    pub(crate) real_name: String,
    pub(crate) space_id: String,
    pub(crate) description: String,
    pub(crate) contact: String,
}

/// A typed value (a date, a time, a number) or the field's message.
pub(crate) fn parse<T: std::str::FromStr>(
    raw: &str,
    field: &'static str,
    message: &str,
    problems: &mut Vec<FieldError>,
) -> Option<T> {
    raw.trim().parse().map_err(|_| problems.push(FieldError { field, message: message.into() })).ok()
}

impl ActivityForm {
    pub(crate) fn to_new(&self) -> Result<NewActivity, Invalid> {
        let mut p = Vec::new();
        let on_date: Option<NaiveDate> = parse(&self.on_date, "on_date", "请填写活动日期", &mut p);
        let start: Option<NaiveTime> = parse(&self.start, "start", "请填写开始时间（如 14:30）", &mut p);
        let end: Option<NaiveTime> = parse(&self.end, "end", "请填写结束时间（如 16:30）", &mut p);
        let capacity: Option<i32> = parse(&self.capacity, "capacity", "名额应为整数", &mut p);
        let opens: Option<NaiveDate> = parse(&self.signup_opens_on, "signup_opens_on", "请填写报名开始日期", &mut p);
        let closes: Option<NaiveDate> = parse(&self.signup_closes_on, "signup_closes_on", "请填写报名截止日期", &mut p);
        let project_id = match self.project_id.trim() {
            "" => None,
            raw => parse(raw, "project_id", "所属项目无效", &mut p),
        };
        let space_id = match self.space_id.trim() {
            "" => None,
            raw => parse(raw, "space_id", "所用空间无效", &mut p),
        };
        match (on_date, start, end, capacity, opens, closes) {
            (Some(on_date), Some(start), Some(end), Some(capacity), Some(opens), Some(closes)) if p.is_empty() => {
                Ok(NewActivity {
                    org_code: self.org_code.trim().to_owned(),
                    project_id,
                    title: self.title.clone(),
                    category: self.category.clone(),
                    audience: self.audience.clone(),
                    on_date,
                    start,
                    end,
                    place: self.place.clone(),
                    capacity,
                    signup_opens_on: opens,
                    signup_closes_on: closes,
                    needs_approval: self.needs_approval == "on",
                    waitlist: self.waitlist == "on",
                    real_name: self.real_name == "on",
                    space_id,
                    description: self.description.clone(),
                    contact: self.contact.clone(),
                })
            }
            _ => Err(Invalid(p)),
        }
    }
}

#[derive(Template)]
#[template(path = "activities/new.html")]
struct NewPage {
    layout: Layout,
    form: ActivityForm,
    projects: Vec<ProjectView>,
    /// The venues' spaces an activity may use.
    spaces: Vec<(SpaceId, String)>,
    categories: &'static [Category],
    audiences: &'static [Audience],
    errors: Errors,
}

async fn new_page(
    state: &AppState,
    user: &CurrentUser,
    form: ActivityForm,
    errors: Errors,
) -> Result<NewPage, PageError> {
    Ok(NewPage {
        layout: Layout::new(user, "/activities", "发布活动"),
        projects: activities::projects(&state.app, &user.actor).await?,
        spaces: qingtuan_app::platforms::venues::space_choices(&state.app).await?,
        form,
        categories: Category::ALL,
        audiences: Audience::ALL,
        errors,
    })
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&new_page(&state, &user, ActivityForm::default(), Errors::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ActivityForm>,
) -> Result<Response, PageError> {
    let result = match form.to_new() {
        Ok(new) => activities::create_activity(&state.app, &user.actor, &new).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/activities/{id}"), Done::Published)),
        Err(e) => render_invalid(&new_page(&state, &user, form, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "activities/show.html")]
struct ShowPage {
    layout: Layout,
    d: ActivityDetail,
    can_write: bool,
    errors: Errors,
    /// The on-site registration form (shared with the portal), empty.
    form: SignupForm,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: ActivityId,
    errors: Errors,
) -> Result<ShowPage, PageError> {
    let d = activities::detail(&state.app, &user.actor, id).await?;
    Ok(ShowPage {
        layout: Layout::new(user, "/activities", d.activity.title.clone()),
        d,
        can_write: can_write(user),
        errors,
        form: SignupForm::default(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
) -> Result<Response, PageError> {
    render(&show_page(&state, &user, id, Errors::default()).await?)
}

pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((signup, decision)): Path<(ActivitySignupId, String)>,
) -> Result<Response, PageError> {
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    let activity = activities::decide_signup(&state.app, &user.actor, signup, approve).await?;
    Ok(done::redirect(&format!("/activities/{activity}"), Done::Saved))
}

/// Bulk attendance: every ticked `attended` box is a sign-up that came.
pub async fn attendance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ids: Vec<i64> = fields.iter().filter(|(k, _)| k == "attended").filter_map(|(_, v)| v.parse().ok()).collect();
    match activities::mark_attendance(&state.app, &user.actor, id, &ids).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/activities/{id}"), Done::Recorded)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RegisterForm {
    #[serde(flatten)]
    person: SignupForm,
    /// `on`: registered after the activity, as having come.
    #[serde(default)]
    present: String,
}

/// A sign-up the organisers took themselves (on paper, at the door).
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, PageError> {
    let attended = form.present == "on";
    match activities::register(&state.app, &user.actor, id, &[form.person], attended).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/activities/{id}"), Done::Recorded)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
) -> Result<Response, PageError> {
    let bytes = activities::export_signups(&state.app, &user.actor, id).await?;
    Ok(xlsx_download(&format!("activity-{id}-signups.xlsx"), bytes))
}

#[derive(Template)]
#[template(path = "activities/projects.html")]
struct ProjectsPage {
    layout: Layout,
    projects: Vec<ProjectView>,
    /// The venues a project may name.
    venues: Vec<(VenueId, String)>,
    categories: &'static [Category],
    can_write: bool,
    errors: Errors,
}

async fn projects_page(state: &AppState, user: &CurrentUser, errors: Errors) -> Result<ProjectsPage, PageError> {
    Ok(ProjectsPage {
        layout: Layout::new(user, "/activities", "项目"),
        projects: activities::projects(&state.app, &user.actor).await?,
        venues: qingtuan_app::platforms::venues::venue_choices(&state.app).await?,
        categories: Category::ALL,
        can_write: can_write(user),
        errors,
    })
}

pub async fn projects(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&projects_page(&state, &user, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    org_code: String,
    name: String,
    category: String,
    brand: String,
    starts_on: String,
    ends_on: String,
    partners: String,
    indicator_name: String,
    indicator_unit: String,
    venue_id: String,
}

pub async fn create_project(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ProjectForm>,
) -> Result<Response, PageError> {
    let date = |raw: &str| raw.trim().parse::<NaiveDate>().ok();
    let new = NewProject {
        org_code: form.org_code.trim().to_owned(),
        name: form.name,
        category: form.category,
        brand: form.brand == "on",
        starts_on: date(&form.starts_on),
        ends_on: date(&form.ends_on),
        partners: form.partners,
        indicators: vec![(form.indicator_name, form.indicator_unit)],
        venue_id: form.venue_id.trim().parse().ok(),
    };
    match activities::create_project(&state.app, &user.actor, &new).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/projects", Done::Saved)),
        Err(e) => render_invalid(&projects_page(&state, &user, Errors(Some(e))).await?),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct IndicatorForm {
    name: String,
    unit: String,
}

pub async fn add_indicator(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project): Path<ProjectId>,
    Form(form): Form<IndicatorForm>,
) -> Result<Response, PageError> {
    match activities::add_indicator(&state.app, &user.actor, project, &form.name, &form.unit).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/projects", Done::Saved)),
        Err(e) => render_invalid(&projects_page(&state, &user, Errors(Some(e))).await?),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ValueForm {
    on_date: String,
    value: String,
    note: String,
}

pub async fn record_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(indicator): Path<ProjectIndicatorId>,
    Form(form): Form<ValueForm>,
) -> Result<Response, PageError> {
    let result = match (form.on_date.trim().parse::<NaiveDate>(), form.value.trim().parse::<f64>()) {
        (Ok(on_date), Ok(value)) => {
            activities::record_indicator_value(&state.app, &user.actor, indicator, on_date, value, &form.note).await
        }
        _ => Err(AppError::Invalid(Invalid::one("value", "请填写日期和数值"))),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect("/projects", Done::Recorded)),
        Err(e) => render_invalid(&projects_page(&state, &user, Errors(Some(e))).await?),
    }
}

pub async fn record_served(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    Form(form): Form<super::ServedForm>,
) -> Result<Response, PageError> {
    let result = match form.count() {
        Ok(n) => activities::record_people_served(&state.app, &user.actor, id, n).await,
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/activities/{id}"), Done::Recorded)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

/// An activity's portal link and QR code, to post in online communities or print.
pub async fn share(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<ActivityId>,
) -> Result<Response, PageError> {
    use crate::pages::share::{SharePage, absolute_url, qr_svg};
    let d = activities::detail(&state.app, &user.actor, id).await?;
    let url = absolute_url(&state, &headers, &format!("/portal/activities/{id}"));
    render(&SharePage { title: d.activity.title, svg: qr_svg(&url)?, url, back: format!("/activities/{id}") })
}

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] =
    &[MenuEntry { href: "/activities", label: "活动项目", need: read(Module::Activities) }];

/// The organisers' side of activities and projects.
/// Sets an activity's poster (a multipart form with the image in `document`).
pub async fn upload_poster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let result = match crate::pages::read_upload(form, "上传未完成，请重新选择海报上传").await {
        Ok(crate::pages::Upload { document: (file_name, bytes), .. }) => {
            activities::set_poster(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/activities/{id}"), Done::Saved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

pub async fn poster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ActivityId>,
) -> Result<Response, PageError> {
    Ok(crate::pages::image(activities::poster(&state.app, Some(&user.actor), id).await?))
}

/// The poster upload, with the documents' body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/activities/{id}/poster", post(upload_poster))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list).post(create))
        .route("/activities/new", get(new_form))
        .route("/activities/export.xlsx", get(export_list))
        .route("/activities/{id}", get(show))
        .route("/activities/{id}/poster", get(poster))
        .route("/activities/{id}/attendance", post(attendance))
        .route("/activities/{id}/register", post(register))
        .route("/activities/{id}/served", post(record_served))
        .route("/activities/{id}/share", get(share))
        .route("/activities/{id}/signups.xlsx", get(export))
        .route("/activities/signups/{id}/{decision}", post(decide))
        .route("/projects", get(projects).post(create_project))
        .route("/projects/{id}/indicators", post(add_indicator))
        .route("/projects/indicators/{id}/values", post(record_value))
}
