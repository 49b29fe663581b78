use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::auth;

use crate::middleware::{LOGIN_CSRF_COOKIE, is_secure, session_cookie_name, set_cookie};
use crate::pages::render;
use crate::{AppState, Client, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    username: String,
    message: Option<&'static str>,
}

/// Shows the login form with a fresh pre-session CSRF token (double-submitted via a cookie).
fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    username: String,
    message: Option<&'static str>,
) -> Result<Response, PageError> {
    let csrf = qingtuan_app::crypto::random_token();
    let mut res = render(&LoginPage { csrf: csrf.clone(), username, message })?;
    let value = set_cookie(is_secure(state, headers), LOGIN_CSRF_COOKIE, &csrf, Some(3600));
    if let Ok(v) = value.parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    login_page(&state, &headers, String::new(), None)
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let Some(session) = auth::login(&state.app, &form.username, &form.password, &client).await? else {
        return login_page(&state, &headers, form.username, Some(auth::LOGIN_REJECTED));
    };
    let secure = is_secure(&state, &headers);
    let mut res = Redirect::to("/dashboard").into_response();
    let cookies = [
        set_cookie(secure, session_cookie_name(secure), &session.token, None),
        set_cookie(secure, LOGIN_CSRF_COOKIE, "", Some(0)),
    ];
    for c in cookies {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    auth::logout(&state.app, &user.actor, &user.session_token).await?;
    let secure = is_secure(&state, &headers);
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(secure, session_cookie_name(secure), "", Some(0)).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
