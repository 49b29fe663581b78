//! The public portal (`/portal`): phone-first pages anyone may open. Forms carry the pre-session
//! CSRF token (a cookie and a field); the private link is the only key to a sign-up. The browser
//! that signed up remembers its private links (an HttpOnly cookie), so scanning the check-in QR
//! code with the same phone needs no typing; anyone else types their sign-up code.

use std::collections::HashMap;

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use qingtuan_app::AppError;
use qingtuan_app::accountability::{self, Ballot};
use qingtuan_app::activities::PublicActivity;
use qingtuan_app::platforms::venues::Week;
use qingtuan_app::portal::PortalFilter;
use qingtuan_app::portal::activities::{self, MyActivitySignup};
use qingtuan_app::portal::bookings::{self, MyBooking, PortalBooking};
use qingtuan_app::portal::{self, MySignup, PublicCall, ServiceRecord, SignupForm};
use qingtuan_app::registry::regions::{self, RegionView};
use qingtuan_app::selection::{self, ApplicationForm, MyApplication, ObjectionForm, OpeningRow, PublicNotice};
use qingtuan_app::volunteering::checkin::{self, Outcome, Scan, Who};
use qingtuan_domain::activity::Category;
use qingtuan_domain::ids::{ActivityId, CallId, OpeningId, ShiftId, VenueId};
use qingtuan_domain::person::PoliticalStatus;
use qingtuan_domain::review::Grade;

use crate::layout::Errors;
use crate::middleware::{LOGIN_CSRF_COOKIE, cookie, is_secure, set_cookie};
use crate::pages::{Upload, read_upload, render, render_invalid};
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

fn with_cookie(mut res: Response, set: Option<String>) -> Response {
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

fn today(state: &AppState) -> chrono::NaiveDate {
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
    let call = portal::open_calls(&state.app, today(state), Some(id.0), &PortalFilter::default())
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
    match portal::sign_up(&state.app, &client, shift_id, &form).await {
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
        Err(AppError::Invalid(e)) => {
            let call_id = portal::call_of_shift(&state.app, shift_id).await?;
            call_page(&state, &headers, call_id, Errors(Some(e)), true, form).await
        }
        Err(e) => Err(e.into()),
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
    match checkin::check_with_typed_code(&state.app, &client, &token, &form.code).await {
        Ok(done) => me_page(&state, &headers, token, Errors::default(), Some(done)).await,
        Err(AppError::Invalid(e)) => me_page(&state, &headers, token, Errors(Some(e)), None).await,
        Err(e) => Err(e.into()),
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
    let (scan, errors) = match checkin::scan(&state.app, &token).await {
        Ok(scan) => (Some(scan), errors),
        Err(AppError::Invalid(e)) => (None, Errors(Some(e))),
        Err(e) => return Err(e.into()),
    };
    let known = match &scan {
        Some(scan) => checkin::remembered_name(&state.app, ShiftId(scan.shift_id), &remembered(headers)).await?,
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
    match checkin::check_with_token(&state.app, &client, &token, &who).await {
        Ok(done) => checkin_page(&state, &headers, token, Errors::default(), Some(done)).await,
        Err(AppError::Invalid(e)) => checkin_page(&state, &headers, token, Errors(Some(e)), None).await,
        Err(e) => Err(e.into()),
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

#[derive(Template)]
#[template(path = "portal/activity.html")]
struct ActivityPage {
    title: String,
    a: PublicActivity,
    csrf: String,
    errors: Errors,
    /// What was typed, kept when the form comes back with its problems.
    form: SignupForm,
}

async fn activity_page(
    state: &AppState,
    headers: &HeaderMap,
    id: ActivityId,
    errors: Errors,
    form: SignupForm,
) -> Result<Response, PageError> {
    let a = activities::public_activity(&state.app, today(state), id).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = ActivityPage { title: a.title.clone(), a, csrf, errors, form };
    form_page(&page, invalid, set)
}

pub async fn activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<ActivityId>,
) -> Result<Response, PageError> {
    activity_page(&state, &headers, id, Errors::default(), SignupForm::default()).await
}

#[derive(Template)]
#[template(path = "portal/activity_receipt.html")]
struct ActivityReceiptPage {
    title: &'static str,
    /// What was booked, as the private page shows it.
    s: MyActivitySignup,
    /// The private link, absolute, and as a QR code to keep on the phone.
    link: String,
    qr: String,
}

pub async fn activity_sign_up(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<ActivityId>,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    match activities::sign_up(&state.app, &client, id, &form).await {
        Ok(r) => {
            let s = activities::mine(&state.app, &r.receipt.token).await?;
            let path = format!("/portal/activity-signups/{}", r.receipt.token);
            let link = crate::pages::share::absolute_url(&state, &headers, &path);
            let qr = crate::pages::share::qr_svg(&link)?;
            render(&ActivityReceiptPage { title: "报名已提交", s, link, qr })
        }
        Err(AppError::Invalid(e)) => activity_page(&state, &headers, id, Errors(Some(e)), form).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/activity_me.html")]
struct ActivityMePage {
    title: &'static str,
    s: MyActivitySignup,
    token: String,
    csrf: String,
}

pub async fn activity_me(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let s = activities::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    Ok(with_cookie(render(&ActivityMePage { title: "我的活动报名", s, token, csrf })?, set))
}

pub async fn activity_cancel(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Result<Response, PageError> {
    if !confirmed.yes() {
        let s = activities::mine(&state.app, &token).await?;
        let what = format!("“{}”{} {}的报名", s.activity.title, s.activity.on_date, s.activity.time);
        return confirm_cancel(&state, &headers, what, format!("/portal/activity-signups/{token}"));
    }
    activities::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/activity-signups/{token}")).into_response())
}

#[derive(Template)]
#[template(path = "portal/review.html")]
struct ReviewPage {
    title: String,
    b: Ballot,
    token: String,
    /// Each reporter with the grade chosen in a refused submission (to keep what was typed).
    rows: Vec<(i64, String, String)>,
    grades: &'static [Grade],
    csrf: String,
    errors: Errors,
    done: bool,
}

async fn review_page(
    state: &AppState,
    headers: &HeaderMap,
    token: String,
    typed: &HashMap<String, String>,
    errors: Errors,
    done: bool,
) -> Result<Response, PageError> {
    let b = accountability::ballot(&state.app, &token).await?;
    let (csrf, set) = form_token(state, headers);
    let rows = b
        .reporters
        .iter()
        .map(|(id, name, _)| (*id, name.clone(), typed.get(&format!("g{id}")).cloned().unwrap_or_default()))
        .collect();
    let invalid = errors.0.is_some();
    let page = ReviewPage { title: b.title.clone(), b, token, rows, grades: Grade::ALL, csrf, errors, done };
    form_page(&page, invalid, set)
}

/// A rater's ballot, by their private link.
pub async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    review_page(&state, &headers, token, &HashMap::new(), Errors::default(), false).await
}

pub async fn review_cast(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(typed): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    match accountability::cast(&state.app, &client, &token, &typed).await {
        Ok(()) => review_page(&state, &headers, token, &HashMap::new(), Errors::default(), true).await,
        Err(AppError::Invalid(e)) => review_page(&state, &headers, token, &typed, Errors(Some(e)), false).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/opening.html")]
struct OpeningPage {
    title: String,
    o: OpeningRow,
    /// Applications are taken today.
    open: bool,
    form: ApplicationForm,
    educations: [&'static str; 5],
    politics: &'static [PoliticalStatus],
    csrf: String,
    errors: Errors,
}

async fn opening_page(
    state: &AppState,
    headers: &HeaderMap,
    id: OpeningId,
    form: ApplicationForm,
    errors: Errors,
) -> Result<Response, PageError> {
    let o = selection::public_opening(&state.app, id).await?;
    let open = today(state) <= o.closes_on;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = OpeningPage {
        title: o.title.clone(),
        o,
        open,
        form,
        educations: selection::EDUCATIONS,
        politics: PoliticalStatus::ALL,
        csrf,
        errors,
    };
    form_page(&page, invalid, set)
}

/// An opening with its application form.
pub async fn opening(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
) -> Result<Response, PageError> {
    opening_page(&state, &headers, id, ApplicationForm::default(), Errors::default()).await
}

#[derive(Template)]
#[template(path = "portal/application_receipt.html")]
struct ApplicationReceipt {
    title: &'static str,
    link: String,
    qr: String,
}

/// Applies (a multipart form: the particulars and an optional attachment).
pub async fn apply(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (form, result) = match read_upload(multipart, "提交未完成，请重新提交").await {
        Ok(Upload { fields, document }) => {
            let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
            let form = ApplicationForm {
                name: field("name"),
                id_number: field("id_number"),
                phone: field("phone"),
                education: field("education"),
                political_status: field("political_status"),
                resume: field("resume"),
            };
            let result = selection::apply(&state.app, &client, id, &form, Some(document)).await;
            (form, result)
        }
        Err(e) => (ApplicationForm::default(), Err(e)),
    };
    match result {
        Ok(token) => {
            let link = crate::pages::share::absolute_url(&state, &headers, &format!("/portal/applications/{token}"));
            let qr = crate::pages::share::qr_svg(&link)?;
            render(&ApplicationReceipt { title: "报名成功", link, qr })
        }
        Err(AppError::Invalid(e)) => opening_page(&state, &headers, id, form, Errors(Some(e))).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/application_me.html")]
struct MyApplicationPage {
    title: &'static str,
    a: MyApplication,
}

/// An applicant's own page.
pub async fn my_application(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, PageError> {
    render(&MyApplicationPage { title: "我的选拔报名", a: selection::mine(&state.app, &token).await? })
}

#[derive(Template)]
#[template(path = "portal/notice.html")]
struct NoticePage {
    title: String,
    n: PublicNotice,
    form: ObjectionForm,
    done: bool,
    csrf: String,
    errors: Errors,
}

async fn notice_page(
    state: &AppState,
    headers: &HeaderMap,
    id: OpeningId,
    form: ObjectionForm,
    errors: Errors,
    done: bool,
) -> Result<Response, PageError> {
    let n = selection::notice(&state.app, id).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = NoticePage { title: format!("{}公示", n.opening.title), n, form, done, csrf, errors };
    form_page(&page, invalid, set)
}

/// An opening's public notice, with the form to object.
pub async fn notice(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
) -> Result<Response, PageError> {
    notice_page(&state, &headers, id, ObjectionForm::default(), Errors::default(), false).await
}

pub async fn object(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
    Form(form): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    match selection::object(&state.app, &client, id, &form).await {
        Ok(()) => notice_page(&state, &headers, id, ObjectionForm::default(), Errors::default(), true).await,
        Err(AppError::Invalid(e)) => notice_page(&state, &headers, id, form, Errors(Some(e)), false).await,
        Err(e) => Err(e.into()),
    }
}

/// The application form's upload, with the documents' body limit.
#[derive(Template)]
#[template(path = "portal/venues.html")]
struct VenuesPage {
    title: &'static str,
    venues: Vec<bookings::PublicVenue>,
}

/// A photo of an open venue.
pub async fn venue_photo(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(crate::pages::image(qingtuan_app::platforms::venue_photos::public_photo(&state.app, id).await?))
}

/// The venues whose spaces young people may book.
pub async fn venues(State(state): State<AppState>) -> Result<Response, PageError> {
    render(&VenuesPage { title: "阵地空间预约", venues: bookings::venues(&state.app).await? })
}

#[derive(Template)]
#[template(path = "portal/venue.html")]
struct VenuePage {
    title: String,
    v: bookings::PublicVenue,
    week: Week,
    csrf: String,
    errors: Errors,
    form: PortalBooking,
}

impl VenuePage {
    fn weekday(&self, d: &chrono::NaiveDate) -> &'static str {
        qingtuan_domain::time::weekday_label(*d)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WeekQuery {
    /// Any day of the week to show.
    week: Option<String>,
}

async fn venue_page(
    state: &AppState,
    headers: &HeaderMap,
    id: VenueId,
    week: Option<chrono::NaiveDate>,
    errors: Errors,
    form: PortalBooking,
) -> Result<Response, PageError> {
    let (v, week) = bookings::venue(&state.app, id, week).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    form_page(&VenuePage { title: v.name.clone(), v, week, csrf, errors, form }, invalid, set)
}

/// A venue's week: which times are taken, and the form to request one.
pub async fn venue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<VenueId>,
    Query(q): Query<WeekQuery>,
) -> Result<Response, PageError> {
    venue_page(
        &state,
        &headers,
        id,
        qingtuan_app::platforms::venues::week_of(q.week.as_deref()),
        Errors::default(),
        PortalBooking::default(),
    )
    .await
}

#[derive(Template)]
#[template(path = "portal/booking.html")]
struct BookingPage {
    title: &'static str,
    b: MyBooking,
    token: String,
    csrf: String,
    /// Just made: the private link to keep, and its QR code.
    link: Option<(String, String)>,
}

pub async fn book(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<VenueId>,
    Form(form): Form<PortalBooking>,
) -> Result<Response, PageError> {
    match bookings::request(&state.app, &client, id, &form).await {
        Ok(receipt) => {
            let b = bookings::mine(&state.app, &receipt.token).await?;
            let path = format!("/portal/bookings/{}", receipt.token);
            let link = crate::pages::share::absolute_url(&state, &headers, &path);
            let qr = crate::pages::share::qr_svg(&link)?;
            let (csrf, set) = form_token(&state, &headers);
            let page = BookingPage { title: "预约已提交", b, token: receipt.token, csrf, link: Some((link, qr)) };
            form_page(&page, false, set)
        }
        Err(AppError::Invalid(e)) => venue_page(&state, &headers, id, None, Errors(Some(e)), form).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn my_booking(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let b = bookings::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    form_page(&BookingPage { title: "我的空间预约", b, token, csrf, link: None }, false, set)
}

pub async fn cancel_booking(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Result<Response, PageError> {
    if !confirmed.yes() {
        let b = bookings::mine(&state.app, &token).await?;
        let what = format!("{}{}（{}）的预约", b.venue, b.space, b.when);
        return confirm_cancel(&state, &headers, what, format!("/portal/bookings/{token}"));
    }
    bookings::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/bookings/{token}")).into_response())
}

pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/portal/openings/{id}/apply", post(apply))
}

/// The public portal: calls, activities, sign-ups, private links, check-in, raters' ballots,
/// openings with their applications and public notices.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(index))
        .route("/portal/calls/{id}", get(call))
        .route("/portal/calls/{id}/poster", get(call_poster))
        .route("/portal/venues", get(venues))
        .route("/portal/venues/{id}", get(venue))
        .route("/portal/venues/{id}/book", post(book))
        .route("/portal/venue-photos/{id}", get(venue_photo))
        .route("/portal/bookings/{token}", get(my_booking))
        .route("/portal/bookings/{token}/cancel", post(cancel_booking))
        .route("/portal/activities/{id}", get(activity))
        .route("/portal/activities/{id}/poster", get(activity_poster))
        .route("/portal/activities/{id}/signup", post(activity_sign_up))
        .route("/portal/activity-signups/{token}", get(activity_me))
        .route("/portal/activity-signups/{token}/cancel", post(activity_cancel))
        .route("/portal/shifts/{id}/signup", post(sign_up))
        .route("/portal/me/{token}", get(me))
        .route("/portal/me/{token}/cancel", post(cancel))
        .route("/portal/me/{token}/checkin", post(me_checkin))
        .route("/portal/me/{token}/record", get(service_record))
        .route("/portal/checkin/{token}", get(checkin_form).post(checkin))
        .route("/portal/reviews/{token}", get(review).post(review_cast))
        .route("/portal/openings/{id}", get(opening))
        .route("/portal/openings/{id}/notice", get(notice).post(object))
        .route("/portal/applications/{token}", get(my_application))
}
