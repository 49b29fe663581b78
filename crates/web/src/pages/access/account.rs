use crate::extract::Path;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::AppError;
use qingtuan_app::access::auth::{self, PasswordChange};
use qingtuan_app::access::second_factor::{self, Enrolment};
use qingtuan_app::access::tokens::{self, TokenView};
use qingtuan_domain::ids::TokenId;

use crate::done::{self, Done};
use crate::extract::RecentlyAuthenticated;
use crate::layout::{Errors, Layout};
use crate::middleware::{is_secure, session_cookie_name, set_cookie};
use crate::pages::{Submitted, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "account/index.html")]
struct AccountPage {
    layout: Layout,
    tokens: Vec<TokenView>,
    new_secret: Option<String>,
    errors: Errors,
}

async fn account_page(
    state: &AppState,
    user: &CurrentUser,
    new_secret: Option<String>,
    errors: Errors,
) -> Result<AccountPage, PageError> {
    Ok(AccountPage {
        layout: Layout::new(user, "/account", "我的账户"),
        tokens: tokens::list_mine(&state.app, &user.actor).await?,
        new_secret,
        errors,
    })
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&account_page(&state, &user, None, Errors::default()).await?)
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    /// Days the token lives (90 if empty, at most 365).
    days: Option<i64>,
}

pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    match tokens::create(&state.app, &user.actor, &form.name, form.days).await.or_invalid()? {
        Ok(secret) => render(&account_page(&state, &user, Some(secret), Errors::default()).await?),
        Err(e) => render_invalid(&account_page(&state, &user, None, Errors(Some(e))).await?),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TokenId>,
) -> Result<Response, PageError> {
    tokens::revoke(&state.app, &user.actor, id).await?;
    Ok(done::redirect("/account", Done::Revoked))
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    must_change: bool,
    errors: Errors,
}

pub async fn password_form(user: CurrentUser) -> Result<Response, PageError> {
    let must_change = user.actor.must_change_password();
    render(&PasswordPage {
        layout: Layout::new(&user, "/account", "修改密码"), must_change, errors: Errors::default()
    })
}

/// Changes the password; all of the user's sessions end and this browser gets a new one.
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Form(form): Form<PasswordChange>,
) -> Result<Response, PageError> {
    match auth::change_password(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(session) => {
            let secure = is_secure(&state, &headers);
            let mut res = done::redirect("/dashboard", Done::PasswordChanged);
            if let Ok(v) = set_cookie(secure, session_cookie_name(secure), &session.token, None).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e) => render_invalid(&PasswordPage {
            layout: Layout::new(&user, "/account", "修改密码"),
            must_change: user.actor.must_change_password(),
            errors: Errors(Some(e)),
        }),
    }
}

#[derive(Template)]
#[template(path = "account/reauth.html")]
struct ReauthPage {
    layout: Layout,
    next: String,
    /// The account has a second factor: its code is asked too.
    second_factor: bool,
    errors: Errors,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct ReauthForm {
    next: String,
    password: String,
    code: String,
}

/// Where to go after confirming: a path on this site, else the dashboard.
fn next_or_dashboard(next: &str) -> String {
    crate::extract::local_path(next).unwrap_or_else(|| "/dashboard".into())
}

pub async fn reauth_form(
    State(state): State<AppState>,
    user: CurrentUser,
    crate::extract::Query(form): crate::extract::Query<ReauthForm>,
) -> Result<Response, PageError> {
    let standing = second_factor::standing(&state.app, &user.actor).await?;
    render(&ReauthPage {
        layout: Layout::new(&user, "/account", "再次验证身份"),
        next: next_or_dashboard(&form.next),
        second_factor: standing.enrolled,
        errors: Errors::default(),
    })
}

/// Confirms the password for the next few minutes of sensitive actions, then goes back.
pub async fn reauth(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ReauthForm>,
) -> Result<Response, PageError> {
    let next = next_or_dashboard(&form.next);
    if auth::reauthenticate(&state.app, &user.actor, &user.session_token, &form.password, &form.code).await? {
        return Ok(Redirect::to(&next).into_response());
    }
    let enrolled = second_factor::standing(&state.app, &user.actor).await?.enrolled;
    let message = if enrolled { "密码或动态码错误" } else { "密码错误" };
    render_invalid(&ReauthPage {
        layout: Layout::new(&user, "/account", "再次验证身份"),
        next,
        second_factor: enrolled,
        errors: Errors(Some(qingtuan_domain::Invalid::one("password", message))),
    })
}

#[derive(Template)]
#[template(path = "account/second_factor.html")]
struct SecondFactorPage {
    layout: Layout,
    /// A role of the user requires a second factor.
    required: bool,
    enabled: bool,
    recovery_codes_left: usize,
    /// A secret waiting for its first code, with its QR code.
    pending: Option<(Enrolment, String)>,
    /// Recovery codes just made, shown this once.
    new_codes: Vec<String>,
    errors: Errors,
}

async fn second_factor_page(
    state: &AppState,
    user: &CurrentUser,
    new_codes: Vec<String>,
    errors: Errors,
) -> Result<SecondFactorPage, PageError> {
    let standing = second_factor::standing(&state.app, &user.actor).await?;
    let pending = match second_factor::pending(&state.app, &user.actor).await? {
        Some(e) => {
            let svg = crate::pages::share::qr_svg(&e.uri)?;
            Some((e, svg))
        }
        None => None,
    };
    Ok(SecondFactorPage {
        layout: Layout::new(user, "/account", "两步验证"),
        required: user.actor.must_use_second_factor(),
        enabled: standing.enrolled,
        recovery_codes_left: standing.recovery_codes_left,
        pending,
        new_codes,
        errors,
    })
}

pub async fn second_factor(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&second_factor_page(&state, &user, Vec::new(), Errors::default()).await?)
}

/// Renders the page after an action: its problems with 422, else the page itself.
async fn after_second_factor(
    state: &AppState,
    user: &CurrentUser,
    result: Result<Vec<String>, AppError>,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(codes) => render(&second_factor_page(state, user, codes, Errors::default()).await?),
        Err(e) => render_invalid(&second_factor_page(state, user, Vec::new(), Errors(Some(e))).await?),
    }
}

/// A new secret for the authenticator app (the password was confirmed within the last minutes).
pub async fn start_second_factor(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
) -> Result<Response, PageError> {
    let result = second_factor::start(&state.app, &user.actor).await.map(|_| Vec::new());
    after_second_factor(&state, &user, result).await
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// The first code from the app turns the second factor on; the recovery codes are shown once.
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let result = second_factor::confirm(&state.app, &user.actor, &form.code).await;
    after_second_factor(&state, &user, result).await
}

pub async fn renew_recovery_codes(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
) -> Result<Response, PageError> {
    let result = second_factor::renew_recovery_codes(&state.app, &user.actor).await;
    after_second_factor(&state, &user, result).await
}

pub async fn disable_second_factor(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
) -> Result<Response, PageError> {
    let result = second_factor::disable(&state.app, &user.actor).await.map(|()| Vec::new());
    after_second_factor(&state, &user, result).await
}
