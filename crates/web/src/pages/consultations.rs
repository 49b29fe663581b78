//! Consultation cases: the list (counts by category and outcome; filtered, paged, exported; no
//! content) with the form to take a case; a case's page — its content only for its handlers —
//! with giving it to a consultant, follow-ups and closing. A consultant's account sees its own.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use qingtuan_app::AppError;
use qingtuan_app::consultations::{self, CaseRow, CaseStep, CaseView, Cases, Count, Filter, NewCase, READ, WRITE};
use qingtuan_app::page::Page;
use qingtuan_domain::consultation::{CaseCategory, CaseChannel, CaseOutcome};
use qingtuan_domain::ids::{CaseId, UserId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout, MenuEntry, Need};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

/// This capability's entries in the menu: the staff's list, and a consultant's own cases.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/consultations", label: "咨询个案", need: Need::Tree(READ) },
    MenuEntry { href: "/consultations", label: "我的咨询个案", need: Need::Partner(READ) },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(list).post(open))
        .route("/consultations/export.xlsx", get(export))
        .route("/consultations/{id}", get(show))
        .route("/consultations/{id}/assign", post(assign))
        .route("/consultations/{id}/step", post(step))
}

#[derive(Template)]
#[template(path = "consultations/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<CaseRow>,
    counts: Vec<Count>,
    filter: Filter,
    query: String,
    categories: &'static [CaseCategory],
    channels: &'static [CaseChannel],
    outcomes: &'static [CaseOutcome],
    consultants: Vec<(UserId, String)>,
    can_write: bool,
    form: NewCase,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewCase,
    errors: Errors,
) -> Result<Response, PageError> {
    let Cases { page, counts } = consultations::list(&state.app, &user.actor, &filter).await?;
    let can_write = user.actor.can_somewhere(WRITE);
    let invalid = errors.0.is_some();
    let title = if user.actor.partner.is_some() { "我的咨询个案" } else { "咨询个案" };
    let view = ListPage {
        layout: Layout::new(user, "/consultations", title),
        query: query_without_page(&filter),
        page,
        counts,
        filter,
        categories: CaseCategory::ALL,
        channels: CaseChannel::ALL,
        outcomes: CaseOutcome::ALL,
        consultants: if can_write {
            consultations::consultant_choices(&state.app, &user.actor).await?
        } else {
            Vec::new()
        },
        can_write,
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewCase::default(), Errors::default()).await
}

pub async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewCase>,
) -> Result<Response, PageError> {
    match consultations::open(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/consultations/{id}"), Done::Recorded)),
        Err(e) => list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    Ok(xlsx_download("consultations.xlsx", consultations::export(&state.app, &user.actor, &filter).await?))
}

#[derive(Template)]
#[template(path = "consultations/show.html")]
struct ShowPage {
    layout: Layout,
    c: CaseView,
    consultants: Vec<(UserId, String)>,
    outcomes: &'static [CaseOutcome],
    errors: Errors,
}

async fn show_page(state: &AppState, user: &CurrentUser, id: CaseId, errors: Errors) -> Result<Response, PageError> {
    let c = consultations::show(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/consultations", format!("咨询个案 {id}")),
        consultants: if c.can_assign {
            consultations::consultant_choices(&state.app, &user.actor).await?
        } else {
            Vec::new()
        },
        c,
        outcomes: CaseOutcome::ALL,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CaseId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, Errors::default()).await
}

async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: CaseId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/consultations/{id}"), Done::Saved)),
        Err(e) => show_page(state, user, id, Errors(Some(e))).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AssignForm {
    consultant: String,
}

pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CaseId>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    let result = consultations::assign(&state.app, &user.actor, id, &form.consultant).await;
    after(&state, &user, id, result).await
}

pub async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CaseId>,
    Form(form): Form<CaseStep>,
) -> Result<Response, PageError> {
    let result = consultations::step(&state.app, &user.actor, id, &form).await;
    after(&state, &user, id, result).await
}
