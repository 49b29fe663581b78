//! A rater's ballot in a duty-report review, by their private link.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use qingtuan_app::accountability::{self, Ballot};
use qingtuan_domain::review::Grade;

use super::{form_page, form_token};
use crate::extract::Path;
use crate::layout::Errors;
use crate::pages::Submitted;
use crate::{AppState, Client, PageError};

#[derive(Template)]
#[template(path = "portal/review.html")]
struct ReviewPage {
    title: String,
    b: Ballot,
    token: String,
    /// Each reporter with the grade chosen in a refused submission (to keep what was typed).
    rows: Vec<(i64, String, String)>,
    grades: &'static [Grade],
    csrf: String,
    errors: Errors,
    done: bool,
}

async fn review_page(
    state: &AppState,
    headers: &HeaderMap,
    token: String,
    typed: &HashMap<String, String>,
    errors: Errors,
    done: bool,
) -> Result<Response, PageError> {
    let b = accountability::ballot(&state.app, &token).await?;
    let (csrf, set) = form_token(state, headers);
    let rows = b
        .reporters
        .iter()
        .map(|(id, name, _)| (*id, name.clone(), typed.get(&format!("g{id}")).cloned().unwrap_or_default()))
        .collect();
    let invalid = errors.0.is_some();
    let page = ReviewPage { title: b.title.clone(), b, token, rows, grades: Grade::ALL, csrf, errors, done };
    form_page(&page, invalid, set)
}

/// A rater's ballot, by their private link.
pub async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    review_page(&state, &headers, token, &HashMap::new(), Errors::default(), false).await
}

pub async fn review_cast(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(typed): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    match accountability::cast(&state.app, &client, &token, &typed).await.or_invalid()? {
        Ok(()) => review_page(&state, &headers, token, &HashMap::new(), Errors::default(), true).await,
        Err(e) => review_page(&state, &headers, token, &typed, Errors(Some(e)), false).await,
    }
}
