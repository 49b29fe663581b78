//! Volunteering through the API: publishing a recruitment call with its shifts, changing and
//! closing it, signing people up and cancelling, and recording a shift's turn-outs by hand — the
//! same use-cases and checks as the pages. Reads give what a client needs to write: the calls, a
//! call's shifts, a shift's sign-ups.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::portal::SignupForm;
use qingtuan_app::volunteering::calls::{self, CallDetail, CallFilter, CallRow, CallShift, CallText, Status};
use qingtuan_app::volunteering::checkin::{self, ByHand};
use qingtuan_app::volunteering::{self, NewCall, NewShift, SignupRow as ShiftSignup};
use qingtuan_domain::ids::{CallId, ShiftId, ShiftSignupId};
use qingtuan_domain::{FieldError, Invalid};
use serde_json::json;
use utoipa::ToSchema;

use super::writes::{ApiJson, Bodiless, once};
use super::{ApiPath, ApiQuery, Created, ErrorDto, page_param};
use crate::pages::activities::parse as parsed;
use crate::{ApiError, ApiUser, AppState};

/// A shift of a new call.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewShiftDto {
    /// `YYYY-MM-DD`
    on_date: String,
    /// `HH:MM`
    start: String,
    /// `HH:MM`
    end: String,
    place: String,
    places: i32,
}

/// A recruitment call (招募令) with its shifts, published today.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewCallDto {
    /// The calling org: its code or a name of the caller's scope.
    org: String,
    title: String,
    /// A task of the dictionary (`核酸检测`, …) by its code or name.
    task: String,
    /// Sign-ups give an ID number.
    real_name: bool,
    description: String,
    contact: String,
    /// `YYYY-MM-DD`, the last day to sign up; empty: until each shift's day.
    signup_deadline: String,
    shifts: Vec<NewShiftDto>,
}

impl NewCallDto {
    fn call(&self, today: chrono::NaiveDate) -> Result<NewCall, Invalid> {
        let mut problems = Vec::new();
        let mut shifts = Vec::new();
        for (i, s) in self.shifts.iter().enumerate() {
            shifts.extend(s.shift(i, &mut problems));
        }
        if self.shifts.is_empty() {
            problems.push(FieldError { field: "shifts", message: "请至少填写一个班次".into() });
        }
        if !problems.is_empty() {
            problems.dedup_by(|a, b| a.message == b.message);
            return Err(Invalid(problems));
        }
        Ok(NewCall {
            org_code: self.org.clone(),
            title: self.title.clone(),
            task: self.task.clone(),
            published_on: today,
            real_name: self.real_name,
            shifts,
            description: self.description.clone(),
            contact: self.contact.clone(),
            signup_deadline: self.signup_deadline.clone(),
        })
    }
}

/// A call as published: its id and its shifts' ids, in the order given.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CallWritten {
    id: i64,
    shifts: Vec<i64>,
}

/// Publishes a recruitment call with its shifts (volunteering.write over the calling org).
#[utoipa::path(post, path = "/api/v1/calls", request_body = NewCallDto, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = CallWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn create_call(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    body: ApiJson<NewCallDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let today = qingtuan_domain::time::local_date(state.app.now());
        let call = d.call(today).map_err(AppError::Invalid)?;
        let (id, shifts) = volunteering::create_call(&state.app, &actor, &call).await?;
        Ok((StatusCode::CREATED, json!(CallWritten { id: id.0, shifts: shifts.into_iter().map(|s| s.0).collect() })))
    })
    .await
}

/// Closes a call: no more sign-ups (volunteering.write over the calling org).
#[utoipa::path(post, path = "/api/v1/calls/{id}/close", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = Created), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn close_call(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<CallId>,
    headers: HeaderMap,
    request: Bodiless,
) -> Response {
    once(&state, &actor, &headers, &request.digest, move |state, actor| async move {
        calls::close(&state.app, &actor, id).await?;
        Ok((StatusCode::OK, json!(Created { id: id.0 })))
    })
    .await
}

/// A call as listed.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CallDto {
    id: i64,
    title: String,
    org_name: String,
    task: String,
    published_on: chrono::NaiveDate,
    shifts: usize,
    places: i64,
    signups: usize,
    turnouts: usize,
    /// 招募中, 已截止, 已结束, …
    status: String,
}

impl From<CallRow> for CallDto {
    fn from(c: CallRow) -> Self {
        Self {
            id: c.id.0,
            title: c.title,
            org_name: c.org_name,
            task: c.task,
            published_on: c.published_on,
            shifts: c.shifts,
            places: c.places,
            signups: c.signups,
            turnouts: c.turnouts,
            status: c.status.to_owned(),
        }
    }
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CallPage {
    items: Vec<CallDto>,
    total: u64,
    page: u64,
    per_page: u64,
}

/// Which calls a list shows.
#[derive(Debug, Clone, Copy, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    /// Open, with a shift today or later.
    Current,
    /// Open, every shift over.
    Past,
    Closed,
    All,
}

impl From<CallStatus> for Status {
    fn from(s: CallStatus) -> Self {
        match s {
            CallStatus::Current => Status::Current,
            CallStatus::Past => Status::Past,
            CallStatus::Closed => Status::Closed,
            CallStatus::All => Status::All,
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    /// An org's code or name: its calls and those below it.
    org: Option<String>,
    /// Part of the title.
    q: Option<String>,
    /// Which calls: all of them unless asked.
    status: Option<CallStatus>,
    #[param(minimum = 1, maximum = 100_000)]
    page: Option<u32>,
}

/// Recruitment calls of the caller's scope (volunteering.read), newest first.
#[utoipa::path(get, path = "/api/v1/calls", params(CallQuery), security(("bearer" = [])), responses(
    (status = 200, body = CallPage), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn list_calls(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<CallQuery>,
) -> Result<Json<CallPage>, ApiError> {
    let status = Status::from(q.status.unwrap_or(CallStatus::All)).code().to_owned();
    let filter =
        CallFilter { org: q.org.unwrap_or_default(), status, q: q.q.unwrap_or_default(), page: page_param(q.page)? };
    let page = calls::list(&state.app, &actor, &filter).await?;
    Ok(Json(CallPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(CallDto::from).collect(),
    }))
}

/// A shift of a call.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ShiftDto {
    id: i64,
    on_date: chrono::NaiveDate,
    /// `HH:MM–HH:MM`
    time: String,
    place: String,
    places: i32,
    signups: usize,
    turnouts: usize,
}

impl From<CallShift> for ShiftDto {
    fn from(s: CallShift) -> Self {
        Self {
            id: s.id.0,
            on_date: s.on_date,
            time: s.time,
            place: s.place,
            places: s.places,
            signups: s.signups,
            turnouts: s.turnouts,
        }
    }
}

/// A call with its shifts.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CallDetailDto {
    call: CallDto,
    org_code: String,
    description: String,
    contact: String,
    signup_deadline: Option<chrono::NaiveDate>,
    closed_on: Option<chrono::NaiveDate>,
    real_name: bool,
    shifts: Vec<ShiftDto>,
}

impl From<CallDetail> for CallDetailDto {
    fn from(d: CallDetail) -> Self {
        Self {
            call: d.row.into(),
            org_code: d.org_code,
            description: d.description,
            contact: d.contact,
            signup_deadline: d.signup_deadline,
            closed_on: d.closed_on,
            real_name: d.real_name,
            shifts: d.shifts.into_iter().map(ShiftDto::from).collect(),
        }
    }
}

/// A call and its shifts (volunteering.read over the calling org).
#[utoipa::path(get, path = "/api/v1/calls/{id}", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = CallDetailDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn show_call(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<CallId>,
) -> Result<Json<CallDetailDto>, ApiError> {
    Ok(Json(calls::detail(&state.app, &actor, id).await?.into()))
}

/// One sign-up of a shift (phone masked) and where it stands.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ShiftSignupDto {
    id: i64,
    name: String,
    phone: String,
    /// 已报名, 已签到, 已签退, 已取消
    status: String,
    check_in: String,
    check_out: String,
    /// Minutes that count.
    minutes: i64,
}

impl From<ShiftSignup> for ShiftSignupDto {
    fn from(s: ShiftSignup) -> Self {
        Self {
            id: s.id.0,
            name: s.name,
            phone: s.phone,
            status: s.status.to_owned(),
            check_in: s.check_in,
            check_out: s.check_out,
            minutes: s.minutes,
        }
    }
}

/// A shift's sign-ups (volunteering.read over the calling org).
#[utoipa::path(get, path = "/api/v1/shifts/{id}/signups", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = [ShiftSignupDto]), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn shift_signups(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ShiftId>,
) -> Result<Json<Vec<ShiftSignupDto>>, ApiError> {
    let d = volunteering::shift_detail(&state.app, &actor, id).await?;
    Ok(Json(d.signups.into_iter().map(ShiftSignupDto::from).collect()))
}

/// A sign-up's turn-out as taken down by hand.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TurnoutDto {
    signup_id: i64,
    /// `HH:MM` on the shift's day
    check_in: String,
    /// `HH:MM` on the shift's day
    check_out: String,
}

/// Turn-outs of a shift's sign-ups.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TurnoutsDto {
    turnouts: Vec<TurnoutDto>,
}

/// How many turn-outs were recorded.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct TurnoutsWritten {
    recorded: usize,
}

/// Records turn-outs of a shift's sign-ups by hand, all or nothing (volunteering.write over the
/// calling org); hours are credited by the attendance rule.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/turnouts", request_body = TurnoutsDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = TurnoutsWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn record_turnouts(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ShiftId>,
    headers: HeaderMap,
    body: ApiJson<TurnoutsDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let mut problems = Vec::new();
        let message = "请填写签到、签退时间（如 08:00）";
        let rows: Vec<ByHand> = d
            .turnouts
            .iter()
            .filter_map(|t| {
                let check_in = parsed(&t.check_in, "turnouts", message, &mut problems)?;
                let check_out = parsed(&t.check_out, "turnouts", message, &mut problems)?;
                Some(ByHand { signup_id: ShiftSignupId(t.signup_id), check_in, check_out })
            })
            .collect();
        if !problems.is_empty() {
            problems.truncate(1);
            return Err(AppError::Invalid(Invalid(problems)).into());
        }
        let recorded = checkin::record_by_hand(&state.app, &actor, id, &rows).await?;
        Ok((StatusCode::CREATED, json!(TurnoutsWritten { recorded })))
    })
    .await
}

impl NewShiftDto {
    fn shift(&self, i: usize, problems: &mut Vec<FieldError>) -> Option<NewShift> {
        let message = format!("第 {} 个班次：请填写日期（YYYY-MM-DD）、开始和结束时间（如 08:00）", i + 1);
        let on_date = parsed(&self.on_date, "shifts", &message, problems);
        let start = parsed(&self.start, "shifts", &message, problems);
        let end = parsed(&self.end, "shifts", &message, problems);
        Some(NewShift { on_date: on_date?, start: start?, end: end?, place: self.place.clone(), places: self.places })
    }
}

/// Adds a shift to an open call (volunteering.write over the calling org).
#[utoipa::path(post, path = "/api/v1/calls/{id}/shifts", request_body = NewShiftDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = Created), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn add_shift(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<CallId>,
    headers: HeaderMap,
    body: ApiJson<NewShiftDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let mut problems = Vec::new();
        let Some(shift) = d.shift(0, &mut problems) else {
            problems.truncate(1);
            return Err(AppError::Invalid(Invalid(problems)).into());
        };
        let shift_id = calls::add_shift(&state.app, &actor, id, &shift).await?;
        Ok((StatusCode::CREATED, json!(Created { id: shift_id.0 })))
    })
    .await
}

/// What a call tells volunteers, changed; every field is given, as the call page sends it.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CallTextDto {
    title: String,
    task: String,
    description: String,
    contact: String,
    /// `YYYY-MM-DD`, or empty: until each shift's day.
    signup_deadline: String,
}

/// Changes what a call tells volunteers (volunteering.write over the calling org); its shifts,
/// sign-ups and turn-outs stay.
#[utoipa::path(put, path = "/api/v1/calls/{id}", request_body = CallTextDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = Created), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn update_call(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<CallId>,
    headers: HeaderMap,
    body: ApiJson<CallTextDto>,
) -> Response {
    let d = body.value;
    let text = CallText {
        title: d.title,
        task: d.task,
        description: d.description,
        contact: d.contact,
        signup_deadline: d.signup_deadline,
    };
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        calls::update(&state.app, &actor, id, &text).await?;
        Ok((StatusCode::OK, json!(Created { id: id.0 })))
    })
    .await
}

/// A volunteer signed up by the organisers, as the portal's form takes them.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SignupDto {
    name: String,
    /// A mainland mobile number (for a child under 14: the guardian's).
    phone: String,
    /// Required when the call or activity asks for real names.
    id_number: String,
    /// `male` or `female`; needed without an ID number.
    gender: String,
    /// `YYYY-MM-DD`; needed without an ID number.
    birth_on: String,
    /// For a child under 14 on the day.
    guardian_name: String,
    /// The guardian consented.
    consent: bool,
}

impl SignupDto {
    pub(super) fn form(&self) -> SignupForm {
        SignupForm {
            name: self.name.clone(),
            phone: self.phone.clone(),
            id_number: self.id_number.clone(),
            gender: self.gender.clone(),
            birth_on: self.birth_on.clone(),
            guardian_name: self.guardian_name.clone(),
            consent: if self.consent { "on".into() } else { String::new() },
        }
    }
}

/// A sign-up taken: the code the volunteer checks in with (also sent to their phone).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct SignupWritten {
    code: String,
}

/// Signs a volunteer up for a shift at the organisers' desk (volunteering.write over the calling
/// org): the portal's checks (places, deadline, one sign-up per person) without its rate limits.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/signups", request_body = SignupDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = SignupWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn sign_up_for_shift(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ShiftId>,
    headers: HeaderMap,
    body: ApiJson<SignupDto>,
) -> Response {
    let form = body.value.form();
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let receipt = qingtuan_app::portal::sign_up_at_desk(&state.app, &actor, id, &form).await?;
        Ok((StatusCode::CREATED, json!(SignupWritten { code: receipt.code })))
    })
    .await
}

/// Cancels a shift's sign-up for the volunteer (volunteering.write over the calling org); one
/// already checked in is refused.
#[utoipa::path(post, path = "/api/v1/shift-signups/{id}/cancel", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = Created), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn cancel_shift_signup(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ShiftSignupId>,
    headers: HeaderMap,
    request: Bodiless,
) -> Response {
    once(&state, &actor, &headers, &request.digest, move |state, actor| async move {
        volunteering::cancel_signup(&state.app, &actor, id).await?;
        Ok((StatusCode::OK, json!(Created { id: id.0 })))
    })
    .await
}
