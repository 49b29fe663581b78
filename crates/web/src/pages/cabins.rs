//! Hope cabins: the children's cases (the name masked and the family situation withheld without a
//! standing approval) with the form to open one; a case's page with the cabin built, the paired
//! volunteers (pairing shows the volunteer's private link once) and the visits. On the portal: a
//! paired volunteer's private page, which shows only their child and records their visits.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use qingtuan_app::AppError;
use qingtuan_app::cabins::{self, Built, CabinRow, CabinView, MyChild, NewCabin, NewPair, NewVisit, READ, WRITE};
use qingtuan_app::page::Page;
use qingtuan_domain::cabin::{Guardian, VisitKind};
use qingtuan_domain::ids::{CabinId, PairingId};

use super::portal::{form_page, form_token};
use crate::done::{self, Done};
use crate::layout::{Errors, Layout, MenuEntry, Need};
use crate::pages::{Submitted, render, render_invalid};
use crate::{AppState, Client, CurrentUser, PageError};

pub const MENU: &[MenuEntry] = &[MenuEntry { href: "/cabins", label: "希望小屋", need: Need::Tree(READ) }];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cabins", get(list).post(open))
        .route("/cabins/{id}", get(show))
        .route("/cabins/{id}/build", post(build))
        .route("/cabins/{id}/pair", post(pair))
        .route("/cabins/{id}/visits", post(visit))
        .route("/cabin-pairs/{id}/end", post(unpair))
        .route("/portal/cabin-visits/{token}", get(portal_mine).post(portal_visit))
}

#[derive(Template)]
#[template(path = "cabins/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<CabinRow>,
    filter: cabins::Filter,
    states: &'static [(&'static str, &'static str)],
    query: String,
    guardians: &'static [Guardian],
    can_write: bool,
    form: NewCabin,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: cabins::Filter,
    form: NewCabin,
    errors: Errors,
) -> Result<Response, PageError> {
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/cabins", "希望小屋"),
        page: cabins::list(&state.app, &user.actor, &filter).await?,
        query: crate::pages::query_without_page(&filter),
        filter,
        states: &cabins::STATES,
        guardians: Guardian::ALL,
        can_write: user.actor.can_somewhere(WRITE),
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<cabins::Filter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewCabin::default(), Errors::default()).await
}

pub async fn open(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewCabin>,
) -> Result<Response, PageError> {
    match cabins::open(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/cabins/{id}"), Done::Recorded)),
        Err(e) => list_page(&state, &user, cabins::Filter::default(), form, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "cabins/show.html")]
struct ShowPage {
    layout: Layout,
    c: CabinView,
    kinds: &'static [VisitKind],
    /// Just paired: the volunteer's private link to hand over, and its QR code.
    link: Option<(String, String)>,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: CabinId,
    link: Option<(String, String)>,
    errors: Errors,
) -> Result<Response, PageError> {
    let c = cabins::show(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/cabins", format!("希望小屋 {id}")),
        c,
        kinds: VisitKind::ALL,
        link,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CabinId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, None, Errors::default()).await
}

async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: CabinId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/cabins/{id}"), Done::Saved)),
        Err(e) => show_page(state, user, id, None, Errors(Some(e))).await,
    }
}

pub async fn build(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CabinId>,
    Form(form): Form<Built>,
) -> Result<Response, PageError> {
    let result = cabins::build(&state.app, &user.actor, id, &form).await;
    after(&state, &user, id, result).await
}

pub async fn visit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CabinId>,
    Form(form): Form<NewVisit>,
) -> Result<Response, PageError> {
    let result = cabins::visit(&state.app, &user.actor, id, &form).await;
    after(&state, &user, id, result).await
}

/// Ends a pairing: the volunteer's link no longer opens.
pub async fn unpair(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PairingId>,
) -> Result<Response, PageError> {
    let cabin = cabins::unpair(&state.app, &user.actor, id).await?;
    Ok(done::redirect(&format!("/cabins/{cabin}"), Done::Saved))
}

/// Pairs a volunteer; the page shows their private link once.
pub async fn pair(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<CabinId>,
    Form(form): Form<NewPair>,
) -> Result<Response, PageError> {
    match cabins::pair(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(token) => {
            let link = crate::pages::share::absolute_url(&state, &headers, &format!("/portal/cabin-visits/{token}"));
            let qr = crate::pages::share::qr_svg(&link)?;
            show_page(&state, &user, id, Some((link, qr)), Errors::default()).await
        }
        Err(e) => show_page(&state, &user, id, None, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "portal/cabin_visits.html")]
struct MinePage {
    title: &'static str,
    c: MyChild,
    token: String,
    csrf: String,
    kinds: &'static [VisitKind],
    form: NewVisit,
    errors: Errors,
}

async fn mine_page(
    state: &AppState,
    headers: &HeaderMap,
    token: String,
    form: NewVisit,
    errors: Errors,
) -> Result<Response, PageError> {
    let c = cabins::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    form_page(&MinePage { title: "结对探访", c, token, csrf, kinds: VisitKind::ALL, form, errors }, invalid, set)
}

pub async fn portal_mine(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    mine_page(&state, &headers, token, NewVisit::default(), Errors::default()).await
}

pub async fn portal_visit(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<NewVisit>,
) -> Result<Response, PageError> {
    match cabins::visit_by_link(&state.app, &client, &token, &form).await.or_invalid()? {
        Ok(()) => mine_page(&state, &headers, token, NewVisit::default(), Errors::default()).await,
        Err(e) => mine_page(&state, &headers, token, form, Errors(Some(e))).await,
    }
}
