//! The public portal (`/portal`): phone-first pages anyone may open. Forms carry the pre-session
//! CSRF token (a cookie and a field); the private link is the only key to a sign-up. The browser
//! that signed up remembers its private links (an HttpOnly cookie), so scanning the check-in QR
//! code with the same phone needs no typing; anyone else types their sign-up code.

mod activity;
mod ballots;
mod openings;
mod venues;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use qingtuan_app::AppError;
use qingtuan_app::activities::PublicActivity;
use qingtuan_app::portal::{self, MySignup, PublicCall, ServiceRecord, SignupForm};
use qingtuan_app::portal::{PortalFilter, activities};
use qingtuan_app::registry::regions::{self, RegionView};
use qingtuan_app::selection::{self, OpeningRow};
use qingtuan_app::volunteering::checkin::{self, Outcome, Scan, Who};
use qingtuan_domain::activity::Category;
use qingtuan_domain::ids::{ActivityId, CallId, ShiftId};

use crate::extract::{Path, Query};
use crate::layout::Errors;
use crate::middleware::{LOGIN_CSRF_COOKIE, cookie, is_secure, set_cookie};
use crate::pages::{Submitted, render, render_invalid};
use crate::{AppState, Client, PageError};

/// The form token of an anonymous visitor: the one their cookie holds, or a new one to set.
pub(super) fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, LOGIN_CSRF_COOKIE).filter(|c| !c.is_empty()) {
        Some(existing) => (existing, None),
        None => {
            let token = qingtuan_app::crypto::random_token();
            let set = set_cookie(is_secure(state, headers), LOGIN_CSRF_COOKIE, &token, Some(3600 * 12));
            (token, Some(set))
        }
    }
}

/// A portal page with its form token cookie (if new); 422 when it shows a refused form again.
pub(super) fn form_page(page: &impl Template, invalid: bool, set: Option<String>) -> Result<Response, PageError> {
    Ok(with_cookie(if invalid { render_invalid(page)? } else { render(page)? }, set))
}

pub(super) fn with_cookie(mut res: Response, set: Option<String>) -> Response {
    if let Some(v) = set.and_then(|s| s.parse().ok()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Template)]
#[template(path = "portal/index.html")]
struct IndexPage {
    title: &'static str,
    calls: Vec<PublicCall>,
    activities: Vec<PublicActivity>,
    openings: Vec<OpeningRow>,
    filter: PortalFilter,
    streets: Vec<RegionView>,
    categories: &'static [Category],
}

pub(super) fn today(state: &AppState) -> chrono::NaiveDate {
    qingtuan_domain::time::local_date(state.app.now())
}

/// Open activities and recruitment calls, by street and category.
pub async fn index(State(state): State<AppState>, Query(filter): Query<PortalFilter>) -> Result<Response, PageError> {
    let calls = portal::open_calls(&state.app, today(&state), None, &filter).await?;
    let activities = activities::open_activities(&state.app, today(&state), &filter).await?;
    let streets = regions::streets(&state.app).await?;
    let openings = selection::public_openings(&state.app).await?;
    render(&IndexPage {
        title: "青春活动与志愿招募",
        calls,
        activities,
        openings,
        filter,
        streets,
        categories: Category::ALL,
    })
}

#[derive(Template)]
#[template(path = "portal/call.html")]
struct CallPage {
    title: String,
    call: PublicCall,
    csrf: String,
    errors: Errors,
    /// What was typed, kept when the form comes back with its problems.
    form: SignupForm,
}

async fn call_page(
    state: &AppState,
    headers: &HeaderMap,
    id: CallId,
    errors: Errors,
    invalid: bool,
    form: SignupForm,
) -> Result<Response, PageError> {
    let call = portal::open_calls(&state.app, today(state), Some(CallId(id.0)), &PortalFilter::default())
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let (csrf, set) = form_token(state, headers);
    let page = CallPage { title: call.title.clone(), call, csrf, errors, form };
    form_page(&page, invalid, set)
}

pub async fn call(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    call_page(&state, &headers, id, Errors::default(), false, SignupForm::default()).await
}

/// An activity's poster.
pub async fn activity_poster(State(state): State<AppState>, Path(id): Path<ActivityId>) -> Result<Response, PageError> {
    Ok(crate::pages::image(qingtuan_app::activities::poster(&state.app, None, id).await?))
}

/// An open call's poster.
pub async fn call_poster(State(state): State<AppState>, Path(id): Path<CallId>) -> Result<Response, PageError> {
    Ok(crate::pages::image(portal::call_poster(&state.app, id).await?))
}

#[derive(Template)]
#[template(path = "portal/receipt.html")]
struct ReceiptPage {
    title: &'static str,
    /// What was booked, as the private page shows it.
    s: MySignup,
    /// The private link, absolute, and as a QR code to keep on the phone.
    link: String,
    qr: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(shift_id): Path<ShiftId>,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    match portal::sign_up(&state.app, &client, shift_id, &form).await.or_invalid()? {
        Ok(receipt) => {
            let mut kept = remembered(&headers);
            kept.insert(0, receipt.token.clone());
            kept.truncate(REMEMBERED_MAX);
            let set = set_cookie(is_secure(&state, &headers), SIGNUPS_COOKIE, &kept.join("."), Some(180 * 24 * 3600));
            let s = portal::mine(&state.app, &receipt.token).await?;
            let link = crate::pages::share::absolute_url(&state, &headers, &format!("/portal/me/{}", receipt.token));
            let qr = crate::pages::share::qr_svg(&link)?;
            let page = ReceiptPage { title: "报名成功", s, link, qr };
            Ok(with_cookie(render(&page)?, Some(set)))
        }
        Err(e) => {
            let call_id = portal::call_of_shift(&state.app, shift_id).await?;
            call_page(&state, &headers, call_id, Errors(Some(e)), true, form).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/me.html")]
struct MePage {
    title: &'static str,
    s: MySignup,
    token: String,
    csrf: String,
    errors: Errors,
    done: Option<Outcome>,
}

async fn me_page(
    state: &AppState,
    headers: &HeaderMap,
    token: String,
    errors: Errors,
    done: Option<Outcome>,
) -> Result<Response, PageError> {
    let s = portal::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = MePage { title: "我的报名", s, token, csrf, errors, done };
    form_page(&page, invalid, set)
}

pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    me_page(&state, &headers, token, Errors::default(), None).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// The fallback: the volunteer types the six digits shown beside the QR code.
pub async fn me_checkin(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    match checkin::check_with_typed_code(&state.app, &client, &token, &form.code).await.or_invalid()? {
        Ok(done) => me_page(&state, &headers, token, Errors::default(), Some(done)).await,
        Err(e) => me_page(&state, &headers, token, Errors(Some(e)), None).await,
    }
}

#[derive(Template)]
#[template(path = "portal/record.html")]
struct RecordPage {
    title: &'static str,
    r: ServiceRecord,
    token: String,
}

pub async fn service_record(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, PageError> {
    let r = portal::service_record(&state.app, &token).await?;
    render(&RecordPage { title: "志愿服务记录证明", r, token })
}

/// The browser's remembered sign-ups (private-link tokens, newest first).
const SIGNUPS_COOKIE: &str = "qt_signups";
const REMEMBERED_MAX: usize = 10;

fn remembered(headers: &HeaderMap) -> Vec<String> {
    cookie(headers, SIGNUPS_COOKIE)
        .map(|v| v.split('.').filter(|t| !t.is_empty()).take(REMEMBERED_MAX).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "portal/checkin.html")]
struct CheckinPage {
    title: String,
    scan: Option<Scan>,
    token: String,
    /// Whether this browser holds a sign-up for the shift (then no code is asked for).
    known: Option<String>,
    csrf: String,
    errors: Errors,
    done: Option<Outcome>,
}

async fn checkin_page(
    state: &AppState,
    headers: &HeaderMap,
    token: String,
    errors: Errors,
    done: Option<Outcome>,
) -> Result<Response, PageError> {
    let (csrf, set) = form_token(state, headers);
    let (scan, errors) = match checkin::scan(&state.app, &token).await.or_invalid()? {
        Ok(scan) => (Some(scan), errors),
        Err(e) => (None, Errors(Some(e))),
    };
    let known = match &scan {
        Some(scan) => checkin::remembered_name(&state.app, ShiftId(scan.shift_id.0), &remembered(headers)).await?,
        None => None,
    };
    let title = match (&done, &scan) {
        (Some(d), _) => format!("{}成功", d.direction.label()),
        (None, Some(s)) => s.direction.label().to_owned(),
        (None, None) => "签到".to_owned(),
    };
    let invalid = errors.0.is_some();
    let page = CheckinPage { title, scan, token, known, csrf, errors, done };
    form_page(&page, invalid, set)
}

/// The page the QR code opens: it records nothing until the volunteer confirms.
pub async fn checkin_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    checkin_page(&state, &headers, token, Errors::default(), None).await
}

pub async fn checkin(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let who =
        if form.code.trim().is_empty() { Who::Remembered(remembered(&headers)) } else { Who::SignupCode(form.code) };
    match checkin::check_with_token(&state.app, &client, &token, &who).await.or_invalid()? {
        Ok(done) => checkin_page(&state, &headers, token, Errors::default(), Some(done)).await,
        Err(e) => checkin_page(&state, &headers, token, Errors(Some(e)), None).await,
    }
}

/// A cancellation is confirmed first: the page says what is cancelled and that it cannot be
/// undone, and only its confirmed form acts.
#[derive(Template)]
#[template(path = "portal/confirm.html")]
struct ConfirmPage {
    title: &'static str,
    message: String,
    action: String,
    button: &'static str,
    back: String,
    csrf: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Confirmed {
    confirm: String,
}

impl Confirmed {
    pub(super) fn yes(&self) -> bool {
        self.confirm == "yes"
    }
}

pub(super) fn confirm_cancel(
    state: &AppState,
    headers: &HeaderMap,
    what: String,
    path: String,
) -> Result<Response, PageError> {
    let (csrf, set) = form_token(state, headers);
    let page = ConfirmPage {
        title: "确认取消",
        message: format!("确定取消{what}？取消后不能恢复。"),
        action: format!("{path}/cancel"),
        button: "确认取消",
        back: path,
        csrf,
    };
    form_page(&page, false, set)
}

pub async fn cancel(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Result<Response, PageError> {
    if !confirmed.yes() {
        let s = portal::mine(&state.app, &token).await?;
        let what = format!("“{}”{} {} {}的报名", s.call_title, s.on_date, s.time, s.place);
        return confirm_cancel(&state, &headers, what, format!("/portal/me/{token}"));
    }
    portal::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/me/{token}")).into_response())
}

/// The application form's upload, with the documents' body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/portal/openings/{id}/apply", post(openings::apply))
}

/// The public portal: calls, activities, sign-ups, private links, check-in, raters' ballots,
/// openings with their applications and public notices.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(index))
        .route("/portal/calls/{id}", get(call))
        .route("/portal/calls/{id}/poster", get(call_poster))
        .route("/portal/venues", get(venues::venues))
        .route("/portal/venues/{id}", get(venues::venue))
        .route("/portal/venues/{id}/book", post(venues::book))
        .route("/portal/venue-photos/{id}", get(venues::venue_photo))
        .route("/portal/bookings/{token}", get(venues::my_booking))
        .route("/portal/bookings/{token}/cancel", post(venues::cancel_booking))
        .route("/portal/activities/{id}", get(activity::activity))
        .route("/portal/activities/{id}/poster", get(activity_poster))
        .route("/portal/activities/{id}/signup", post(activity::activity_sign_up))
        .route("/portal/activity-signups/{token}", get(activity::activity_me))
        .route("/portal/activity-signups/{token}/cancel", post(activity::activity_cancel))
        .route("/portal/shifts/{id}/signup", post(sign_up))
        .route("/portal/me/{token}", get(me))
        .route("/portal/me/{token}/cancel", post(cancel))
        .route("/portal/me/{token}/checkin", post(me_checkin))
        .route("/portal/me/{token}/record", get(service_record))
        .route("/portal/checkin/{token}", get(checkin_form).post(checkin))
        .route("/portal/reviews/{token}", get(ballots::review).post(ballots::review_cast))
        .route("/portal/openings/{id}", get(openings::opening))
        .route("/portal/openings/{id}/notice", get(openings::notice).post(openings::object))
        .route("/portal/applications/{token}", get(openings::my_application))
}
