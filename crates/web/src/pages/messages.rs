//! Messages: the outbox of the viewer's scope — each message's state, attempts and last failure,
//! filtered by state and kind, paged — with a failed message sent again; and on the portal, the
//! link each message carries to stop messages of its kind.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use qingtuan_app::messages::{self, OutboxFilter, OutboxRow, READ};
use qingtuan_app::page::Page;
use qingtuan_domain::ids::MessageId;
use qingtuan_domain::message::{MessageKind, MessageState};

use super::portal::{form_page, form_token};
use crate::done::{self, Done};
use crate::layout::{Layout, MenuEntry, Need};
use crate::pages::{query_without_page, render};
use crate::{AppState, Client, CurrentUser, PageError};

pub const MENU: &[MenuEntry] = &[MenuEntry { href: "/outbox", label: "消息发送", need: Need::Tree(READ) }];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outbox", get(list))
        .route("/outbox/{id}/retry", post(retry))
        .route("/portal/messages/{token}", get(opt_out_page).post(opt_out))
}

#[derive(Template)]
#[template(path = "messages/outbox.html")]
struct OutboxPage {
    layout: Layout,
    page: Page<OutboxRow>,
    counts: Vec<(MessageState, u64)>,
    filter: OutboxFilter,
    query: String,
    states: &'static [MessageState],
    kinds: &'static [MessageKind],
    can_retry: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<OutboxFilter>,
) -> Result<Response, PageError> {
    let (page, counts) = messages::list(&state.app, &user.actor, &filter).await?;
    render(&OutboxPage {
        layout: Layout::new(&user, "/outbox", "消息发送"),
        page,
        counts,
        query: query_without_page(&filter),
        filter,
        states: MessageState::ALL,
        kinds: MessageKind::ALL,
        can_retry: user.actor.can_somewhere(messages::WRITE),
    })
}

pub async fn retry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<MessageId>,
) -> Result<Response, PageError> {
    messages::retry(&state.app, &user.actor, id).await?;
    Ok(done::redirect("/outbox?state=pending", Done::Saved))
}

#[derive(Template)]
#[template(path = "portal/opt_out.html")]
struct OptOutPage {
    title: &'static str,
    token: String,
    csrf: String,
    kind: MessageKind,
    done: bool,
}

pub async fn opt_out_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let (kind, done) = messages::opt_out_status(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    form_page(&OptOutPage { title: "退订消息", token, csrf, kind, done }, false, set)
}

pub async fn opt_out(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let kind = messages::opt_out(&state.app, &client, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    form_page(&OptOutPage { title: "退订消息", token, csrf, kind, done: true }, false, set)
}
