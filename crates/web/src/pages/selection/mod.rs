//! Open selection for the staff: openings (list, the form to open places), an opening's page with
//! its ranked applications and each stage's form (qualification, scores, public notice,
//! objections, appointment), and an application's attachment; purchased services (`contracts`).
//! The public side of selection is on the portal.

mod contracts;

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::selection::{self, NewOpening, OpeningDetail, OpeningFilter, OpeningRow};
use qingtuan_domain::ids::{ApplicationId, ObjectionId, OpeningId};
use qingtuan_domain::permission::Module;
use qingtuan_domain::position::{Employment, ServingLevel, Title};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout, MenuEntry, read};
use crate::pages::{Submitted, download, query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/openings", label: "骨干选拔", need: read(Module::Selection) },
    MenuEntry { href: "/contracts", label: "购买服务", need: read(Module::Selection) },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openings", get(list).post(open))
        .route("/openings/{id}", get(show))
        .route("/openings/{id}/notice", post(notice))
        .route("/openings/{id}/appoint", post(appoint))
        .route("/applications/{id}/check", post(check))
        .route("/applications/{id}/scores", post(scores))
        .route("/applications/{id}/document", get(document))
        .route("/objections/{id}/resolve", post(resolve))
        .route("/contracts", get(contracts::list).post(contracts::sign))
        .route("/contracts/{id}", get(contracts::show))
        .route("/contracts/{id}/workers", post(contracts::place))
}

#[derive(Template)]
#[template(path = "selection/openings.html")]
struct ListPage {
    layout: Layout,
    page: Page<OpeningRow>,
    filter: OpeningFilter,
    query: String,
    can_write: bool,
    form: NewOpening,
    levels: &'static [ServingLevel],
    titles: &'static [Title],
    kinds: [Employment; 2],
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: OpeningFilter,
    form: NewOpening,
    errors: Errors,
) -> Result<Response, PageError> {
    let page = selection::openings(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/openings", "骨干选拔"),
        query: query_without_page(&filter),
        page,
        filter,
        can_write: user.actor.can_somewhere(selection::WRITE),
        form,
        levels: ServingLevel::ALL,
        titles: Title::ALL,
        kinds: [Employment::Seconded, Employment::PartTime],
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<OpeningFilter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewOpening::default(), Errors::default()).await
}

pub async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewOpening>,
) -> Result<Response, PageError> {
    match selection::open(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/openings/{id}"), Done::Published)),
        Err(e) => list_page(&state, &user, OpeningFilter::default(), form, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "selection/opening.html")]
struct ShowPage {
    layout: Layout,
    d: OpeningDetail,
    errors: Errors,
}

async fn show_page(state: &AppState, user: &CurrentUser, id: OpeningId, errors: Errors) -> Result<Response, PageError> {
    let d = selection::opening(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage { layout: Layout::new(user, "/openings", d.opening.title.clone()), d, errors };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OpeningId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, Errors::default()).await
}

/// After a stage: back to the opening, or its page again with the refusal.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: OpeningId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/openings/{id}"), Done::Saved)),
        Err(e) => show_page(state, user, id, Errors(Some(e))).await,
    }
}

/// The opening an application belongs to, for the page to show again.
async fn opening_of(state: &AppState, user: &CurrentUser, id: ApplicationId) -> Result<OpeningId, PageError> {
    Ok(selection::opening_of_application(&state.app, &user.actor, id).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CheckForm {
    pass: String,
    note: String,
}

pub async fn check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ApplicationId>,
    Form(form): Form<CheckForm>,
) -> Result<Response, PageError> {
    let opening = opening_of(&state, &user, id).await?;
    let result = selection::check(&state.app, &user.actor, id, form.pass == "yes", &form.note).await.map(|_| ());
    after(&state, &user, opening, result).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ScoreForm {
    written: String,
    interview: String,
}

pub async fn scores(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ApplicationId>,
    Form(form): Form<ScoreForm>,
) -> Result<Response, PageError> {
    let opening = opening_of(&state, &user, id).await?;
    let result = selection::enter_scores(&state.app, &user.actor, id, &form.written, &form.interview).await.map(|_| ());
    after(&state, &user, opening, result).await
}

pub async fn notice(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OpeningId>,
) -> Result<Response, PageError> {
    let result = selection::start_notice(&state.app, &user.actor, id).await;
    after(&state, &user, id, result).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    upheld: String,
    resolution: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ObjectionId>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, PageError> {
    let opening = selection::opening_of_objection(&state.app, &user.actor, id).await?;
    let result =
        selection::resolve(&state.app, &user.actor, id, form.upheld == "yes", &form.resolution).await.map(|_| ());
    after(&state, &user, opening, result).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AppointForm {
    on: String,
}

pub async fn appoint(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OpeningId>,
    Form(form): Form<AppointForm>,
) -> Result<Response, PageError> {
    let result = selection::appoint(&state.app, &user.actor, id, &form.on).await.map(|_| ());
    after(&state, &user, id, result).await
}

/// An applicant's attachment, as a download.
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ApplicationId>,
) -> Result<Response, PageError> {
    let d = selection::application_document(&state.app, &user.actor, id).await?;
    Ok(download(&format!("application-{id}"), d))
}
