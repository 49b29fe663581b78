//! Youth stations: the list with the form to register one; a station's page with its stays
//! (paged), the desk's booking form and each stay's next step (check-in, check-out with the
//! services received, cancel, no-show, the employment follow-up). On the portal: the open stations,
//! booking a bed, and the private page that shows and cancels the stay.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use qingtuan_app::AppError;
use qingtuan_app::stations::{self, DeskStep, MyStay, NewStation, NewStay, READ, StationRow, StationView, WRITE};
use qingtuan_domain::ids::{StationId, StayId};
use qingtuan_domain::station::{StationService, StayState};

use super::portal::{Confirmed, confirm_cancel, form_page, form_token};
use crate::done::{self, Done};
use crate::layout::{Errors, Layout, MenuEntry, Need};
use crate::pages::{Submitted, render, render_invalid};
use crate::{AppState, Client, CurrentUser, PageError};

pub const MENU: &[MenuEntry] = &[MenuEntry { href: "/stations", label: "青年驿站", need: Need::Tree(READ) }];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stations", get(list).post(create))
        .route("/stations/{id}", get(show))
        .route("/stations/{id}/stays", post(book))
        .route("/stays/{id}/act", post(act))
        .route("/portal/stations", get(portal_list))
        .route("/portal/stations/{id}", get(portal_form).post(portal_book))
        .route("/portal/stays/{token}", get(portal_mine))
        .route("/portal/stays/{token}/cancel", post(portal_cancel))
}

#[derive(Template)]
#[template(path = "stations/list.html")]
struct ListPage {
    layout: Layout,
    stations: Vec<StationRow>,
    can_write: bool,
    form: NewStation,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    form: NewStation,
    errors: Errors,
) -> Result<Response, PageError> {
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/stations", "青年驿站"),
        stations: stations::list(&state.app, &user.actor).await?,
        can_write: user.actor.can_somewhere(WRITE),
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    list_page(&state, &user, NewStation::default(), Errors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewStation>,
) -> Result<Response, PageError> {
    match stations::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/stations/{id}"), Done::Recorded)),
        Err(e) => list_page(&state, &user, form, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "stations/show.html")]
struct ShowPage {
    layout: Layout,
    row: StationRow,
    can_write: bool,
    page: qingtuan_app::page::Page<stations::StayRow>,
    query: String,
    services: &'static [StationService],
    form: NewStay,
    errors: Errors,
}

impl ShowPage {
    fn is(&self, state: &StayState, code: &str) -> bool {
        state.code() == code
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Paging {
    page: Option<u64>,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: StationId,
    paging: Paging,
    form: NewStay,
    errors: Errors,
) -> Result<Response, PageError> {
    let StationView { row, stays: page, can_write } = stations::show(&state.app, &user.actor, id, paging.page).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/stations", row.name.clone()),
        row,
        can_write,
        page,
        query: String::new(),
        services: StationService::ALL,
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StationId>,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, paging, NewStay::default(), Errors::default()).await
}

pub async fn book(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StationId>,
    Form(form): Form<NewStay>,
) -> Result<Response, PageError> {
    match stations::book_at_desk(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/stations/{id}"), Done::Recorded)),
        Err(e) => {
            let form = NewStay { id_number: String::new(), ..form };
            show_page(&state, &user, id, Paging::default(), form, Errors(Some(e))).await
        }
    }
}

/// A stay's next step.
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StayId>,
    Form(step): Form<DeskStep>,
) -> Result<Response, PageError> {
    match stations::act(&state.app, &user.actor, id, &step).await.or_invalid()? {
        Ok(station) => Ok(done::redirect(&format!("/stations/{station}"), Done::Saved)),
        Err(e) => {
            let station = stations::station_of_stay(&state.app, &user.actor, id).await?;
            show_page(&state, &user, station, Paging::default(), NewStay::default(), Errors(Some(e))).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/stations.html")]
struct PortalList {
    title: &'static str,
    stations: Vec<StationRow>,
}

pub async fn portal_list(State(state): State<AppState>) -> Result<Response, PageError> {
    render(&PortalList { title: "青年驿站", stations: stations::public_list(&state.app).await? })
}

#[derive(Template)]
#[template(path = "portal/station.html")]
struct PortalForm {
    title: String,
    s: StationRow,
    csrf: String,
    form: NewStay,
    errors: Errors,
}

async fn portal_page(
    state: &AppState,
    headers: &HeaderMap,
    id: StationId,
    form: NewStay,
    errors: Errors,
) -> Result<Response, PageError> {
    let s = stations::public_list(&state.app).await?.into_iter().find(|s| s.id == id).ok_or(AppError::NotFound)?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    form_page(&PortalForm { title: s.name.clone(), s, csrf, form, errors }, invalid, set)
}

pub async fn portal_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<StationId>,
) -> Result<Response, PageError> {
    portal_page(&state, &headers, id, NewStay::default(), Errors::default()).await
}

#[derive(Template)]
#[template(path = "portal/stay.html")]
struct MinePage {
    title: &'static str,
    s: MyStay,
    token: String,
    csrf: String,
    link: Option<(String, String)>,
}

pub async fn portal_book(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<StationId>,
    Form(form): Form<NewStay>,
) -> Result<Response, PageError> {
    match stations::book_on_portal(&state.app, &client, id, &form).await.or_invalid()? {
        Ok(receipt) => {
            let s = stations::mine(&state.app, &receipt.token).await?;
            let path = format!("/portal/stays/{}", receipt.token);
            let link = crate::pages::share::absolute_url(&state, &headers, &path);
            let qr = crate::pages::share::qr_svg(&link)?;
            let (csrf, set) = form_token(&state, &headers);
            let page = MinePage { title: "床位已预订", s, token: receipt.token, csrf, link: Some((link, qr)) };
            form_page(&page, false, set)
        }
        Err(e) => portal_page(&state, &headers, id, form, Errors(Some(e))).await,
    }
}

pub async fn portal_mine(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let s = stations::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    form_page(&MinePage { title: "我的驿站预订", s, token, csrf, link: None }, false, set)
}

pub async fn portal_cancel(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Result<Response, PageError> {
    if !confirmed.yes() {
        let s = stations::mine(&state.app, &token).await?;
        let what = format!("{} {} 至 {}的住宿预订", s.station, s.arrives_on, s.leaves_on);
        return confirm_cancel(&state, &headers, what, format!("/portal/stays/{token}"));
    }
    stations::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/stays/{token}")).into_response())
}
