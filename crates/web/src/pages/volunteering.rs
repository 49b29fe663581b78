//! The organisers' view of volunteer mobilisation: recruitment calls and their shifts, commando
//! teams and donations of a period, with people served recorded per shift; a shift's sign-ups with
//! the check-in screen and hours added or revoked by hand; the approvals of added hours.

use crate::extract::{Path, Query};
use crate::layout::{MenuEntry, read};
use crate::pages::share::{SharePage, absolute_url, qr_svg};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::portal::SignupForm;
use qingtuan_app::volunteering::calls::{self, CallDetail, CallFilter, CallRow, CallText, Status};
use qingtuan_app::volunteering::checkin::{self, Direction, Screen};
use qingtuan_app::volunteering::{
    self, DonationFilter, DonationView, PendingHours, ShiftDetail, TeamDetail, TeamFilter, TeamView,
};
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::{CallId, ShiftId, ShiftSignupId, TeamId, TurnoutId};
use qingtuan_domain::money::Fen;
use qingtuan_domain::permission::Module;
use qingtuan_domain::volunteering::Task;

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Upload, image, query_without_page, read_upload, render, render_invalid, xlsx_download};
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
    // Four independent reads, side by side.
    let (page, tree, min_share, can_set_share) = tokio::try_join!(
        calls::list(&state.app, &user.actor, &filter),
        qingtuan_app::registry::orgs::tree_level(&state.app, &user.actor, volunteering::READ, &filter.org),
        volunteering::min_share_percent(&state.app.db),
        qingtuan_app::access::scope::covers_everything(&state.app.db, &user.actor, volunteering::APPROVE),
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
        min_share,
        can_set_share,
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
    Ok(xlsx_download("calls.xlsx", calls::export_xlsx(&state.app, &user.actor, &filter).await?))
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
    match result {
        Ok(_) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Saved)),
        Err(AppError::Invalid(e)) => {
            let mut page = call_page(&state, &user, id, None, Errors(Some(e))).await?;
            page.shift = typed;
            render_invalid(&page)
        }
        Err(e) => Err(e.into()),
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
    match calls::update(&state.app, &user.actor, id, &form).await {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Saved)),
        Err(AppError::Invalid(e)) => render_invalid(&call_page(&state, &user, id, Some(form), Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
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
    match result {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Saved)),
        Err(AppError::Invalid(e)) => render_invalid(&call_page(&state, &user, id, None, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

pub async fn poster(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    Ok(image(calls::poster(&state.app, &user.actor, id).await?))
}

pub async fn record_served(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
    Form(form): Form<super::ServedForm>,
) -> Result<Response, PageError> {
    let result = match form.count() {
        Ok(n) => volunteering::record_people_served(&state.app, &user.actor, id, n).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(call) => Ok(done::redirect(&format!("/volunteering/calls/{call}"), Done::Saved)),
        Err(AppError::Invalid(e)) => {
            let call = qingtuan_app::portal::call_of_shift(&state.app, id).await?;
            render_invalid(&call_page(&state, &user, call, None, Errors(Some(e))).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteering/shift.html")]
struct ShiftPage {
    layout: Layout,
    d: ShiftDetail,
    can_write: bool,
    teams: Vec<(i64, String)>,
    /// A sign-up taken at the desk, as typed (kept when refused).
    form: SignupForm,
    errors: Errors,
}

async fn shift_page(state: &AppState, user: &CurrentUser, id: ShiftId, errors: Errors) -> Result<ShiftPage, PageError> {
    let d = volunteering::shift_detail(&state.app, &user.actor, id).await?;
    let mut layout = Layout::new(user, "/volunteering", format!("班次：{} {}", d.on_date, d.place));
    layout.crumbs.insert(2, crate::layout::Crumb { label: d.call_title.clone(), href: None });
    let can_write = user.actor.can_somewhere(volunteering::WRITE);
    let teams = if can_write { volunteering::teams_in_scope(&state.app, &user.actor).await? } else { Vec::new() };
    Ok(ShiftPage { layout, d, can_write, teams, form: SignupForm::default(), errors })
}

/// Signs a volunteer up at the organisers' desk (one who phoned in or came by).
pub async fn sign_up_at_desk(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(shift_id): Path<ShiftId>,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    match qingtuan_app::portal::sign_up_at_desk(&state.app, &user.actor, shift_id, &form).await {
        Ok(_) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(AppError::Invalid(e)) => {
            let mut page = shift_page(&state, &user, shift_id, Errors(Some(e))).await?;
            page.form = form;
            render_invalid(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CancelForm {
    /// `yes` once the organiser saw whose sign-up ends.
    confirm: String,
}

/// Cancels a sign-up for the volunteer, after a confirmation naming them.
pub async fn cancel_signup(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((shift_id, signup_id)): Path<(ShiftId, ShiftSignupId)>,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        let d = volunteering::shift_detail(&state.app, &user.actor, shift_id).await?;
        let row = d.signups.iter().find(|r| r.id == signup_id.0).ok_or(AppError::NotFound)?;
        return render(&crate::pages::ConfirmPage {
            layout: Layout::new(&user, "/volunteering", "确认取消报名"),
            message: format!(
                "取消{}（{}）在 {} {} 班次的报名。名额随之空出，此人需重新报名才能参加。",
                row.name, row.phone, d.on_date, d.place
            ),
            action: format!("/volunteering/shifts/{shift_id}/signups/{signup_id}/cancel"),
            fields: Vec::new(),
            button: "确认取消报名",
            back: format!("/volunteering/shifts/{shift_id}"),
        });
    }
    match volunteering::cancel_signup(&state.app, &user.actor, signup_id).await {
        Ok(_) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Saved)),
        Err(AppError::Invalid(e)) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

pub async fn shift(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
) -> Result<Response, PageError> {
    render(&shift_page(&state, &user, id, Errors::default()).await?)
}

pub async fn export_signups(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
) -> Result<Response, PageError> {
    let bytes = volunteering::export_signups(&state.app, &user.actor, id).await?;
    Ok(xlsx_download(&format!("shift-{id}-signups.xlsx"), bytes))
}

#[derive(Template)]
#[template(path = "volunteering/qr.html")]
struct QrPage {
    screen: Screen,
    svg: String,
    url: String,
}

/// The organiser's check-in screen: a QR code (and a typed code) that the page replaces every
/// 30 seconds by reloading itself.
pub async fn qr(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path((id, direction)): Path<(ShiftId, String)>,
) -> Result<Response, PageError> {
    let direction = Direction::parse(&direction).ok_or(AppError::NotFound)?;
    let screen = checkin::screen(&state.app, &user.actor, id, direction).await?;
    let url = absolute_url(&state, &headers, &format!("/portal/checkin/{}", screen.token));
    let svg = qr_svg(&url)?;
    render(&QrPage { screen, svg, url })
}

/// A call's portal link and QR code, to post in online communities or print.
pub async fn share_call(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    let title = calls::title(&state.app, &user.actor, id).await?;
    let url = absolute_url(&state, &headers, &format!("/portal/calls/{id}"));
    render(&SharePage { title, svg: qr_svg(&url)?, url, back: format!("/volunteering/calls/{id}") })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HoursForm {
    /// `add` (waits for approval) or `revoke`.
    action: String,
    minutes: String,
    reason: String,
    /// `yes` once the user saw what revoking changes.
    confirm: String,
}

pub async fn adjust_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((shift_id, turnout_id)): Path<(ShiftId, TurnoutId)>,
    Form(form): Form<HoursForm>,
) -> Result<Response, PageError> {
    let result = match form.minutes.trim().parse::<i64>() {
        Err(_) => Err(AppError::Invalid(Invalid::one("minutes", "时长应为整数分钟"))),
        // Revoking takes effect at once: what it changes is shown and confirmed first.
        Ok(m) if form.action == "revoke" && form.confirm != "yes" && m > 0 && !form.reason.trim().is_empty() => {
            let d = volunteering::shift_detail(&state.app, &user.actor, shift_id).await?;
            let row = d.signups.iter().find(|r| r.turnout_id == Some(turnout_id.0));
            if row.is_some_and(|r| m > r.minutes) {
                // More than was credited: the use-case says why, nothing to confirm.
                let e = volunteering::revoke_hours(&state.app, &user.actor, turnout_id, m, &form.reason).await;
                return match e {
                    Err(AppError::Invalid(e)) => {
                        render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?)
                    }
                    Err(e) => Err(e.into()),
                    Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
                };
            }
            let who = row.map_or_else(|| "该志愿者".to_owned(), |r| r.name.clone());
            let now = row.map_or(String::new(), |r| {
                format!("（现计 {} 分钟，核减后 {} 分钟）", r.minutes, (r.minutes - m).max(0))
            });
            return render(&crate::pages::ConfirmPage {
                layout: Layout::new(&user, "/volunteering", "确认核减服务时长"),
                message: format!(
                    "核减{who}在 {} {} 班次计入的服务时长 {m} 分钟{now}，原因：{}。核减立即生效，服务时长合计随之减少。",
                    d.on_date,
                    d.place,
                    form.reason.trim()
                ),
                action: format!("/volunteering/shifts/{shift_id}/turnouts/{turnout_id}/hours"),
                fields: vec![("action", form.action), ("minutes", form.minutes), ("reason", form.reason)],
                button: "确认核减",
                back: format!("/volunteering/shifts/{shift_id}"),
            });
        }
        Ok(m) if form.action == "revoke" => {
            volunteering::revoke_hours(&state.app, &user.actor, turnout_id, m, &form.reason).await
        }
        Ok(m) => volunteering::request_hours(&state.app, &user.actor, turnout_id, m, &form.reason).await.map(|_| ()),
    };
    match result {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(AppError::Invalid(e)) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteering/hours.html")]
struct HoursPage {
    layout: Layout,
    pending: Vec<PendingHours>,
    errors: Errors,
}

async fn hours_page(state: &AppState, user: &CurrentUser, errors: Errors) -> Result<HoursPage, PageError> {
    let pending = volunteering::pending_hours(&state.app, &user.actor).await?;
    Ok(HoursPage { layout: Layout::new(user, "/volunteering", "补录时长审批"), pending, errors })
}

pub async fn hours(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&hours_page(&state, &user, Errors::default()).await?)
}

pub async fn decide_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, decision)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    match volunteering::decide_hours(&state.app, &user.actor, id, approve).await {
        Ok(()) => Ok(done::redirect("/volunteering/hours", Done::Saved)),
        Err(AppError::Invalid(e)) => render_invalid(&hours_page(&state, &user, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteering/teams.html")]
struct TeamsPage {
    layout: Layout,
    filter: TeamFilter,
    query: String,
    page: Page<TeamView>,
    can_write: bool,
    today: NaiveDate,
    errors: Errors,
}

async fn teams_page(
    state: &AppState,
    user: &CurrentUser,
    filter: TeamFilter,
    errors: Errors,
) -> Result<TeamsPage, PageError> {
    let page = volunteering::teams(&state.app, &user.actor, &filter).await?;
    Ok(TeamsPage {
        layout: Layout::new(user, "/volunteering", "青年突击队"),
        query: query_without_page(&filter),
        filter,
        page,
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        today: qingtuan_domain::time::local_date(state.app.now()),
        errors,
    })
}

/// The commando teams, filtered and paged, with the form to form one.
pub async fn teams(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<TeamFilter>,
) -> Result<Response, PageError> {
    render(&teams_page(&state, &user, filter, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamForm {
    org_code: String,
    name: String,
    formed_on: String,
}

pub async fn create_team(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TeamForm>,
) -> Result<Response, PageError> {
    let result = match form.formed_on.trim().parse::<NaiveDate>() {
        Ok(formed_on) => {
            let team = volunteering::NewTeam { org_code: form.org_code.trim().to_owned(), name: form.name, formed_on };
            volunteering::create_team(&state.app, &user.actor, &team).await
        }
        Err(_) => Err(AppError::Invalid(Invalid::one("formed_on", "请填写组建日期"))),
    };
    match result {
        Ok(id) => Ok(done::redirect(&format!("/volunteering/teams/{id}"), Done::Created)),
        Err(AppError::Invalid(e)) => {
            render_invalid(&teams_page(&state, &user, TeamFilter::default(), Errors(Some(e))).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteering/donations.html")]
struct DonationsPage {
    layout: Layout,
    filter: DonationFilter,
    query: String,
    page: Page<DonationView>,
    can_write: bool,
    today: NaiveDate,
    errors: Errors,
}

async fn donations_page(
    state: &AppState,
    user: &CurrentUser,
    filter: DonationFilter,
    errors: Errors,
) -> Result<DonationsPage, PageError> {
    let page = volunteering::donations(&state.app, &user.actor, &filter).await?;
    Ok(DonationsPage {
        layout: Layout::new(user, "/volunteering", "捐款捐物"),
        query: query_without_page(&filter),
        filter,
        page,
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        today: qingtuan_domain::time::local_date(state.app.now()),
        errors,
    })
}

/// The donations for calls over a period, paged, with the form to record one.
pub async fn donations(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<DonationFilter>,
) -> Result<Response, PageError> {
    render(&donations_page(&state, &user, filter, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DonationForm {
    org_code: String,
    donor_kind: String,
    donor_name: String,
    kind: String,
    yuan: String,
    purpose: String,
    donated_on: String,
    receipt_no: String,
}

pub async fn record_donation(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<DonationForm>,
) -> Result<Response, PageError> {
    let result = match (Fen::parse_yuan("yuan", &form.yuan), form.donated_on.trim().parse::<NaiveDate>()) {
        (Ok(value), Ok(donated_on)) => {
            let d = volunteering::NewDonation {
                org_code: form.org_code.trim().to_owned(),
                donor_name: Some(form.donor_name).filter(|n| !n.trim().is_empty()),
                donor_kind: form.donor_kind,
                kind: form.kind,
                value,
                purpose: form.purpose,
                donated_on,
                receipt_no: form.receipt_no,
            };
            volunteering::record_donation(&state.app, &user.actor, &d).await.map(|_| ())
        }
        (Err(e), _) => Err(AppError::Invalid(e)),
        (Ok(_), Err(_)) => Err(AppError::Invalid(Invalid::one("donated_on", "请填写捐赠日期"))),
    };
    match result {
        Ok(()) => Ok(done::redirect("/volunteering/donations", Done::Saved)),
        Err(AppError::Invalid(e)) => {
            render_invalid(&donations_page(&state, &user, DonationFilter::default(), Errors(Some(e))).await?)
        }
        Err(e) => Err(e.into()),
    }
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
    match result {
        Ok((id, _)) => Ok(done::redirect(&format!("/volunteering/calls/{id}"), Done::Published)),
        Err(AppError::Invalid(e)) => {
            let kept = fields.into_iter().filter(|(k, _)| k != "_csrf").collect();
            render_invalid(&new_call_page(&user, kept, Errors(Some(e))))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteering/team.html")]
struct TeamPage {
    layout: Layout,
    t: TeamDetail,
    today: NaiveDate,
    can_write: bool,
    errors: Errors,
}

async fn team_page(state: &AppState, user: &CurrentUser, id: TeamId, errors: Errors) -> Result<TeamPage, PageError> {
    let t = volunteering::team(&state.app, &user.actor, id).await?;
    Ok(TeamPage {
        layout: Layout::new(user, "/volunteering", t.name.clone()),
        t,
        today: qingtuan_domain::time::local_date(state.app.now()),
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        errors,
    })
}

pub async fn team(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
) -> Result<Response, PageError> {
    render(&team_page(&state, &user, id, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MemberForm {
    name: String,
    phone: String,
    joined_on: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    let result = match form.joined_on.trim().parse::<NaiveDate>() {
        Ok(on) => volunteering::add_member(&state.app, &user.actor, id, &form.name, &form.phone, on).await.map(|_| ()),
        Err(_) => Err(AppError::Invalid(Invalid::one("joined_on", "请填写入队日期"))),
    };
    after_team_form(&state, &user, id, result).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamChangeForm {
    /// `leave`, `lead` or `disband`.
    action: String,
    person_id: String,
    on: String,
}

pub async fn change_team(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
    Form(form): Form<TeamChangeForm>,
) -> Result<Response, PageError> {
    use volunteering::TeamChange;
    let person = form.person_id.trim().parse::<i64>().ok();
    let on = form.on.trim().parse::<NaiveDate>().ok();
    let change = match (form.action.as_str(), person, on) {
        ("leave", Some(person_id), Some(on)) => Some(TeamChange::Leave { person_id, on }),
        ("lead", Some(person_id), _) => Some(TeamChange::Lead { person_id }),
        ("disband", _, Some(on)) => Some(TeamChange::Disband { on }),
        _ => None,
    };
    let result = match change {
        Some(c) => volunteering::change_team(&state.app, &user.actor, id, c).await,
        None => Err(AppError::Invalid(Invalid::one("on", "请填写日期"))),
    };
    after_team_form(&state, &user, id, result).await
}

async fn after_team_form(
    state: &AppState,
    user: &CurrentUser,
    id: TeamId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/teams/{id}"), Done::Saved)),
        Err(AppError::Invalid(e)) => render_invalid(&team_page(state, user, id, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamShiftForm {
    team_id: String,
    check_in: String,
    check_out: String,
}

/// A team takes the shift as a whole: a turn-out for each member.
pub async fn team_takes_shift(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(shift_id): Path<ShiftId>,
    Form(form): Form<TeamShiftForm>,
) -> Result<Response, PageError> {
    let parsed = (
        form.team_id.trim().parse::<TeamId>(),
        form.check_in.trim().parse::<chrono::NaiveTime>(),
        form.check_out.trim().parse::<chrono::NaiveTime>(),
    );
    let result = match parsed {
        (Ok(team), Ok(a), Ok(b)) => {
            volunteering::team_takes_shift(&state.app, &user.actor, team, shift_id, a, b).await.map(|_| ())
        }
        _ => Err(AppError::Invalid(Invalid::one("team", "请选择突击队并填写签到、签退时间（如 08:00）"))),
    };
    match result {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(AppError::Invalid(e)) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ByHandForm {
    check_in: String,
    check_out: String,
}

/// A sign-up's turn-out taken down by hand (no phone at the shift): its times on the shift's day.
pub async fn record_by_hand(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((shift_id, signup_id)): Path<(ShiftId, i64)>,
    Form(form): Form<ByHandForm>,
) -> Result<Response, PageError> {
    let parsed =
        (form.check_in.trim().parse::<chrono::NaiveTime>(), form.check_out.trim().parse::<chrono::NaiveTime>());
    let result = match parsed {
        (Ok(check_in), Ok(check_out)) => {
            let row = checkin::ByHand { signup_id, check_in, check_out };
            checkin::record_by_hand(&state.app, &user.actor, shift_id, &[row]).await.map(|_| ())
        }
        _ => Err(AppError::Invalid(Invalid::one("signups", "请填写签到、签退时间（如 08:00）"))),
    };
    match result {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(AppError::Invalid(e)) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
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
    match result {
        Ok(()) => Ok(done::redirect("/volunteering", Done::Saved)),
        Err(AppError::Invalid(e)) => {
            render_invalid(&index_page(&state, &user, CallFilter::default(), Errors(Some(e))).await?)
        }
        Err(e) => Err(e.into()),
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
        .route("/volunteering/teams", get(teams).post(create_team))
        .route("/volunteering/calls.xlsx", get(export_calls))
        .route("/volunteering/calls/{id}", get(call).post(update_call))
        .route("/volunteering/calls/{id}/close", post(close_call))
        .route("/volunteering/calls/{id}/poster", get(poster))
        .route("/volunteering/teams/{id}", get(team))
        .route("/volunteering/teams/{id}/members", post(add_member))
        .route("/volunteering/teams/{id}/change", post(change_team))
        .route("/volunteering/calls/{id}/share", get(share_call))
        .route("/volunteering/shifts/{id}/team", post(team_takes_shift))
        .route("/volunteering/shifts/{id}/signups/{signup}/turnout", post(record_by_hand))
        .route("/volunteering/shifts/{id}/signups", post(sign_up_at_desk))
        .route("/volunteering/shifts/{id}/signups/{signup}/cancel", post(cancel_signup))
        .route("/volunteering/calls/{id}/shifts", post(add_shift))
        .route("/volunteering/donations", get(donations).post(record_donation))
        .route("/volunteering/shifts/{id}/served", post(record_served))
        .route("/volunteering/shifts/{id}", get(shift))
        .route("/volunteering/shifts/{id}/signups.xlsx", get(export_signups))
        .route("/volunteering/shifts/{id}/qr/{direction}", get(qr))
        .route("/volunteering/shifts/{id}/turnouts/{turnout}/hours", post(adjust_hours))
        .route("/volunteering/hours", get(hours))
        .route("/volunteering/hours/{id}/{decision}", post(decide_hours))
}

/// The poster upload, with the documents' body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/volunteering/calls/{id}/poster", post(upload_poster))
}
