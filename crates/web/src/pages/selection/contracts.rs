//! Purchased services: the contracts (by year, paged) with the form to sign one, and a contract's
//! page with its social workers, the form to place one, and what was delivered.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::selection::{self, ContractDetail, ContractFilter, ContractRow, NewContract, NewWorker};
use qingtuan_domain::ids::ContractId;

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "selection/contracts.html")]
struct ListPage {
    layout: Layout,
    page: Page<ContractRow>,
    filter: ContractFilter,
    query: String,
    can_write: bool,
    form: NewContract,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: ContractFilter,
    form: NewContract,
    errors: Errors,
) -> Result<Response, PageError> {
    let page = selection::contracts(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/contracts", "购买服务"),
        query: query_without_page(&filter),
        page,
        filter,
        can_write: user.actor.can_somewhere(selection::WRITE),
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<ContractFilter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewContract::default(), Errors::default()).await
}

pub async fn sign(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewContract>,
) -> Result<Response, PageError> {
    match selection::sign_contract(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/contracts/{id}"), Done::Created)),
        Err(e) => list_page(&state, &user, ContractFilter::default(), form, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "selection/contract.html")]
struct ShowPage {
    layout: Layout,
    d: ContractDetail,
    form: NewWorker,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: ContractId,
    form: NewWorker,
    errors: Errors,
) -> Result<Response, PageError> {
    let d = selection::contract(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage { layout: Layout::new(user, "/contracts", d.contract.title.clone()), d, form, errors };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ContractId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, NewWorker::default(), Errors::default()).await
}

pub async fn place(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ContractId>,
    Form(form): Form<NewWorker>,
) -> Result<Response, PageError> {
    match selection::place_worker(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/contracts/{id}"), Done::Saved)),
        Err(e) => show_page(&state, &user, id, form, Errors(Some(e))).await,
    }
}
