//! A partner's own pages, for its accounts: its record (agreements, contributions, contracts), its
//! bookings with the form to request one and cancel, and its lines in the ledger.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::platforms::ledger::LineRow;
use qingtuan_app::platforms::partner_desk::{self, OwnBooking, Request};
use qingtuan_app::platforms::partners::{self, PartnerPage};
use qingtuan_app::platforms::{READ, WRITE, venues};
use qingtuan_domain::ids::{BookingId, SpaceId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

/// Which page of a list, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Paging {
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "platforms/partner_desk.html")]
struct DeskPage {
    layout: Layout,
    p: PartnerPage,
    own: bool,
    page: Page<OwnBooking>,
    query: String,
    can_book: bool,
    spaces: Vec<(SpaceId, String)>,
    form: Request,
    errors: Errors,
}

async fn desk_page(
    state: &AppState,
    user: &CurrentUser,
    paging: Paging,
    form: Request,
    errors: Errors,
) -> Result<Response, PageError> {
    let id = partner_desk::own(&state.app, &user.actor, READ).await?;
    let p = partners::page(&state.app, &user.actor, id).await?;
    let page = partner_desk::bookings(&state.app, &user.actor, paging.page).await?;
    let can_book = user.actor.partner_with(WRITE).is_some();
    let invalid = errors.0.is_some();
    let view = DeskPage {
        layout: Layout::new(user, "/partner", p.name.clone()),
        p,
        own: true,
        page,
        query: String::new(),
        spaces: if can_book { venues::space_choices(&state.app).await? } else { Vec::new() },
        can_book,
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    desk_page(&state, &user, paging, Request::default(), Errors::default()).await
}

pub async fn request(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<Request>,
) -> Result<Response, PageError> {
    match partner_desk::request(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/partner#bookings", Done::Recorded)),
        Err(e) => desk_page(&state, &user, Paging::default(), form, Errors(Some(e))).await,
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BookingId>,
) -> Result<Response, PageError> {
    match partner_desk::cancel(&state.app, &user.actor, id).await.or_invalid()? {
        Ok(()) => Ok(done::redirect("/partner#bookings", Done::Saved)),
        Err(e) => desk_page(&state, &user, Paging::default(), Request::default(), Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "platforms/partner_ledger.html")]
struct LedgerPage {
    layout: Layout,
    page: Page<LineRow>,
    query: String,
}

/// The partner's lines in the ledger, paged.
pub async fn ledger(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(paging): Query<Paging>,
) -> Result<Response, PageError> {
    let page = partner_desk::lines(&state.app, &user.actor, paging.page).await?;
    render(&LedgerPage { layout: Layout::new(&user, "/partner/ledger", "本单位投入"), page, query: String::new() })
}
