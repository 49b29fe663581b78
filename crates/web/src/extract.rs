//! Named extractors: a handler that takes `CurrentUser` can only run for a logged-in user whose
//! password is in order; one that takes `ApiUser` answers 401 JSON instead of redirecting.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::{Actor, AppError, ClientInfo};

use crate::ApiError;
use crate::middleware::Auth;

/// A logged-in user on a page.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub csrf: String,
    /// The session cookie's value, needed to end exactly this session.
    pub session_token: String,
}

/// Pages reachable while the password must still be changed.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/logout"];

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Session { actor, csrf, token }) => {
                if actor.must_change_password() && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
                    return Err(Redirect::to("/account/password").into_response());
                }
                Ok(Self { actor: (**actor).clone(), csrf: csrf.clone(), session_token: token.clone() })
            }
            _ => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// A caller of the JSON API: a session (with CSRF on writes) or a personal access token.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Session { actor, .. }) if !actor.must_change_password() => Ok(Self((**actor).clone())),
            Some(Auth::Token(actor)) if !actor.must_change_password() => Ok(Self((**actor).clone())),
            _ => Err(ApiError(AppError::Unauthenticated)),
        }
    }
}

/// Where the request came from.
#[derive(Debug, Clone)]
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ClientInfo>().cloned().unwrap_or_default()))
    }
}
