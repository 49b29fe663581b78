//! The JSON API under `/api/v1`. Callers authenticate with the session cookie (and the CSRF header
//! on writes) or with a personal access token (`Authorization: Bearer qt_…`). The OpenAPI document
//! at `/api/v1/openapi.json` is generated from the handlers' annotations below.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use qingtuan_app::AppError;
use qingtuan_app::access::audit;
use qingtuan_app::access::users;
use qingtuan_app::registry::orgs;
use qingtuan_domain::ids::UserId;
use serde::de::DeserializeOwned;
use utoipa::{OpenApi, ToSchema};

use crate::{ApiError, ApiUser, AppState};

mod accountability;
mod activities;
mod figures;
mod volunteering;
mod writes;
use accountability::{LetterDto, LetterPage, list_letters};
use figures::{RecordDto, RecordPage};
use writes::{
    DissolveDto, EndPostDto, NewOrgDto, OrgEditDto, OrgWritten, PersonDto, PersonWritten, PostDto, PostWritten,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/orgs", get(list_orgs).post(writes::create_org))
        .route("/orgs/{code}", put(writes::update_org))
        .route("/orgs/{code}/dissolve", post(writes::dissolve_org))
        .route("/people", post(writes::create_person))
        .route("/people/{id}", put(writes::update_person))
        .route("/posts", post(writes::create_post))
        .route("/posts/{id}/end", post(writes::end_post))
        .route("/users", get(list_users))
        .route("/users/{id}", get(show_user))
        .route("/audit-events", get(list_audit_events))
        .route("/reports", get(report))
        .route("/letters", get(list_letters))
        .route("/figures/{key}/records", get(figures::records))
        .route("/activities", post(activities::create_activity))
        .route("/activities/{id}/signups", get(activities::activity_signups).post(activities::register_for_activity))
        .route("/activities/{id}/attendance", post(activities::mark_attendance))
        .route("/activity-signups/{id}/decision", post(activities::decide_signup))
        .route("/calls", get(volunteering::list_calls).post(volunteering::create_call))
        .route("/calls/{id}", get(volunteering::show_call).put(volunteering::update_call))
        .route("/calls/{id}/shifts", post(volunteering::add_shift))
        .route("/calls/{id}/close", post(volunteering::close_call))
        .route("/shifts/{id}/signups", get(volunteering::shift_signups).post(volunteering::sign_up_for_shift))
        .route("/shift-signups/{id}/cancel", post(volunteering::cancel_shift_signup))
        .route("/shifts/{id}/turnouts", post(volunteering::record_turnouts))
        .fallback(|| async { ApiError(AppError::NotFound) })
        .method_not_allowed_fallback(method_not_allowed)
}

/// The API answers in JSON even for a method an address does not take.
async fn method_not_allowed() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({ "error": "此接口不支持该请求方法", "fields": [] });
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "青团 Qingtuan API", description = "基层团务平台 JSON 接口。认证：会话 Cookie，或个人访问令牌 `Authorization: Bearer qt_…`。"),
    paths(me, list_orgs, list_users, show_user, list_audit_events, report, accountability::list_letters, figures::records,
        writes::create_org, writes::update_org, writes::dissolve_org, writes::create_person, writes::update_person,
        writes::create_post, writes::end_post, activities::create_activity, activities::activity_signups,
        activities::mark_attendance, activities::decide_signup, volunteering::list_calls, volunteering::create_call,
        volunteering::show_call, volunteering::close_call, volunteering::shift_signups, volunteering::record_turnouts,
        volunteering::add_shift, volunteering::update_call, volunteering::sign_up_for_shift,
        volunteering::cancel_shift_signup, activities::register_for_activity),
    components(schemas(Me, UserStatus, GrantDto, PartnerGrantDto, OrgDto, UserDto, UserDetailDto, AssignmentDto, AuditEventDto, UserPage, AuditPage, ErrorDto, LetterDto, LetterPage, RecordDto, RecordPage,
        NewOrgDto, OrgEditDto, DissolveDto, OrgWritten, PersonDto, PostDto, PersonWritten, PostWritten, EndPostDto,
        activities::NewActivityDto, Created, activities::ActivitySignupDto, activities::DecisionDto,
        activities::AttendanceDto, activities::AttendanceWritten, volunteering::NewShiftDto, volunteering::NewCallDto,
        volunteering::CallWritten, volunteering::CallStatus, volunteering::CallDto, volunteering::CallPage, volunteering::ShiftDto,
        volunteering::CallDetailDto, volunteering::ShiftSignupDto, volunteering::TurnoutDto, volunteering::TurnoutsDto,
        volunteering::TurnoutsWritten, volunteering::CallTextDto, volunteering::SignupDto, volunteering::SignupWritten,
        activities::ActivitySignupsDto, activities::Registered)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Query parameters that answer 422 with an [`ErrorDto`] when they do not parse (never a
/// plain-text 400), as the OpenAPI document says.
#[derive(Debug)]
struct ApiQuery<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(q)) => Ok(Self(q)),
            Err(e) => Err(bad_input(
                "query",
                &match crate::extract::query_parameter(&e) {
                    Some(name) => format!("查询参数“{name}”的值不符合要求"),
                    None => "查询参数不符合要求".to_owned(),
                },
            )),
        }
    }
}

/// Path parameters, refused like [`ApiQuery`].
#[derive(Debug)]
struct ApiPath<T>(T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(p)) => Ok(Self(p)),
            Err(_) => Err(bad_input("path", "路径中的编号应为整数")),
        }
    }
}

/// What is wrong with a JSON body, in Chinese: the field serde names, and where.
fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("（第 {} 行第 {} 列）", e.line(), e.column());
    let text = e.to_string();
    let named = |after: &str| text.split(after).nth(1).and_then(|rest| rest.split('`').nth(1)).map(str::to_owned);
    match e.classify() {
        Category::Eof => format!("JSON 不完整{at}"),
        Category::Syntax => format!("JSON 语法错误{at}"),
        Category::Io => "请求体读取失败".to_owned(),
        Category::Data => match (named("unknown field "), named("missing field ")) {
            (Some(field), _) => format!("没有名为“{field}”的字段{at}"),
            (_, Some(field)) => format!("缺少字段“{field}”"),
            _ if text.starts_with("invalid type") => format!("有字段的类型不对{at}"),
            _ => format!("有字段的值不符合要求{at}"),
        },
    }
}

fn bad_input(field: &'static str, detail: &str) -> ApiError {
    let detail: String = detail.chars().take(200).collect();
    ApiError(qingtuan_domain::Invalid::one(field, format!("请求参数格式不正确：{detail}")).into())
}

/// The largest page number a list answers (as declared in the OpenAPI document).
const MAX_PAGE: u32 = 100_000;

/// A page number within 1..=[`MAX_PAGE`], or 422.
fn page_param(page: Option<u32>) -> Result<Option<u64>, ApiError> {
    match page {
        Some(p) if !(1..=MAX_PAGE).contains(&p) => {
            Err(ApiError(qingtuan_domain::Invalid::one("page", format!("页码应在 1 到 {MAX_PAGE} 之间")).into()))
        }
        p => Ok(p.map(u64::from)),
    }
}

/// What was created: its id.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// An error: a Chinese message, and for bad input the fields concerned.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ErrorDto {
    error: String,
    fields: Vec<FieldErrorDto>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct FieldErrorDto {
    field: String,
    message: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct GrantDto {
    role: String,
    scope_org_id: i64,
    scope_org_name: String,
    /// Permission codes such as `orgs.read`.
    permissions: Vec<String>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Me {
    id: Option<i64>,
    username: String,
    display_name: String,
    grants: Vec<GrantDto>,
    /// A partner's account: the partner it acts for and what it holds over it (its `grants` over
    /// the org tree are empty).
    partner: Option<PartnerGrantDto>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PartnerGrantDto {
    partner_id: i64,
    partner_name: String,
    /// Permission codes such as `platforms.read`.
    permissions: Vec<String>,
}

/// The caller and what they may do where.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])), responses(
    (status = 200, body = Me), (status = 401, body = ErrorDto), (status = 503, body = ErrorDto)))]
async fn me(ApiUser(actor): ApiUser) -> Json<Me> {
    Json(Me {
        id: actor.user_id().map(|u| u.0),
        username: actor.name().to_owned(),
        display_name: actor.display_name().to_owned(),
        grants: actor
            .grants
            .iter()
            .map(|g| GrantDto {
                role: g.role_code.clone(),
                scope_org_id: g.scope_org_id.0,
                scope_org_name: g.scope_org_name.clone(),
                permissions: g.permissions.iter().map(|p| p.code()).collect(),
            })
            .collect(),
        partner: actor.partner.as_ref().map(|p| PartnerGrantDto {
            partner_id: p.partner_id.0,
            partner_name: p.partner_name.clone(),
            permissions: p.permissions.iter().map(|p| p.code()).collect(),
        }),
    })
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct OrgDto {
    id: i64,
    code: String,
    name: String,
    /// `district_committee`, `working_committee`, `branch`, …
    kind: String,
    parent_id: Option<i64>,
}

/// Every org the caller may read, parents before children.
#[utoipa::path(get, path = "/api/v1/orgs", security(("bearer" = [])), responses(
    (status = 200, body = [OrgDto]), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 503, body = ErrorDto)))]
async fn list_orgs(State(state): State<AppState>, ApiUser(actor): ApiUser) -> Result<Json<Vec<OrgDto>>, ApiError> {
    let tree = orgs::visible_tree(&state.app, &actor).await?;
    Ok(Json(
        tree.into_iter()
            .map(|o| OrgDto {
                id: o.id.0,
                code: o.code,
                name: o.name,
                kind: o.kind,
                parent_id: o.parent_id.map(|id| id.0),
            })
            .collect(),
    ))
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UserDto {
    id: i64,
    username: String,
    display_name: String,
    org_id: i64,
    org_name: String,
    disabled: bool,
}

impl From<users::UserRow> for UserDto {
    fn from(u: users::UserRow) -> Self {
        Self {
            id: u.id.0,
            username: u.username,
            display_name: u.display_name,
            org_id: u.org_id.0,
            org_name: u.org_name,
            disabled: u.disabled,
        }
    }
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UserPage {
    items: Vec<UserDto>,
    total: u64,
    page: u64,
    per_page: u64,
}

#[derive(Debug, Clone, Copy, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the username or display name.
    q: Option<String>,
    status: Option<UserStatus>,
    #[param(minimum = 1, maximum = 100_000)]
    page: Option<u32>,
}

/// Accounts belonging to orgs in the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", params(UserQuery), security(("bearer" = [])), responses(
    (status = 200, body = UserPage), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
async fn list_users(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<UserPage>, ApiError> {
    let status = q.status.map(|s| match s {
        UserStatus::Active => "active".to_owned(),
        UserStatus::Disabled => "disabled".to_owned(),
    });
    let filter = users::Filter { q: q.q, status, page: page_param(q.page)? };
    let page = users::list(&state.app, &actor, &filter).await?;
    Ok(Json(UserPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(UserDto::from).collect(),
    }))
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct AssignmentDto {
    id: i64,
    role: String,
    scope_org_code: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct UserDetailDto {
    user: UserDto,
    assignments: Vec<AssignmentDto>,
    active_sessions: u64,
}

/// One account; 404 if it does not exist or lies outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = UserDetailDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto),
    (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
async fn show_user(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<UserDetailDto>, ApiError> {
    let d = users::show(&state.app, &actor, id).await?;
    Ok(Json(UserDetailDto {
        assignments: d
            .assignments
            .into_iter()
            .map(|a| AssignmentDto { id: a.id.0, role: a.role_code, scope_org_code: a.scope_org_code })
            .collect(),
        active_sessions: d.active_sessions,
        user: d.user.into(),
    }))
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct AuditEventDto {
    id: i64,
    occurred_at: chrono::DateTime<chrono::Utc>,
    actor: String,
    action: String,
    object_kind: String,
    object_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    client_addr: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<AuditEventDto>,
    total: u64,
    page: u64,
    per_page: u64,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    object_kind: Option<String>,
    object_id: Option<String>,
    /// Local date (Asia/Shanghai), inclusive.
    from: Option<chrono::NaiveDate>,
    /// Local date (Asia/Shanghai), inclusive.
    to: Option<chrono::NaiveDate>,
    #[param(minimum = 1, maximum = 100_000)]
    page: Option<u32>,
}

/// The audit log within the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit-events", params(AuditQuery), security(("bearer" = [])), responses(
    (status = 200, body = AuditPage), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
async fn list_audit_events(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = audit::Filter {
        actor: q.actor,
        action: q.action,
        object_kind: q.object_kind,
        object_id: q.object_id,
        from: q.from,
        to: q.to,
        logins_only: false,
        page: page_param(q.page)?,
    };
    let page = audit::list(&state.app, &actor, &filter).await?;
    Ok(Json(AuditPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page
            .items
            .into_iter()
            .map(|r| AuditEventDto {
                id: r.id.0,
                occurred_at: r.occurred_at,
                actor: r.actor,
                action: r.action,
                object_kind: r.object_kind,
                object_id: r.object_id,
                before: r.before,
                after: r.after,
                client_addr: r.client_addr,
            })
            .collect(),
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The date the figures are for.
    as_of: chrono::NaiveDate,
    /// The date to compare with.
    baseline: chrono::NaiveDate,
    /// Start of the period of flow indicators (turn-outs, donations…); default: the day after the baseline.
    from: Option<chrono::NaiveDate>,
    /// Code of the org whose subtree to report on (default: the caller's first scope).
    scope: Option<String>,
    /// Region code of a street, to report on that street only.
    street: Option<String>,
}

/// Every indicator of the catalogue, keyed by indicator key: `value`, `baseline_value`, `delta`,
/// `growth_pct`, `of` (coverage denominators), `name`, `unit`, `definition`.
#[utoipa::path(get, path = "/api/v1/reports", params(ReportQuery), security(("bearer" = [])), responses(
    (status = 200, body = Object), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
async fn report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    use qingtuan_app::figures::{self, ReportRequest};
    let req = ReportRequest {
        as_of: Some(q.as_of),
        baseline: Some(q.baseline),
        from: q.from,
        scope: q.scope,
        street: q.street,
    };
    let report = figures::report(&state.app, &actor, &req).await?;
    Ok(Json(figures::formats::to_json(&report)))
}
