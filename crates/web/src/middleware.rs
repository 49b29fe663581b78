//! Runs before every handler: resolves who is asking (session cookie or bearer token), enforces
//! CSRF on every unsafe request, and adds the security headers to every response.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use qingtuan_app::access::audit::{self, Entry};
use qingtuan_app::access::auth;
use qingtuan_app::access::tokens;
use qingtuan_app::{Actor, ClientInfo};
use qingtuan_domain::audit::{AuditAction, ObjectKind};

use crate::error::error_page;
use crate::{AppState, CookieSecure, body_limit};

pub const SESSION_COOKIE: &str = "qt_session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-qt_session";
pub const LOGIN_CSRF_COOKIE: &str = "qt_login_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who is asking, as resolved for this request.
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    Session {
        actor: Box<Actor>,
        csrf: String,
        token: String,
        /// The password was given within the re-authentication window.
        recent: bool,
    },
    Token(Box<Actor>),
    /// A bearer token was sent but is unknown, revoked, or its owner disabled.
    BadToken,
}

/// Every cookie the request carries, name and value.
pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies(headers).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SECURE_SESSION_COOKIE).or_else(|| cookie(headers, SESSION_COOKIE))
}

/// Whether this request arrived over TLS, as far as we may believe.
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    match state.config.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => {
            state.config.trust_proxy && headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
        }
    }
}

/// A `Set-Cookie` value with the attributes every cookie of ours carries.
pub fn set_cookie(secure: bool, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut out = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        out.push_str("; Secure");
    }
    if let Some(age) = max_age {
        out.push_str(&format!("; Max-Age={age}"));
    }
    out
}

/// The session cookie's name: the `__Host-` prefix needs `Secure`, so it is used only over TLS.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE }
}

pub fn client_info(state: &AppState, req: &Request) -> ClientInfo {
    let headers = req.headers();
    let forwarded = state
        .config
        .trust_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        // The address our proxy saw is the one it appended last; earlier entries are the client's word.
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_owned());
    let peer = req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    ClientInfo {
        addr: forwarded.or(peer).unwrap_or_else(|| "unknown".into()),
        user_agent: user_agent.chars().take(200).collect(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A cross-site request declares itself through `Origin` or `Sec-Fetch-Site`; refuse those.
fn cross_origin(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), host) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
        _ => false,
    }
}

pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let client = client_info(&state, &req);
    let app = &state.app;
    let auth = if let Some(secret) = bearer(req.headers()) {
        match tokens::resolve(app, secret, &client).await {
            Ok(Some(actor)) => Auth::Token(Box::new(actor)),
            Ok(None) => Auth::BadToken,
            Err(e) => return crate::PageError(e).into_response(),
        }
    } else if let Some(token) = session_cookie(req.headers()) {
        match auth::resolve_session(app, &token, &client).await {
            Ok(Some(s)) => {
                Auth::Session { actor: Box::new(s.actor), csrf: s.csrf_token, token, recent: s.recently_authenticated }
            }
            Ok(None) => Auth::Anonymous,
            Err(e) => return crate::PageError(e).into_response(),
        }
    } else {
        Auth::Anonymous
    };

    let mut req = req;
    // An API call with no credential at all carries nothing to forge: it goes on, to its 401.
    let api = req.uri().path().starts_with("/api/");
    let bare_api = api && matches!(auth, Auth::Anonymous);
    if is_unsafe(req.method()) && !matches!(auth, Auth::Token(_) | Auth::BadToken) && !bare_api {
        let expected = match &auth {
            Auth::Session { csrf, .. } => Some(csrf.clone()),
            _ => cookie(req.headers(), LOGIN_CSRF_COOKIE),
        };
        let (checked, ok) = check_csrf(req, expected.as_deref()).await;
        req = match checked {
            Some(r) => r,
            None => return crate::error::too_large(api),
        };
        if !ok {
            let actor = match &auth {
                Auth::Session { actor, .. } => (**actor).clone(),
                _ => Actor { client: client.clone(), ..Actor::system() },
            };
            let path = without_secrets(req.uri().path());
            let entry = Entry::new(AuditAction::CsrfRejected, ObjectKind::Page).object(&path);
            if let Err(e) = audit::record(app.writer(), app.now(), &actor, entry).await {
                return crate::PageError(e).into_response();
            }
            tracing::warn!(path = %path, addr = %client.addr, "CSRF check failed");
            if api {
                let body = serde_json::json!({ "error": "请求校验失败：请在 X-CSRF-Token 头中附上会话的校验码", "fields": [] });
                return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
            }
            return error_page(StatusCode::FORBIDDEN, "请求校验失败，请刷新页面后重试".into());
        }
    }
    req.extensions_mut().insert(auth);
    req.extensions_mut().insert(client);
    next.run(req).await
}

/// A path as logs and the audit may keep it: the private-link tokens of the portal (a sign-up, an
/// application, a rater's ballot, a check-in screen) are the keys to them, so they are cut out.
pub fn without_secrets(path: &str) -> String {
    const PRIVATE: [&str; 10] = [
        "/portal/me/",
        "/portal/activity-signups/",
        "/portal/applications/",
        "/portal/reviews/",
        "/portal/checkin/",
        "/portal/bookings/",
        "/portal/loans/",
        "/portal/stays/",
        "/portal/cabin-visits/",
        "/portal/messages/",
    ];
    match PRIVATE.iter().find(|p| path.starts_with(*p)) {
        Some(prefix) => {
            let rest = &path[prefix.len()..];
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{prefix}…{tail}")
        }
        None => path.to_owned(),
    }
}

/// Compares the token the request carries (header, or `_csrf` in a form body) with `expected`.
/// Returns the request rebuilt around its buffered body, or `None` when the body is too large.
async fn check_csrf(req: Request, expected: Option<&str>) -> (Option<Request>, bool) {
    let cross = cross_origin(req.headers());
    let from_header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let limit = body_limit(req.uri().path());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else { return (None, false) };
    let from_form = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
    } else if content_type.starts_with("multipart/form-data") {
        multipart_field(&bytes, CSRF_FIELD)
    } else {
        None
    };
    let provided = from_header.or(from_form);
    let ok =
        !cross && matches!((expected, provided.as_deref()), (Some(e), Some(p)) if !e.is_empty() && constant_eq(e, p));
    (Some(Request::from_parts(parts, Body::from(bytes))), ok)
}

/// The value of a small text field in a multipart body (the CSRF token of an upload form).
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let start = body.windows(marker.len()).position(|w| w == marker.as_bytes())? + marker.len();
    let rest = &body[start..];
    let value_start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let value = &rest[value_start..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    String::from_utf8(value[..end].to_vec()).ok()
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The public portal's errors speak to the public: a missing or ended page under `/portal` gets
/// the portal's own page (no "data scope", no link to the staff dashboard).
pub async fn public_error_pages(req: Request, next: Next) -> Response {
    let portal = req.uri().path().starts_with("/portal");
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    match res.status() {
        // The body limit's own answer is a bare English line.
        StatusCode::PAYLOAD_TOO_LARGE if plain => crate::error::too_large(api),
        s @ (StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::METHOD_NOT_ALLOWED) if portal => {
            crate::error::public_error_page(s)
        }
        _ => res,
    }
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = is_secure(&state, req.headers());
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::without_secrets;

    #[test]
    fn private_links_are_cut_out_of_logged_paths() {
        assert_eq!(without_secrets("/portal/reviews/abcDEF123/"), "/portal/reviews/…/");
        assert_eq!(without_secrets("/portal/me/tok/cancel"), "/portal/me/…/cancel");
        assert_eq!(without_secrets("/portal/applications/tok"), "/portal/applications/…");
        assert_eq!(without_secrets("/orgs/12"), "/orgs/12");
    }

    /// Every route declared with a private link's token in its path (`{token}`), in whichever
    /// capability's pages, has the token cut out of logged paths: a new private link cannot be
    /// left out of `without_secrets`.
    #[test]
    fn every_route_with_a_token_is_cut_out() {
        let mut files = Vec::new();
        crate::architecture::sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut found = Vec::new();
        for file in files {
            let source = std::fs::read_to_string(&file).expect("source file");
            for (_, rest) in source.match_indices(".route(\"").map(|(i, _)| source.split_at(i + 8)) {
                let route = rest.split('"').next().unwrap_or_default();
                if route.contains("{token}") {
                    found.push(route.to_owned());
                }
            }
        }
        assert!(found.len() >= 10, "the routes were read: {found:?}");
        for route in found {
            let logged = without_secrets(&route.replace("{token}", "SECRET"));
            assert!(!logged.contains("SECRET"), "{route} is logged as {logged}");
        }
    }
}
