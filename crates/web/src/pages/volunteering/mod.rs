//! The organisers' view of volunteer mobilisation: recruitment calls and their shifts, commando
//! teams and donations of a period, with people served recorded per shift; a shift's sign-ups with
//! the check-in screen and hours added or revoked by hand; the approvals of added hours.

mod donations;
mod hours;
mod shifts;
mod teams;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::volunteering;
use qingtuan_app::volunteering::calls::{self, CallDetail, CallFilter, CallRow, CallText, Status};
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::CallId;
use qingtuan_domain::permission::Module;
use qingtuan_domain::volunteering::Task;

use crate::done::{self, Done};
use crate::extract::{Path, Query};
use crate::layout::{Errors, Layout, MenuEntry, read};
use crate::pages::{Submitted, Upload, image, query_without_page, read_upload, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "volunteering/index.html")]
struct IndexPage {
    layout: Layout,
    tree: qingtuan_app::registry::orgs::TreeLevel,
    tree_query: String,
    filter: CallFilter,
    query: String,
    page: Page<CallRow>,
    statuses: [Status; 4],
    can_write: bool,
    can_approve: bool,
    can_export: bool,
    min_share: i64,
    can_set_share: bool,
    errors: Errors,
}

async fn index_page(
    state: &AppState,
    user: &CurrentUser,
    filter: CallFilter,
    errors: Errors,
) -> Result<IndexPage, PageError> {
    // Three independent reads, side by side.
    let (page, tree, rule) = tokio::try_join!(
        calls::list(&state.app, &user.actor, &filter),
        qingtuan_app::registry::orgs::tree_level(&state.app, &user.actor, volunteering::READ, &filter.org),
        volunteering::attendance_rule(&state.app, &user.actor),
    )?;
    Ok(IndexPage {
        layout: Layout::new(user, "/volunteering", "志愿动员"),
        tree,
        tree_query: crate::pages::tree_query(&filter),
        query: query_without_page(&filter),
        filter,
        page,
        statuses: Status::ALL,
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        can_approve: user.actor.can_somewhere(volunteering::APPROVE),
        can_export: user.actor.can_somewhere(volunteering::EXPORT),
        min_share: rule.min_share_percent,
        can_set_share: rule.can_change,
        errors,
    })
}

/// The desk's front page: the calls, current and upcoming first, filtered and paged.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<CallFilter>,
) -> Result<Response, PageError> {
    render(&index_page(&state, &user, filter, Errors::default()).await?)
}

/// The calls the filter finds, as a workbook.
pub async fn export_calls(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<CallFilter>,
) -> Result<Response, PageError> {
    Ok(xlsx_download("calls.xlsx", calls::export(&state.app, &user.actor, &filter).await?))
}

#[derive(Template)]
#[template(path = "volunteering/call.html")]
struct CallPage {
    layout: Layout,
    d: CallDetail,
    form: CallText,
    /// The new shift as typed (kept when refused).
    shift: ShiftFields,
    tasks: &'static [Task],
    errors: Errors,
}

/// A shift as typed into the call page's form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShiftFields {
    on_date: String,
    start: String,
    end: String,
    place: String,
    places: String,
}

impl ShiftFields {
    fn to_new(&self) -> Result<volunteering::NewShift, Invalid> {
        let parsed = (
            self.on_date.trim().parse(),
            self.start.trim().parse(),
            self.end.trim().parse(),
            self.places.trim().parse(),
        );
        match parsed {
            (Ok(on_date), Ok(start), Ok(end), Ok(places)) => {
                Ok(volunteering::NewShift { on_date, start, end, place: self.place.clone(), places })
            }
            _ => Err(Invalid::one("shifts", "请填写班次的日期、开始和结束时间（如 08:00）以及名额")),
        }
    }
}

async fn call_page(
    state: &AppState,
    user: &CurrentUser,
    id: CallId,
    form: Option<CallText>,
    errors: Errors,
) -> Result<CallPage, PageError> {
    let d = calls::detail(&state.app, &user.actor, id).await?;
    let form = form.unwrap_or_else(|| CallText {
        title: d.row.title.clone(),
        task: d.task_code.clone(),
        description: d.description.clone(),
        contact: d.contact.clone(),
        signup_deadline: d.signup_deadline.map(|d| d.to_string()).unwrap_or_default(),
    });
    Ok(CallPage {
        layout: Layout::new(user, "/volunteering", format!("招募令：{}", d.row.title)),
        d,
        form,
        shift: ShiftFields::default(),
        tasks: Task::ALL,
        errors,
    })
}

/// Adds a shift to an open call.
pub async fn add_shift(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
    Form(typed): Form<ShiftFields>,
) -> Result<Response, PageError> {
    let result = match typed.to_new() {
        Ok(new) => calls::add_shift(&state.app, &user.actor, id, &new).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Saved)),
        Err(e) => {
            let mut page = call_page(&state, &user, id, None, Errors(Some(e))).await?;
            page.shift = typed;
            render_invalid(&page)
        }
    }
}

/// A call's page: what it tells volunteers, its shifts and teams, its poster; edit and close.
pub async fn call(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    render(&call_page(&state, &user, id, None, Errors::default()).await?)
}

pub async fn update_call(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
    Form(form): Form<CallText>,
) -> Result<Response, PageError> {
    match calls::update(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Saved)),
        Err(e) => render_invalid(&call_page(&state, &user, id, Some(form), Errors(Some(e))).await?),
    }
}

pub async fn close_call(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    calls::close(&state.app, &user.actor, id).await?;
    Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Closed))
}

/// Sets a call's poster (a multipart form with the image in `document`).
pub async fn upload_poster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择海报上传").await {
        Ok(Upload { document: (file_name, bytes), .. }) => {
            calls::set_poster(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Saved)),
        Err(e) => render_invalid(&call_page(&state, &user, id, None, Errors(Some(e))).await?),
    }
}

pub async fn poster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    Ok(image(calls::poster(&state.app, &user.actor, id).await?))
}

/// The call form has rows for up to five shifts; empty rows are skipped.
pub const SHIFT_ROWS: usize = 5;

#[derive(Template)]
#[template(path = "volunteering/new_call.html")]
struct NewCallPage {
    layout: Layout,
    tasks: &'static [Task],
    rows: Vec<usize>,
    fields: Vec<(String, String)>,
    errors: Errors,
}

impl NewCallPage {
    /// What was typed into a field, to show the form again.
    fn typed(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

fn new_call_page(user: &CurrentUser, fields: Vec<(String, String)>, errors: Errors) -> NewCallPage {
    NewCallPage {
        layout: Layout::new(user, "/volunteering", "发布招募令"),
        tasks: Task::ALL,
        rows: (0..SHIFT_ROWS).collect(),
        fields,
        errors,
    }
}

pub async fn new_call(user: CurrentUser) -> Result<Response, PageError> {
    render(&new_call_page(&user, Vec::new(), Errors::default()))
}

fn call_from(fields: &[(String, String)], today: NaiveDate) -> Result<volunteering::NewCall, Invalid> {
    let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim()).unwrap_or("");
    let mut shifts = Vec::new();
    let mut problems = Vec::new();
    for i in 0..SHIFT_ROWS {
        let (date, start, end, place, places) = (
            get(&format!("date{i}")),
            get(&format!("start{i}")),
            get(&format!("end{i}")),
            get(&format!("place{i}")),
            get(&format!("places{i}")),
        );
        if [date, start, end, place, places].iter().all(|v| v.is_empty()) {
            continue;
        }
        match (date.parse(), start.parse(), end.parse(), places.parse()) {
            (Ok(on_date), Ok(start), Ok(end), Ok(places)) => {
                shifts.push(volunteering::NewShift { on_date, start, end, place: place.to_owned(), places });
            }
            _ => problems.push(qingtuan_domain::FieldError {
                field: "shifts",
                message: format!("第 {} 个班次：请填写日期、开始和结束时间（如 08:00）以及名额", i + 1),
            }),
        }
    }
    if shifts.is_empty() && problems.is_empty() {
        problems.push(qingtuan_domain::FieldError { field: "shifts", message: "请至少填写一个班次".into() });
    }
    if !problems.is_empty() {
        return Err(Invalid(problems));
    }
    Ok(volunteering::NewCall {
        org_code: get("org_code").to_owned(),
        title: get("title").to_owned(),
        task: get("task").to_owned(),
        published_on: today,
        real_name: get("real_name") == "on",
        shifts,
        description: get("description").to_owned(),
        contact: get("contact").to_owned(),
        signup_deadline: get("signup_deadline").to_owned(),
    })
}

pub async fn create_call(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let today = qingtuan_domain::time::local_date(state.app.now());
    let result = match call_from(&fields, today) {
        Ok(call) => volunteering::create_call(&state.app, &user.actor, &call).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result.or_invalid()? {
        Ok((id, _)) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Published)),
        Err(e) => {
            let kept = fields.into_iter().filter(|(k, _)| k != "_csrf").collect();
            render_invalid(&new_call_page(&user, kept, Errors(Some(e))))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShareForm {
    percent: String,
}

/// The district changes the attendance rule.
pub async fn set_min_share(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ShareForm>,
) -> Result<Response, PageError> {
    let result = match form.percent.trim().trim_end_matches('%').parse::<i64>() {
        Ok(p) => volunteering::set_min_share_percent(&state.app, &user.actor, p).await,
        Err(_) => Err(AppError::Invalid(Invalid::one("percent", "出勤比例应为 1 至 100 的整数"))),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect("/volunteering", Done::Saved)),
        Err(e) => render_invalid(&index_page(&state, &user, CallFilter::default(), Errors(Some(e))).await?),
    }
}

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] =
    &[MenuEntry { href: "/volunteering", label: "志愿动员", need: read(Module::Volunteering) }];

/// The organisers' side of volunteering: calls, shifts, teams, donations, hours.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteering", get(show))
        .route("/volunteering/calls/new", get(new_call))
        .route("/volunteering/calls", post(create_call))
        .route("/volunteering/settings", post(set_min_share))
        .route("/volunteering/teams", get(teams::teams).post(teams::create_team))
        .route("/volunteering/calls.xlsx", get(export_calls))
        .route("/volunteering/calls/{id}", get(call).post(update_call))
        .route("/volunteering/calls/{id}/close", post(close_call))
        .route("/volunteering/calls/{id}/poster", get(poster))
        .route("/volunteering/teams/{id}", get(teams::team))
        .route("/volunteering/teams/{id}/members", post(teams::add_member))
        .route("/volunteering/teams/{id}/change", post(teams::change_team))
        .route("/volunteering/calls/{id}/share", get(shifts::share_call))
        .route("/volunteering/shifts/{id}/team", post(teams::team_takes_shift))
        .route("/volunteering/shifts/{id}/signups/{signup}/turnout", post(shifts::record_by_hand))
        .route("/volunteering/shifts/{id}/signups", post(shifts::sign_up_at_desk))
        .route("/volunteering/shifts/{id}/signups/{signup}/cancel", post(shifts::cancel_signup))
        .route("/volunteering/calls/{id}/shifts", post(add_shift))
        .route("/volunteering/donations", get(donations::donations).post(donations::record_donation))
        .route("/volunteering/shifts/{id}/served", post(shifts::record_served))
        .route("/volunteering/shifts/{id}", get(shifts::shift))
        .route("/volunteering/shifts/{id}/signups.xlsx", get(shifts::export_signups))
        .route("/volunteering/shifts/{id}/qr/{direction}", get(shifts::qr))
        .route("/volunteering/shifts/{id}/turnouts/{turnout}/hours", post(hours::adjust_hours))
        .route("/volunteering/hours", get(hours::hours))
        .route("/volunteering/hours/{id}/{decision}", post(hours::decide_hours))
}

/// The poster upload, with the documents' body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/volunteering/calls/{id}/poster", post(upload_poster))
}
