//! Regions and youth populations: the list (filtered, paged, exported), a region added by hand,
//! and a year's youth population recorded with its source. Changing them is for district-wide
//! writers; imports do the same in bulk.

use crate::extract::Query;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::registry::regions::{self, Filter, NewRegion, RegionRow};
use qingtuan_domain::Invalid;
use qingtuan_domain::region::RegionKind;

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "regions.html")]
struct ListPage {
    layout: Layout,
    page: Page<RegionRow>,
    filter: Filter,
    query: String,
    kinds: &'static [RegionKind],
    can_edit: bool,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    errors: Errors,
) -> Result<ListPage, PageError> {
    let page = regions::list(&state.app, &user.actor, &filter).await?;
    Ok(ListPage {
        layout: Layout::new(user, "/regions", "区域与青年人口"),
        query: query_without_page(&filter),
        page,
        filter,
        kinds: RegionKind::ALL,
        can_edit: regions::can_edit(&state.app, &user.actor).await?,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    render(&list_page(&state, &user, filter, Errors::default()).await?)
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    Ok(xlsx_download("regions.xlsx", regions::export(&state.app, &user.actor, &filter).await?))
}

async fn after(state: &AppState, user: &CurrentUser, result: Result<(), AppError>) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect("/regions", Done::Saved)),
        Err(e) => render_invalid(&list_page(state, user, Filter::default(), Errors(Some(e))).await?),
    }
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewRegion>,
) -> Result<Response, PageError> {
    let result = regions::create(&state.app, &user.actor, &form).await.map(|_| ());
    after(&state, &user, result).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PopulationForm {
    region_code: String,
    year: String,
    count: String,
    source: String,
}

pub async fn set_population(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PopulationForm>,
) -> Result<Response, PageError> {
    let result = match (form.year.trim().parse::<i32>(), form.count.trim().parse::<i64>()) {
        (Ok(year), Ok(count)) => {
            regions::set_population(&state.app, &user.actor, &form.region_code, year, count, &form.source).await
        }
        _ => Err(AppError::Invalid(Invalid::one("count", "年份和青年人口应为整数"))),
    };
    after(&state, &user, result).await
}
