//! A figure's records in the API: the same list as `/figures/{key}` — the records counted on the
//! as-of date or in the period, or those that entered or left since the baseline, the period before,
//! the uncovered regions, a share's whole — with their count and sum, paged.

use axum::Json;
use axum::extract::{Path, State};
use qingtuan_app::figures::{self, ReportRequest, Side};
use utoipa::ToSchema;

use super::{ApiQuery, ErrorDto, page_param};
use crate::{ApiError, ApiUser, AppState};

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct RecordDto {
    /// The org it belongs to (for an org, the org itself).
    org: String,
    /// What it is: a title, a name, a category.
    what: String,
    /// Who it is about, masked unless the caller may see the name.
    who: Option<String>,
    on: Option<chrono::NaiveDate>,
    /// What it adds to the figure, before the figure's scale (minutes, fen, people).
    value: i64,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct RecordPage {
    key: String,
    name: String,
    unit: String,
    /// The figure (`null` when it cannot be computed for the scope).
    figure: Option<i64>,
    side: String,
    /// The records on this side, and the sum of their values.
    count: i64,
    sum: i64,
    /// The sum as the figure writes it (on its scale; for a target completion, the average).
    total: i64,
    /// Records that entered and left since the baseline, for a figure that has them.
    entered: Option<i64>,
    left: Option<i64>,
    /// Why the records are counted but not listed (the caller may not read them).
    withheld: Option<String>,
    items: Vec<RecordDto>,
    /// The records listed after the `q` filter.
    total_listed: u64,
    page: u64,
    per_page: u64,
}

#[derive(Debug, Clone, Copy, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideParam {
    Counted,
    Entered,
    Left,
    Uncovered,
    Whole,
    Previous,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    /// The date the figure is for.
    as_of: chrono::NaiveDate,
    /// The date to compare with.
    baseline: chrono::NaiveDate,
    /// Start of the period of flow indicators; default: the day after the baseline.
    from: Option<chrono::NaiveDate>,
    /// Code of the org whose subtree to report on (default: the caller's first scope).
    scope: Option<String>,
    /// Region code of a street, to report on that street only.
    street: Option<String>,
    /// Which records: those counted (default), or those that entered or left since the baseline,
    /// the uncovered regions of a coverage, a share's whole, the period before.
    #[param(inline)]
    side: Option<SideParam>,
    /// Text the record's org or description contains.
    q: Option<String>,
    #[param(minimum = 1, maximum = 100_000)]
    page: Option<u32>,
}

/// The records that make up a figure of the catalogue, as `/figures/{key}` lists them.
#[utoipa::path(get, path = "/api/v1/figures/{key}/records", params(("key" = String, Path, description = "An indicator's key"), RecordQuery), security(("bearer" = [])), responses(
    (status = 200, body = RecordPage), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub async fn records(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<RecordQuery>,
) -> Result<Json<RecordPage>, ApiError> {
    let side = match q.side.unwrap_or(SideParam::Counted) {
        SideParam::Counted => Side::Counted,
        SideParam::Entered => Side::Entered,
        SideParam::Left => Side::Left,
        SideParam::Uncovered => Side::Uncovered,
        SideParam::Whole => Side::Whole,
        SideParam::Previous => Side::Previous,
    };
    let req = ReportRequest {
        as_of: Some(q.as_of),
        baseline: Some(q.baseline),
        from: q.from,
        scope: q.scope,
        street: q.street,
    };
    let d = figures::drill(&state.app, &actor, &key, &req, side, q.q.as_deref(), page_param(q.page)?).await?;
    Ok(Json(RecordPage {
        key: d.figure.indicator.key.to_owned(),
        name: d.figure.indicator.name.to_owned(),
        unit: d.figure.indicator.unit.to_owned(),
        figure: d.figure.unavailable.is_none().then_some(d.figure.value),
        side: side.code().to_owned(),
        count: d.count,
        sum: d.sum,
        total: d.total,
        entered: d.changes.map(|(e, _)| e),
        left: d.changes.map(|(_, l)| l),
        withheld: d.withheld.clone(),
        total_listed: d.rows.total,
        page: d.rows.page,
        per_page: d.rows.per_page,
        items: d
            .rows
            .items
            .into_iter()
            .map(|r| RecordDto { org: r.org, what: r.what, who: r.who, on: r.on, value: r.value })
            .collect(),
    }))
}
