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
    /// What the action that led here did ("已保存"), shown once.
    pub done: Option<&'static str>,
}

/// Pages reachable while the password must still be changed.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/logout"];
/// Pages reachable while a second factor a role requires is not yet enrolled.
const SECOND_FACTOR_PATHS: [&str; 4] =
    ["/account/second-factor", "/account/second-factor/start", "/account/second-factor/confirm", "/logout"];

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Session { actor, csrf, token, .. }) => {
                let path = parts.uri.path();
                if actor.must_change_password() && !PASSWORD_CHANGE_PATHS.contains(&path) {
                    return Err(Redirect::to("/account/password").into_response());
                }
                // `/reauth` too: starting the enrolment asks for the password once more.
                if actor.must_enrol_second_factor() && !SECOND_FACTOR_PATHS.contains(&path) && path != "/reauth" {
                    return Err(Redirect::to("/account/second-factor").into_response());
                }
                let done = parts.extensions.get::<crate::done::Shown>().map(|s| s.0.message());
                Ok(Self { actor: (**actor).clone(), csrf: csrf.clone(), session_token: token.clone(), done })
            }
            _ => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// A logged-in user who has given their password within the last few minutes: unmasking,
/// exports of personal data and changes of roles take this. Otherwise the user is sent to confirm
/// the password and then back to the page the request came from (`/reauth?next=…`).
#[derive(Debug, Clone)]
pub struct RecentlyAuthenticated(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for RecentlyAuthenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if matches!(parts.extensions.get::<Auth>(), Some(Auth::Session { recent: true, .. })) {
            return Ok(Self(user));
        }
        // A GET comes back to itself; a form comes back to the page it was on.
        let back = if parts.method == axum::http::Method::GET {
            parts.uri.path_and_query().map(|p| p.as_str().to_owned())
        } else {
            let referer = parts.headers.get(axum::http::header::REFERER).and_then(|r| r.to_str().ok());
            // Only its path is kept: wherever the page was, the way back stays on this site.
            referer
                .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| &r[i + 3 + j..])))
                .and_then(local_path)
        };
        let next = back.unwrap_or_else(|| "/dashboard".into());
        let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
        Err(Redirect::to(&format!("/reauth?{query}")).into_response())
    }
}

/// A path on this site (`/…`, not `//…` or `/\…`); `None` for anything else, so no redirect leaves
/// the site. The value arrives percent-decoded; control characters and whitespace anywhere are
/// refused too — browsers drop a tab or a newline, so `/\t/evil.example` would become
/// `//evil.example`, and a CR or LF cannot go into a `Location` header at all.
pub fn local_path(raw: &str) -> Option<String> {
    let clean = !raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    // Dot segments are refused too: `/.//evil.example` resolves to the path `//evil.example`.
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    let dotted = path.split('/').any(|segment| segment == "." || segment == "..");
    (clean && !dotted && raw.starts_with('/') && !raw.starts_with("//")).then(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(local_path("/people/3?x=1").as_deref(), Some("/people/3?x=1"));
        assert_eq!(local_path("/people?q=a/./b").as_deref(), Some("/people?q=a/./b"));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nX-Injected: 1",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "https://evil.example",
            "evil.example",
            "%2F%2Fevil.example",
            "/.//evil.example",
            "/a/../..//evil.example",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
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
            Some(Auth::Session { actor, .. } | Auth::Token(actor)) if actor.may_proceed() => {
                Ok(Self((**actor).clone()))
            }
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

/// A page's query string. One that does not parse (`?page=abc`) is refused with a Chinese message
/// naming the parameter, never the framework's English 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = crate::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(q)) => Ok(Self(q)),
            Err(e) => {
                let message = match query_parameter(&e) {
                    Some(name) => format!("网址中的查询参数“{name}”格式不正确，请返回重新选择"),
                    None => "网址中的查询参数格式不正确，请返回重新选择".to_owned(),
                };
                Err(crate::PageError(qingtuan_domain::Invalid::one("query", message).into()))
            }
        }
    }
}

/// The query parameter a rejection names, if it names one: "Failed to deserialize query string:
/// page: invalid digit found in string" names `page`.
pub(crate) fn query_parameter(e: &axum::extract::rejection::QueryRejection) -> Option<String> {
    let text = e.body_text();
    let name = text.split(": ").nth(1)?;
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| name.to_owned())
}

/// A page's path parameters. One that does not parse (`/orgs/abc`) names a page that does not
/// exist: 404, as for an id no record has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = crate::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(p)) => Ok(Self(p)),
            Err(_) => Err(crate::PageError(AppError::NotFound)),
        }
    }
}
