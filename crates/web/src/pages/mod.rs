//! The web UI: one module (or folder) per capability, as in `app`, each with its routes and its
//! menu entries; each handler takes the current user and the input, calls one use-case and
//! renders one typed template. A new capability adds one line to `routes` and one to `MENU`.

mod access;
mod accountability;
pub(crate) mod activities;
mod bulletins;
mod cabins;
mod consultations;
mod figures;
mod imports;
mod loans;
mod messages;
mod platforms;
mod portal;
mod registry;
mod selection;
mod share;
mod stations;
mod volunteering;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::layout::MenuEntry;
use crate::{AppState, PageError};

/// Every capability's pages: one line each.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .merge(access::routes())
        .merge(figures::routes())
        .merge(registry::routes())
        .merge(activities::routes())
        .merge(volunteering::routes())
        .merge(accountability::routes())
        .merge(selection::routes())
        .merge(platforms::routes())
        .merge(loans::routes())
        .merge(consultations::routes())
        .merge(stations::routes())
        .merge(cabins::routes())
        .merge(bulletins::routes())
        .merge(messages::routes())
        .merge(portal::routes())
}

/// Spreadsheets for import, with their larger body limit.
pub fn import_routes() -> Router<AppState> {
    imports::routes()
}

/// Documents (a letter's signed copy, an application's attachment), with their own body limit.
pub fn document_routes() -> Router<AppState> {
    accountability::upload_routes()
        .merge(portal::upload_routes())
        .merge(platforms::upload_routes())
        .merge(volunteering::upload_routes())
        .merge(activities::upload_routes())
}

/// A multipart form as read: its text fields, and its file `document` (its name and bytes, both
/// empty when none was chosen).
#[derive(Debug)]
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub document: (String, Vec<u8>),
}

/// Reads an upload form; a body cut short is the form's problem, said by `broken`.
pub async fn read_upload(mut form: axum::extract::Multipart, broken: &str) -> Result<Upload, qingtuan_app::AppError> {
    let broken = || qingtuan_app::AppError::Invalid(qingtuan_domain::Invalid::one("document", broken));
    let mut upload = Upload { fields: std::collections::HashMap::new(), document: (String::new(), Vec::new()) };
    while let Some(field) = form.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "document" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            upload.document = (file_name, field.bytes().await.map_err(|_| broken())?.to_vec());
        } else {
            let text = field.text().await.map_err(|_| broken())?;
            upload.fields.insert(name, text);
        }
    }
    Ok(upload)
}

/// A stored photo shown in a page: only PNG or JPEG as recognised when stored (and, as every
/// response, with `nosniff` and the site's content security policy).
pub fn image(d: qingtuan_app::export::Document) -> Response {
    (
        [
            (header::CONTENT_TYPE, d.content_type.to_owned()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        d.bytes,
    )
        .into_response()
}

/// A stored document as a download, never shown inline (it is someone's file, not ours): an ASCII
/// name (`stem` and the extension) for old clients, the stored name for the rest.
pub fn download(stem: &str, d: qingtuan_app::export::Document) -> Response {
    let ascii = format!("{stem}.{}", d.file_name.rsplit('.').next().unwrap_or("bin"));
    let encoded: String = d
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, d.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
        ],
        d.bytes,
    )
        .into_response()
}

/// The menu, capability by capability, in the order it is shown.
pub const MENU: [&[MenuEntry]; 15] = [
    figures::MENU,
    registry::MENU,
    imports::MENU,
    activities::MENU,
    volunteering::MENU,
    accountability::MENU,
    selection::MENU,
    platforms::MENU,
    loans::MENU,
    consultations::MENU,
    stations::MENU,
    cabins::MENU,
    bulletins::MENU,
    messages::MENU,
    access::MENU,
];

/// Renders a template into a response, or a 500 page if rendering fails.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    let html = template.render().map_err(|e| qingtuan_app::AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// A form's outcome, with the input's problems set apart: `match outcome.or_invalid()? { Ok(..) =>
/// the page success leads to, Err(problems) => the form again with them (422) }`. Any other failure
/// is the request's error.
pub trait Submitted<T> {
    fn or_invalid(self) -> Result<Result<T, qingtuan_domain::Invalid>, PageError>;
}

impl<T> Submitted<T> for Result<T, qingtuan_app::AppError> {
    fn or_invalid(self) -> Result<Result<T, qingtuan_domain::Invalid>, PageError> {
        match self {
            Ok(value) => Ok(Ok(value)),
            Err(qingtuan_app::AppError::Invalid(problems)) => Ok(Err(problems)),
            Err(e) => Err(e.into()),
        }
    }
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
    query_without(filter, &["page"])
}

/// A list's query string without `page` and `org`, for the org tree's links.
pub fn tree_query<T: serde::Serialize>(filter: &T) -> String {
    query_without(filter, &["page", "org"])
}

fn query_without<T: serde::Serialize>(filter: &T, left_out: &[&str]) -> String {
    let value = serde_json::to_value(filter).unwrap_or_default();
    let pairs: Vec<(String, String)> = value
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !left_out.contains(&k.as_str()))
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

/// A staff action that changes figures or cannot be undone, confirmed first: the page says what
/// it will change, and its form repeats what was typed with `confirm=yes`.
#[derive(Debug, askama::Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: crate::layout::Layout,
    pub message: String,
    pub action: String,
    pub fields: Vec<(&'static str, String)>,
    pub button: &'static str,
    pub back: String,
}

/// The pickers' script: suggestions for fields that name an org, a region or a person.
pub async fn picker_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/pick.js"),
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}
