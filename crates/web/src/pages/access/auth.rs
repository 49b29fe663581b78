use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::access::auth::{self, LoginOutcome};

use crate::middleware::{LOGIN_CSRF_COOKIE, cookie, cookies, is_secure, session_cookie_name, set_cookie};
use crate::pages::render;
use crate::{AppState, Client, CurrentUser, PageError};

/// The proof of the password between the two steps of a login with a second factor.
const CHALLENGE_COOKIE: &str = "qt_login2";
const DEVICE_COOKIE_SECS: i64 = 365 * 24 * 3600;
const CHALLENGE_COOKIE_SECS: i64 = 300;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    username: String,
    message: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "login_second_factor.html")]
struct SecondFactorPage {
    csrf: String,
    message: Option<&'static str>,
}

/// A page outside any session, with a fresh pre-session CSRF token (double-submitted via a
/// cookie) and any further cookies.
fn pre_session_page(
    state: &AppState,
    headers: &HeaderMap,
    page: impl FnOnce(String) -> Result<Response, PageError>,
    cookies: &[String],
) -> Result<Response, PageError> {
    let csrf = qingtuan_app::crypto::random_token();
    let mut res = page(csrf.clone())?;
    let csrf_cookie = set_cookie(is_secure(state, headers), LOGIN_CSRF_COOKIE, &csrf, Some(3600));
    for c in std::iter::once(&csrf_cookie).chain(cookies) {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    username: String,
    message: Option<&'static str>,
) -> Result<Response, PageError> {
    pre_session_page(state, headers, |csrf| render(&LoginPage { csrf, username, message }), &[])
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
    match auth::login(&state.app, &form.username, &form.password, &devices(&headers), &client).await? {
        LoginOutcome::Rejected => login_page(&state, &headers, form.username, Some(auth::LOGIN_REJECTED)),
        LoginOutcome::SecondFactor { challenge } => {
            let secure = is_secure(&state, &headers);
            let challenge = set_cookie(secure, CHALLENGE_COOKIE, &challenge, Some(CHALLENGE_COOKIE_SECS));
            let page = |csrf| render(&SecondFactorPage { csrf, message: None });
            pre_session_page(&state, &headers, page, &[challenge])
        }
        LoginOutcome::LoggedIn { session, device } => Ok(logged_in(&state, &headers, &session, &device)),
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct SecondFactorForm {
    code: String,
}

/// The second step: the code from the authenticator app, or a recovery code.
pub async fn login_second_factor(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Result<Response, PageError> {
    let Some(challenge) = cookie(&headers, CHALLENGE_COOKIE) else { return Ok(Redirect::to("/login").into_response()) };
    match auth::login_second_factor(&state.app, &challenge, &form.code, &devices(&headers), &client).await? {
        LoginOutcome::LoggedIn { session, device } => Ok(logged_in(&state, &headers, &session, &device)),
        _ => {
            let page = |csrf| render(&SecondFactorPage { csrf, message: Some(SECOND_FACTOR_REJECTED) });
            pre_session_page(&state, &headers, page, &[])
        }
    }
}

const SECOND_FACTOR_REJECTED: &str = "验证码不正确、已使用或已过期；连续失败 5 次后账户将锁定 30 分钟";

/// The browser's device cookies (one per account that logged in from it): failures from a browser
/// the account has logged in from are counted apart from everyone else's (see `auth::login`).
fn devices(headers: &HeaderMap) -> Vec<String> {
    cookies(headers)
        .filter(|(k, _)| k.starts_with(auth::DEVICE_COOKIE_PREFIX))
        .map(|(_, v)| v.to_owned())
        .take(16)
        .collect()
}

/// Sets the session and device cookies, clears the pre-session ones, and goes to the dashboard.
fn logged_in(state: &AppState, headers: &HeaderMap, session: &auth::NewSession, device: &(String, String)) -> Response {
    let secure = is_secure(state, headers);
    let mut res = Redirect::to("/dashboard").into_response();
    let cookies = [
        set_cookie(secure, session_cookie_name(secure), &session.token, None),
        set_cookie(secure, &device.0, &device.1, Some(DEVICE_COOKIE_SECS)),
        set_cookie(secure, LOGIN_CSRF_COOKIE, "", Some(0)),
        set_cookie(secure, CHALLENGE_COOKIE, "", Some(0)),
    ];
    for c in cookies {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
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
