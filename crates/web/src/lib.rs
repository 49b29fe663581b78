//! The HTTP layer: one router serving the Chinese web UI, the JSON API under `/api/v1` with its
//! OpenAPI document, and the health probes. Handlers extract the acting user, call one `app`
//! use-case and render a typed template or JSON; nothing here touches the database directly.

pub mod api;
mod charts;
mod done;
mod error;
mod extract;
mod layout;
mod middleware;
pub mod pages;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use qingtuan_app::App;

pub use error::{ApiError, PageError};
pub use extract::{ApiUser, Client, CurrentUser};

/// When the session cookie carries the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CookieSecure {
    /// Secure when the request came over TLS through a trusted proxy (`X-Forwarded-Proto: https`).
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    pub cookie_secure: CookieSecure,
    /// Believe `X-Forwarded-For` and `X-Forwarded-Proto` (only behind a reverse proxy you run).
    pub trust_proxy: bool,
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub config: Arc<WebConfig>,
}

/// Request bodies above this size are refused with 413 before any handler runs.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Spreadsheets for import may be larger.
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// A document (a letter's signed copy, an inspection's photo, an application's attachment) may be
/// as large as the domain allows, with room for the form around it.
pub const DOCUMENT_BODY_LIMIT: usize = qingtuan_domain::accountability::MAX_DOCUMENT_BYTES + 64 * 1024;

/// The largest body a request to `path` may carry.
pub fn body_limit(path: &str) -> usize {
    if path.starts_with("/imports") {
        IMPORT_BODY_LIMIT
    } else if (path.starts_with("/letters/") && path.ends_with("/upload"))
        || (path.starts_with("/inspections/") && path.ends_with("/photos"))
        || (path.starts_with("/portal/openings/") && path.ends_with("/apply"))
        || (path.starts_with("/agreements/") && path.ends_with("/upload"))
        || (path.starts_with("/ledger/") && path.ends_with("/upload"))
        || (path.starts_with("/communities/") && path.ends_with("/members"))
        || (path.starts_with("/venues/") && path.ends_with("/photos"))
        || (path.starts_with("/volunteering/calls/") && path.ends_with("/poster"))
        || (path.starts_with("/activities/") && path.ends_with("/poster"))
    {
        DOCUMENT_BODY_LIMIT
    } else {
        BODY_LIMIT
    }
}

pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState { app: Arc::new(app), config: Arc::new(config) };
    let limited = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/static/app.css", get(pages::stylesheet))
        .route("/static/pick.js", get(pages::picker_script))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT));
    let imports = pages::import_routes()
        .layer(axum::extract::DefaultBodyLimit::max(IMPORT_BODY_LIMIT))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(IMPORT_BODY_LIMIT));
    let documents = pages::document_routes()
        .layer(axum::extract::DefaultBodyLimit::max(DOCUMENT_BODY_LIMIT))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(DOCUMENT_BODY_LIMIT));
    Router::new()
        .merge(limited)
        .merge(imports)
        .merge(documents)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .layer(axum::middleware::from_fn(middleware::public_error_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), done::middleware))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate))
        // The probes answer load balancers, which carry no session: nothing about the caller is
        // looked up, so a database that cannot be read still gets its reason said.
        .merge(Router::new().route("/healthz", get(health)).route("/readyz", get(ready)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

/// 200 only while the database takes writes, its schema is current and its file is the one
/// opened; 503 with the reason otherwise.
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> (axum::http::StatusCode, &'static str) {
    match qingtuan_app::db::readiness(&state.app).await {
        Ok(()) => (axum::http::StatusCode::OK, "ready"),
        Err(not_ready) => {
            tracing::warn!(reason = not_ready.message(), "not ready");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, not_ready.message())
        }
    }
}

/// The boundary `docs/ARCHITECTURE.md` draws, read from the source: handlers parse, call a
/// use-case and render; what the actor may do is decided by the use-case, never by a handler.
#[cfg(test)]
mod architecture {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file below `dir`.
    pub(crate) fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn handlers_neither_check_permissions_nor_query_the_database() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src.join("pages"), &mut files);
        sources(&src.join("api"), &mut files);
        assert!(files.len() > 20, "the handlers were read: {files:?}");
        // A refusal of the handler's own, a scope check, or a query of its own.
        let forbidden = ["AppError::Forbidden", "scope::", "app.db", "app.writer()"];
        for file in files {
            let source = std::fs::read_to_string(&file).expect("source file");
            for word in forbidden {
                assert!(!source.contains(word), "{} uses {word}: ask a use-case instead", file.display());
            }
        }
    }
}
