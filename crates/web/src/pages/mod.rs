//! The web UI: one module per resource; each handler takes the current user and the input, calls
//! one use-case and renders one typed template.

mod account;
mod activities;
mod audit;
mod auth;
mod dashboard;
mod imports;
mod orgs;
mod people;
mod portal;
mod quality;
mod regions;
mod roles;
mod sectors;
mod users;
mod volunteering;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::{AppState, PageError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/login/second-factor", get(|| async { Redirect::to("/login") }).post(auth::login_second_factor))
        .route("/logout", post(auth::logout))
        .route("/account", get(account::show))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/reauth", get(account::reauth_form).post(account::reauth))
        .route("/account/second-factor", get(account::second_factor))
        .route("/account/second-factor/start", post(account::start_second_factor))
        .route("/account/second-factor/confirm", post(account::confirm_second_factor))
        .route("/account/second-factor/recovery-codes", post(account::renew_recovery_codes))
        .route("/account/second-factor/disable", post(account::disable_second_factor))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/dashboard", get(dashboard::show))
        .route("/dashboard/export.xlsx", get(dashboard::export))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/orgs/new", get(orgs::new_form))
        .route("/orgs/{id}", get(orgs::show).post(orgs::update))
        .route("/orgs/{id}/edit", get(orgs::edit_form))
        .route("/orgs/{id}/dissolve", post(orgs::dissolve))
        .route("/orgs/{id}/move", post(orgs::move_subtree))
        .route("/orgs/{id}/honours", post(orgs::add_honour))
        .route("/orgs/{id}/positions", post(orgs::add_position))
        .route("/positions/{id}/end", post(orgs::end_position))
        .route("/orgs/export.xlsx", get(orgs::export))
        .route("/quality", get(quality::show))
        .route("/people", get(people::list))
        .route("/people/export.xlsx", get(people::export))
        .route("/people/duplicates", get(people::duplicates))
        .route("/people/merge", post(people::merge))
        .route("/people/minor-access", get(people::minor_access).post(people::grant_minor_access))
        .route("/people/minor-access/{id}/revoke", post(people::revoke_minor_access))
        .route("/portal", get(portal::index))
        .route("/portal/calls/{id}", get(portal::call))
        .route("/portal/activities/{id}", get(portal::activity))
        .route("/portal/activities/{id}/signup", post(portal::activity_sign_up))
        .route("/portal/activity-signups/{token}", get(portal::activity_me))
        .route("/portal/activity-signups/{token}/cancel", post(portal::activity_cancel))
        .route("/portal/shifts/{id}/signup", post(portal::sign_up))
        .route("/portal/me/{token}", get(portal::me))
        .route("/portal/me/{token}/cancel", post(portal::cancel))
        .route("/portal/me/{token}/checkin", post(portal::me_checkin))
        .route("/portal/me/{token}/record", get(portal::service_record))
        .route("/portal/checkin/{token}", get(portal::checkin_form).post(portal::checkin))
        .route("/volunteering", get(volunteering::show))
        .route("/volunteering/calls/new", get(volunteering::new_call))
        .route("/volunteering/calls", post(volunteering::create_call))
        .route("/volunteering/settings", post(volunteering::set_min_share))
        .route("/volunteering/teams", post(volunteering::create_team))
        .route("/volunteering/teams/{id}", get(volunteering::team))
        .route("/volunteering/teams/{id}/members", post(volunteering::add_member))
        .route("/volunteering/teams/{id}/change", post(volunteering::change_team))
        .route("/volunteering/calls/{id}/share", get(volunteering::share_call))
        .route("/volunteering/shifts/{id}/team", post(volunteering::team_takes_shift))
        .route("/volunteering/donations", post(volunteering::record_donation))
        .route("/volunteering/shifts/{id}/served", post(volunteering::record_served))
        .route("/volunteering/shifts/{id}", get(volunteering::shift))
        .route("/volunteering/shifts/{id}/signups.xlsx", get(volunteering::export_signups))
        .route("/volunteering/shifts/{id}/qr/{direction}", get(volunteering::qr))
        .route("/volunteering/shifts/{id}/turnouts/{turnout}/hours", post(volunteering::adjust_hours))
        .route("/volunteering/hours", get(volunteering::hours))
        .route("/volunteering/hours/{id}/{decision}", post(volunteering::decide_hours))
        .route("/activities", get(activities::list).post(activities::create))
        .route("/activities/new", get(activities::new_form))
        .route("/activities/{id}", get(activities::show))
        .route("/activities/{id}/attendance", post(activities::attendance))
        .route("/activities/{id}/register", post(activities::register))
        .route("/activities/{id}/served", post(activities::record_served))
        .route("/activities/{id}/share", get(activities::share))
        .route("/activities/{id}/signups.xlsx", get(activities::export))
        .route("/activities/signups/{id}/{decision}", post(activities::decide))
        .route("/projects", get(activities::projects).post(activities::create_project))
        .route("/projects/{id}/indicators", post(activities::add_indicator))
        .route("/projects/indicators/{id}/values", post(activities::record_value))
        .route("/regions", get(regions::list).post(regions::create))
        .route("/regions/export.xlsx", get(regions::export))
        .route("/regions/populations", post(regions::set_population))
        .route("/sectors", get(sectors::list))
        .route("/sectors/{code}", post(sectors::update))
        .route("/people/{id}", get(people::show))
        .route("/people/{id}/unmask", post(people::unmask))
        .route("/users", get(users::list).post(users::create))
        .route("/users/new", get(users::new_form))
        .route("/users/export.xlsx", get(users::export))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/users/{id}/reset-password", post(users::reset_password))
        .route("/users/{id}/reset-second-factor", post(users::reset_second_factor))
        .route("/users/{id}/end-sessions", post(users::end_sessions))
        .route("/users/{id}/roles", post(users::assign_role))
        .route("/users/{id}/roles/{assignment}/revoke", post(users::revoke_role))
        .route("/roles", get(roles::list))
        .route("/roles/{id}/edit", get(roles::edit_form))
        .route("/roles/{id}", post(roles::update))
        .route("/audit", get(audit::list))
        .route("/audit/export.xlsx", get(audit::export))
        .route("/logins", get(audit::logins))
        .route("/logins/export.xlsx", get(audit::export_logins))
}

/// Uploads, with their larger body limit.
pub fn import_routes() -> Router<AppState> {
    Router::new()
        .route("/imports", get(imports::show).post(imports::upload))
        .route("/imports/templates/{kind}", get(imports::template))
}

/// Renders a template into a response, or a 500 page if rendering fails.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    let html = template.render().map_err(|e| qingtuan_app::AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// A re-rendered form with its problems: 422 so clients and tests can tell it from success.
pub fn render_invalid(template: &impl Template) -> Result<Response, PageError> {
    let mut res = render(template)?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// The people served (服务人次) as typed in a form, on a shift or an activity.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ServedForm {
    people_served: String,
}

impl ServedForm {
    pub fn count(&self) -> Result<i64, qingtuan_app::AppError> {
        self.people_served.trim().parse().map_err(|_| {
            qingtuan_app::AppError::Invalid(qingtuan_domain::Invalid::one("people_served", "服务人次应为整数"))
        })
    }
}

/// A workbook as a download.
pub fn xlsx_download(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// Query strings of list pages (without `page`), for the pager and export links.
pub fn query_without_page<T: serde::Serialize>(filter: &T) -> String {
    let value = serde_json::to_value(filter).unwrap_or_default();
    let pairs: Vec<(String, String)> = value
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "page")
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) if !s.is_empty() => Some((k.clone(), s.clone())),
                    serde_json::Value::Bool(true) => Some((k.clone(), "true".into())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub async fn not_found() -> Response {
    PageError(qingtuan_app::AppError::NotFound).into_response()
}

/// A GET on an address that only takes a form (e.g. reloading after a failed submission), or any
/// other method an address does not take: a page in Chinese instead of the browser's own.
pub async fn method_not_allowed() -> Response {
    crate::error::error_page(StatusCode::METHOD_NOT_ALLOWED, "这个地址不能直接打开，请从页面上的链接或按钮进入".into())
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}
