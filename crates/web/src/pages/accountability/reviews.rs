//! Duty-report reviews: the list of rounds (by year, paged) with the form to organise one, a
//! round's page (groups and their quorum, results, raters and what each gave — for the
//! organisers), adding raters and reissuing a link (the links shown once, to pass on), and
//! concluding the round. Raters grade on the portal (`pages::portal`).

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use qingtuan_app::accountability::{self, NewRaters, NewReview, RaterLink, ReviewDetail, ReviewFilter, ReviewRow};
use qingtuan_app::page::Page;
use qingtuan_domain::ids::{RaterId, ReviewId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::share::absolute_url;
use crate::pages::{Submitted, query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "accountability/reviews.html")]
struct ListPage {
    layout: Layout,
    page: Page<ReviewRow>,
    filter: ReviewFilter,
    query: String,
    can_write: bool,
    form: NewReview,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: ReviewFilter,
    form: NewReview,
    errors: Errors,
) -> Result<ListPage, PageError> {
    let page = accountability::reviews(&state.app, &user.actor, &filter).await?;
    Ok(ListPage {
        layout: Layout::new(user, "/reviews", "述职评议"),
        query: query_without_page(&filter),
        page,
        filter,
        can_write: user.actor.can_somewhere(accountability::WRITE),
        form,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<ReviewFilter>,
) -> Result<Response, PageError> {
    render(&list_page(&state, &user, filter, NewReview::default(), Errors::default()).await?)
}

pub async fn organise(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewReview>,
) -> Result<Response, PageError> {
    match accountability::organise(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/reviews/{id}"), Done::Created)),
        Err(e) => render_invalid(&list_page(&state, &user, ReviewFilter::default(), form, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "accountability/review.html")]
struct ShowPage {
    layout: Layout,
    d: ReviewDetail,
    /// Private links just made, with their addresses: shown this once.
    links: Vec<(RaterLink, String)>,
    form: NewRaters,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: ReviewId,
    links: Vec<(RaterLink, String)>,
    form: NewRaters,
    errors: Errors,
) -> Result<Response, PageError> {
    let d = accountability::review(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let page = ShowPage { layout: Layout::new(user, "/reviews", d.review.title.clone()), d, links, form, errors };
    if invalid { render_invalid(&page) } else { render(&page) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ReviewId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, Vec::new(), NewRaters::default(), Errors::default()).await
}

/// Each link with the address to send.
fn addressed(state: &AppState, headers: &HeaderMap, links: Vec<RaterLink>) -> Vec<(RaterLink, String)> {
    links
        .into_iter()
        .map(|l| {
            let url = absolute_url(state, headers, &format!("/portal/reviews/{}", l.token));
            (l, url)
        })
        .collect()
}

pub async fn add_raters(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<ReviewId>,
    Form(form): Form<NewRaters>,
) -> Result<Response, PageError> {
    match accountability::add_raters(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(links) => {
            let links = addressed(&state, &headers, links);
            show_page(&state, &user, id, links, NewRaters::default(), Errors::default()).await
        }
        Err(e) => show_page(&state, &user, id, Vec::new(), form, Errors(Some(e))).await,
    }
}

pub async fn reissue(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<RaterId>,
) -> Result<Response, PageError> {
    let (review, link) = accountability::reissue(&state.app, &user.actor, id).await?;
    let links = addressed(&state, &headers, vec![link]);
    show_page(&state, &user, review, links, NewRaters::default(), Errors::default()).await
}

pub async fn conclude(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ReviewId>,
) -> Result<Response, PageError> {
    match accountability::conclude(&state.app, &user.actor, id).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/reviews/{id}"), Done::Published)),
        Err(e) => show_page(&state, &user, id, Vec::new(), NewRaters::default(), Errors(Some(e))).await,
    }
}
