//! The venues young people may book: their photos, a venue's week (which times are taken), the
//! request and its private page, cancelling it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::platforms::venues::Week;
use qingtuan_app::portal::bookings::{self, MyBooking, PortalBooking};
use qingtuan_domain::ids::{VenueId, VenuePhotoId};

use super::{Confirmed, confirm_cancel, form_page, form_token};
use crate::extract::{Path, Query};
use crate::layout::Errors;
use crate::pages::{Submitted, render};
use crate::{AppState, Client, PageError};

#[derive(Template)]
#[template(path = "portal/venues.html")]
struct VenuesPage {
    title: &'static str,
    venues: Vec<bookings::PublicVenue>,
}

/// A photo of an open venue.
pub async fn venue_photo(State(state): State<AppState>, Path(id): Path<VenuePhotoId>) -> Result<Response, PageError> {
    Ok(crate::pages::image(qingtuan_app::platforms::venue_photos::public_photo(&state.app, id).await?))
}

/// The venues whose spaces young people may book.
pub async fn venues(State(state): State<AppState>) -> Result<Response, PageError> {
    render(&VenuesPage { title: "阵地空间预约", venues: bookings::venues(&state.app).await? })
}

#[derive(Template)]
#[template(path = "portal/venue.html")]
struct VenuePage {
    title: String,
    v: bookings::PublicVenue,
    week: Week,
    csrf: String,
    errors: Errors,
    form: PortalBooking,
}

impl VenuePage {
    fn weekday(&self, d: &chrono::NaiveDate) -> &'static str {
        qingtuan_domain::time::weekday_label(*d)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WeekQuery {
    /// Any day of the week to show.
    week: Option<String>,
}

async fn venue_page(
    state: &AppState,
    headers: &HeaderMap,
    id: VenueId,
    week: Option<chrono::NaiveDate>,
    errors: Errors,
    form: PortalBooking,
) -> Result<Response, PageError> {
    let (v, week) = bookings::venue(&state.app, id, week).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    form_page(&VenuePage { title: v.name.clone(), v, week, csrf, errors, form }, invalid, set)
}

/// A venue's week: which times are taken, and the form to request one.
pub async fn venue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<VenueId>,
    Query(q): Query<WeekQuery>,
) -> Result<Response, PageError> {
    venue_page(
        &state,
        &headers,
        id,
        qingtuan_app::platforms::venues::week_of(q.week.as_deref()),
        Errors::default(),
        PortalBooking::default(),
    )
    .await
}

#[derive(Template)]
#[template(path = "portal/booking.html")]
struct BookingPage {
    title: &'static str,
    b: MyBooking,
    token: String,
    csrf: String,
    /// Just made: the private link to keep, and its QR code.
    link: Option<(String, String)>,
}

pub async fn book(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<VenueId>,
    Form(form): Form<PortalBooking>,
) -> Result<Response, PageError> {
    match bookings::request(&state.app, &client, id, &form).await.or_invalid()? {
        Ok(receipt) => {
            let b = bookings::mine(&state.app, &receipt.token).await?;
            let path = format!("/portal/bookings/{}", receipt.token);
            let link = crate::pages::share::absolute_url(&state, &headers, &path);
            let qr = crate::pages::share::qr_svg(&link)?;
            let (csrf, set) = form_token(&state, &headers);
            let page = BookingPage { title: "预约已提交", b, token: receipt.token, csrf, link: Some((link, qr)) };
            form_page(&page, false, set)
        }
        Err(e) => venue_page(&state, &headers, id, None, Errors(Some(e)), form).await,
    }
}

pub async fn my_booking(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let b = bookings::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    form_page(&BookingPage { title: "我的空间预约", b, token, csrf, link: None }, false, set)
}

pub async fn cancel_booking(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Result<Response, PageError> {
    if !confirmed.yes() {
        let b = bookings::mine(&state.app, &token).await?;
        let what = format!("{}{}（{}）的预约", b.venue, b.space, b.when);
        return confirm_cancel(&state, &headers, what, format!("/portal/bookings/{token}"));
    }
    bookings::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/bookings/{token}")).into_response())
}
