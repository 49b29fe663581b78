//! The public portal (`/portal`): phone-first pages anyone may open. Forms carry the pre-session
//! CSRF token (a cookie and a field); the private link is the only key to a sign-up.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::AppError;
use qingtuan_app::portal::{self, MySignup, PublicCall, SignupForm};

use crate::layout::Errors;
use crate::middleware::{LOGIN_CSRF_COOKIE, cookie, is_secure, set_cookie};
use crate::pages::{render, render_invalid};
use crate::{AppState, Client, PageError};

/// The form token of an anonymous visitor: the one their cookie holds, or a new one to set.
fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, LOGIN_CSRF_COOKIE).filter(|c| !c.is_empty()) {
        Some(existing) => (existing, None),
        None => {
            let token = qingtuan_app::crypto::random_token();
            let set = set_cookie(is_secure(state, headers), LOGIN_CSRF_COOKIE, &token, Some(3600 * 12));
            (token, Some(set))
        }
    }
}

fn with_cookie(mut res: Response, set: Option<String>) -> Response {
    if let Some(v) = set.and_then(|s| s.parse().ok()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Template)]
#[template(path = "portal/index.html")]
struct IndexPage {
    title: &'static str,
    calls: Vec<PublicCall>,
}

fn today(state: &AppState) -> chrono::NaiveDate {
    qingtuan_domain::time::local_date(state.app.now())
}

pub async fn index(State(state): State<AppState>) -> Result<Response, PageError> {
    let calls = portal::open_calls(&state.app, today(&state), None).await?;
    render(&IndexPage { title: "志愿者招募", calls })
}

#[derive(Template)]
#[template(path = "portal/call.html")]
struct CallPage {
    title: String,
    call: PublicCall,
    csrf: String,
    errors: Errors,
}

async fn call_page(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    errors: Errors,
    invalid: bool,
) -> Result<Response, PageError> {
    let call =
        portal::open_calls(&state.app, today(state), Some(id)).await?.into_iter().next().ok_or(AppError::NotFound)?;
    let (csrf, set) = form_token(state, headers);
    let page = CallPage { title: call.title.clone(), call, csrf, errors };
    let res = if invalid { render_invalid(&page)? } else { render(&page)? };
    Ok(with_cookie(res, set))
}

pub async fn call(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    call_page(&state, &headers, id, Errors::default(), false).await
}

#[derive(Template)]
#[template(path = "portal/receipt.html")]
struct ReceiptPage {
    title: &'static str,
    token: String,
    code: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(shift_id): Path<i64>,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    match portal::sign_up(&state.app, &client, shift_id, &form).await {
        Ok(receipt) => render(&ReceiptPage { title: "报名成功", token: receipt.token, code: receipt.code }),
        Err(AppError::Invalid(e)) => {
            let call_id = portal::call_of_shift(&state.app, shift_id).await?;
            call_page(&state, &headers, call_id, Errors(Some(e)), true).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/me.html")]
struct MePage {
    title: &'static str,
    s: MySignup,
    token: String,
    csrf: String,
}

pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let s = portal::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    Ok(with_cookie(render(&MePage { title: "我的报名", s, token, csrf })?, set))
}

pub async fn cancel(
    State(state): State<AppState>,
    Client(client): Client,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    portal::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/me/{token}")).into_response())
}
