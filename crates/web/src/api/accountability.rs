//! Responsibility letters in the API: the list with each letter's completion measured now.

use axum::Json;
use axum::extract::State;
use qingtuan_app::accountability::{self, Filter, LetterRow};
use utoipa::ToSchema;

use super::{ApiQuery, ErrorDto, page_param};
use crate::{ApiError, ApiUser, AppState};

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct LetterDto {
    id: i64,
    year: i32,
    /// The org that undertakes the targets (责任单位).
    org_code: String,
    org_name: String,
    /// The org that assesses it (考核单位).
    issuer_name: String,
    title: String,
    signed_on: chrono::NaiveDate,
    targets: usize,
    /// The targets' completions weighted, in per cent with one decimal.
    completion_pct: f64,
    /// Qualitative targets not scored yet (they count 0).
    unjudged: usize,
    has_document: bool,
}

impl From<LetterRow> for LetterDto {
    fn from(l: LetterRow) -> Self {
        Self {
            id: l.id.0,
            year: l.year,
            org_code: l.org_code,
            org_name: l.org_name,
            issuer_name: l.issuer_name,
            title: l.title,
            signed_on: l.signed_on,
            targets: l.targets,
            completion_pct: (l.completion * 1000.0).round() / 10.0,
            unjudged: l.unjudged,
            has_document: l.has_document,
        }
    }
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct LetterPage {
    items: Vec<LetterDto>,
    total: u64,
    page: u64,
    per_page: u64,
    /// The date completion was measured on (the report date).
    measured_on: chrono::NaiveDate,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LetterQuery {
    #[param(minimum = 2000, maximum = 9999)]
    year: Option<i32>,
    /// An org's code: its letters and those of the orgs below it (an unknown code: 404).
    org: Option<String>,
    #[param(minimum = 1, maximum = 100_000)]
    page: Option<u32>,
}

/// Responsibility letters of orgs in the caller's scope, newest year first.
#[utoipa::path(get, path = "/api/v1/letters", params(LetterQuery), security(("bearer" = [])), responses(
    (status = 200, body = LetterPage), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub async fn list_letters(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<LetterQuery>,
) -> Result<Json<LetterPage>, ApiError> {
    if q.year.is_some_and(|y| !(2000..=9999).contains(&y)) {
        return Err(ApiError(qingtuan_domain::Invalid::one("year", "年度应在 2000 到 9999 之间").into()));
    }
    let filter = Filter {
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
        org: q.org.unwrap_or_default(),
        page: page_param(q.page)?,
    };
    let (page, measured_on) = accountability::list(&state.app, &actor, &filter).await?;
    Ok(Json(LetterPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        measured_on,
        items: page.items.into_iter().map(LetterDto::from).collect(),
    }))
}
