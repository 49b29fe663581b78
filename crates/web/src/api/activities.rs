//! Activities through the API: publishing one, its sign-ups (listing, deciding, registering
//! people at the desk) and marking attendance — the same use-cases and checks as the pages.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::activities::{self, SignupRow as ActivitySignup};
use qingtuan_app::portal::SignupForm;
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::{ActivityId, ActivitySignupId};
use serde_json::json;
use utoipa::ToSchema;

use super::volunteering::SignupDto;
use super::writes::{ApiJson, once};
use super::{ApiPath, Created, ErrorDto};
use crate::pages::activities::ActivityForm;
use crate::{ApiError, ApiUser, AppState};

/// A new activity, as the 发布活动 form takes it.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewActivityDto {
    /// The hosting org: its code or a name of the caller's scope.
    org: String,
    project_id: Option<i64>,
    title: String,
    /// `ideology`, `entrepreneurship`, `volunteering`, …; empty: the project's.
    category: String,
    /// `youth`, `children` or `cadres`.
    audience: String,
    /// `YYYY-MM-DD`
    on_date: String,
    /// `HH:MM`
    start: String,
    /// `HH:MM`
    end: String,
    place: String,
    capacity: i32,
    /// `YYYY-MM-DD`
    signup_opens_on: String,
    /// `YYYY-MM-DD`, not after the activity's day.
    signup_closes_on: String,
    needs_approval: bool,
    waitlist: bool,
    /// Sign-ups give an ID number.
    real_name: bool,
    /// A venue's space the activity books.
    space_id: Option<i64>,
    description: String,
    contact: String,
}

impl NewActivityDto {
    fn form(&self) -> ActivityForm {
        let on = |b: bool| if b { "on".to_owned() } else { String::new() };
        let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        ActivityForm {
            org_code: self.org.clone(),
            project_id: id(self.project_id),
            title: self.title.clone(),
            category: self.category.clone(),
            audience: self.audience.clone(),
            on_date: self.on_date.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            place: self.place.clone(),
            capacity: self.capacity.to_string(),
            signup_opens_on: self.signup_opens_on.clone(),
            signup_closes_on: self.signup_closes_on.clone(),
            needs_approval: on(self.needs_approval),
            waitlist: on(self.waitlist),
            real_name: on(self.real_name),
            space_id: id(self.space_id),
            description: self.description.clone(),
            contact: self.contact.clone(),
        }
    }
}

/// Publishes an activity (activities.write over its org).
#[utoipa::path(post, path = "/api/v1/activities", request_body = NewActivityDto, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = Created), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn create_activity(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    body: ApiJson<NewActivityDto>,
) -> Response {
    let form = body.value.form();
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let new = form.to_new().map_err(AppError::Invalid)?;
        let id = activities::create_activity(&state.app, &actor, &new).await?;
        Ok((StatusCode::CREATED, json!(Created { id: id.0 })))
    })
    .await
}

/// One sign-up of an activity (phone masked).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ActivitySignupDto {
    id: i64,
    name: String,
    phone: String,
    /// `pending`, `approved`, `waitlisted`, `rejected`, `cancelled`
    status: String,
    attended: bool,
}

impl From<ActivitySignup> for ActivitySignupDto {
    fn from(s: ActivitySignup) -> Self {
        Self { id: s.id.0, name: s.name, phone: s.phone, status: s.status.code().to_owned(), attended: s.attended }
    }
}

/// An activity's sign-ups (activities.read over its org).
#[utoipa::path(get, path = "/api/v1/activities/{id}/signups", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [ActivitySignupDto]), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn activity_signups(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ActivityId>,
) -> Result<Json<Vec<ActivitySignupDto>>, ApiError> {
    let d = activities::detail(&state.app, &actor, id).await?;
    Ok(Json(d.signups.into_iter().map(ActivitySignupDto::from).collect()))
}

/// A decision on a pending sign-up.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionDto {
    /// `true` admits, `false` turns down (the place goes to the waiting list).
    approve: bool,
}

/// Admits or turns down a pending activity sign-up (activities.write over the activity's org).
#[utoipa::path(post, path = "/api/v1/activity-signups/{id}/decision", request_body = DecisionDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = Created), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn decide_signup(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ActivitySignupId>,
    headers: HeaderMap,
    body: ApiJson<DecisionDto>,
) -> Response {
    let approve = body.value.approve;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        activities::decide_signup(&state.app, &actor, id, approve).await?;
        Ok((StatusCode::OK, json!(Created { id: id.0 })))
    })
    .await
}

/// Who attended an activity.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AttendanceDto {
    /// The admitted sign-ups that attended; the other admitted ones did not.
    attended: Vec<i64>,
    /// 服务人次, when given.
    people_served: Option<i64>,
}

/// How many attended.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct AttendanceWritten {
    attended: usize,
}

/// Marks an activity's attendance, and the people it served (activities.write over its org).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", request_body = AttendanceDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = AttendanceWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn mark_attendance(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ActivityId>,
    headers: HeaderMap,
    body: ApiJson<AttendanceDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        if d.people_served.is_some_and(|n| n < 0) {
            return Err(AppError::Invalid(Invalid::one("people_served", "服务人次不能为负数")).into());
        }
        let attended = activities::mark_attendance(&state.app, &actor, id, &d.attended).await?;
        if let Some(n) = d.people_served {
            activities::record_people_served(&state.app, &actor, id, n).await?;
        }
        Ok((StatusCode::OK, json!(AttendanceWritten { attended })))
    })
    .await
}

/// People registered for an activity at the desk (a paper list, sign-ups on the spot).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActivitySignupsDto {
    signups: Vec<SignupDto>,
    /// They attended (recorded after the activity).
    attended: bool,
}

/// How many were registered.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Registered {
    registered: usize,
}

/// Registers people for an activity, admitted, all or none (activities.write over its org).
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups", request_body = ActivitySignupsDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = Registered), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn register_for_activity(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<ActivityId>,
    headers: HeaderMap,
    body: ApiJson<ActivitySignupsDto>,
) -> Response {
    let d = body.value;
    let forms: Vec<SignupForm> = d.signups.iter().map(SignupDto::form).collect();
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        if forms.is_empty() {
            return Err(AppError::Invalid(Invalid::one("signups", "请至少登记一人")).into());
        }
        let registered = activities::register(&state.app, &actor, id, &forms, d.attended).await?;
        Ok((StatusCode::CREATED, json!(Registered { registered })))
    })
    .await
}
