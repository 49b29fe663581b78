//! Venues: the list (by name, kind and org, paged, exported) with the form to register one; a
//! venue's page with its team, its spaces, a week's calendar (no script: previous and next week
//! are links), the bookings waiting for the desk with their actions, and the desk's booking form;
//! changing a space, a member's leaving, the venue's photos.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::platforms;
use qingtuan_app::platforms::venue_photos;
use qingtuan_app::platforms::venues::{
    self, DeskAction, DeskBooking, Filter, NewSpace, NewTeamMember, NewVenue, VenueRow, VenueView,
};
use qingtuan_domain::ids::{BookingId, SpaceId, VenueId, VenueMemberId, VenuePhotoId};
use qingtuan_domain::platform::{BookerKind, BookingState, VenueKind};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, Upload, image, query_without_page, read_upload, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "platforms/venues.html")]
struct ListPage {
    layout: Layout,
    page: Page<VenueRow>,
    filter: Filter,
    query: String,
    kinds: &'static [VenueKind],
    can_write: bool,
    form: NewVenue,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewVenue,
    errors: Errors,
) -> Result<Response, PageError> {
    let page = venues::list(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/venues", "阵地"),
        query: query_without_page(&filter),
        page,
        filter,
        kinds: VenueKind::ALL,
        can_write: user.actor.can_somewhere(platforms::WRITE),
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewVenue::default(), Errors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewVenue>,
) -> Result<Response, PageError> {
    match venues::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/venues/{id}"), Done::Created)),
        Err(e) => list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = venues::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("venues.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "platforms/venue.html")]
struct ShowPage {
    layout: Layout,
    v: VenueView,
    roles: &'static [(&'static str, &'static str)],
    bookers: [BookerKind; 2],
    space: NewSpace,
    member: NewTeamMember,
    booking: DeskBooking,
    errors: Errors,
}

impl ShowPage {
    /// Whether the desk may act on a booking in this state: approve or refuse, check in or no-show.
    fn requested(&self, s: &BookingState) -> bool {
        *s == BookingState::Requested
    }

    fn weekday(&self, d: &NaiveDate) -> &'static str {
        qingtuan_domain::time::weekday_label(*d)
    }
}

/// The forms of the page, one of them as typed when it was refused.
#[derive(Default)]
struct Typed {
    space: NewSpace,
    member: NewTeamMember,
    booking: DeskBooking,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WeekQuery {
    /// Any day of the week to show.
    week: Option<String>,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: VenueId,
    week: Option<NaiveDate>,
    typed: Typed,
    errors: Errors,
) -> Result<Response, PageError> {
    let v = venues::show(&state.app, &user.actor, id, week).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/venues", v.row.name.clone()),
        v,
        roles: venues::team_roles(),
        bookers: [BookerKind::Org, BookerKind::Partner],
        space: typed.space,
        member: typed.member,
        booking: typed.booking,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueId>,
    Query(q): Query<WeekQuery>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, venues::week_of(q.week.as_deref()), Typed::default(), Errors::default()).await
}

async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: VenueId,
    result: Result<(), AppError>,
    typed: Typed,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/venues/{id}"), Done::Saved)),
        Err(e) => show_page(state, user, id, None, typed, Errors(Some(e))).await,
    }
}

pub async fn add_space(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueId>,
    Form(form): Form<NewSpace>,
) -> Result<Response, PageError> {
    let result = venues::add_space(&state.app, &user.actor, id, &form).await.map(|_| ());
    after(&state, &user, id, result, Typed { space: form, ..Typed::default() }).await
}

/// Changes a space; the venue's page again, or with the problem.
pub async fn change_space(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SpaceId>,
    Form(form): Form<NewSpace>,
) -> Result<Response, PageError> {
    match venues::change_space(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(venue) => Ok(done::redirect(&format!("/venues/{venue}"), Done::Saved)),
        Err(e) => {
            let venue = venues::venue_of_space(&state.app, &user.actor, id).await?;
            show_page(&state, &user, venue, None, Typed::default(), Errors(Some(e))).await
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LeaveForm {
    until: String,
}

/// Records that a member left the operating team.
pub async fn member_left(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueMemberId>,
    Form(form): Form<LeaveForm>,
) -> Result<Response, PageError> {
    match venues::end_team_member(&state.app, &user.actor, id, &form.until).await.or_invalid()? {
        Ok(venue) => Ok(done::redirect(&format!("/venues/{venue}"), Done::Saved)),
        Err(e) => {
            let venue = venues::venue_of_member(&state.app, &user.actor, id).await?;
            show_page(&state, &user, venue, None, Typed::default(), Errors(Some(e))).await
        }
    }
}

/// Adds a photo (a multipart form with the file in `document`).
pub async fn add_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择照片上传").await {
        Ok(Upload { document: (file_name, bytes), .. }) => {
            venue_photos::add(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    after(&state, &user, id, result, Typed::default()).await
}

pub async fn remove_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenuePhotoId>,
) -> Result<Response, PageError> {
    let venue = venue_photos::remove(&state.app, &user.actor, id).await?;
    Ok(done::redirect(&format!("/venues/{venue}"), Done::Saved))
}

/// A photo on the venue's page.
pub async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenuePhotoId>,
) -> Result<Response, PageError> {
    Ok(image(venue_photos::photo(&state.app, &user.actor, id).await?))
}

pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueId>,
    Form(form): Form<NewTeamMember>,
) -> Result<Response, PageError> {
    let result = venues::add_team_member(&state.app, &user.actor, id, &form).await;
    let typed = NewTeamMember { id_number: String::new(), ..form };
    after(&state, &user, id, result, Typed { member: typed, ..Typed::default() }).await
}

pub async fn book(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueId>,
    Form(form): Form<DeskBooking>,
) -> Result<Response, PageError> {
    let result = venues::book(&state.app, &user.actor, id, &form).await.map(|_| ());
    after(&state, &user, id, result, Typed { booking: form, ..Typed::default() }).await
}

#[derive(Debug, serde::Deserialize)]
pub struct ActForm {
    action: DeskAction,
    #[serde(default)]
    note: String,
}

pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BookingId>,
    Form(form): Form<ActForm>,
) -> Result<Response, PageError> {
    match venues::act(&state.app, &user.actor, id, form.action, &form.note).await.or_invalid()? {
        Ok(venue) => Ok(done::redirect(&format!("/venues/{venue}"), Done::Saved)),
        Err(e) => {
            let venue = venues::venue_of(&state.app, &user.actor, id).await?;
            show_page(&state, &user, venue, None, Typed::default(), Errors(Some(e))).await
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CloseForm {
    closed_on: String,
    /// Set by the confirmation page: without it nothing changes yet.
    confirm: String,
}

#[derive(Template)]
#[template(path = "platforms/venue_close.html")]
struct ConfirmPage {
    layout: Layout,
    d: venues::Closing,
}

pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<VenueId>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    let result = if form.confirm == "yes" {
        venues::close(&state.app, &user.actor, id, &form.closed_on).await.map(|()| None)
    } else {
        venues::closing(&state.app, &user.actor, id, &form.closed_on).await.map(Some)
    };
    match result.or_invalid()? {
        Ok(Some(d)) => render(&ConfirmPage { layout: Layout::new(&user, "/venues", "停用阵地"), d }),
        Ok(None) => Ok(done::redirect(&format!("/venues/{id}"), Done::Closed)),
        Err(e) => show_page(&state, &user, id, None, Typed::default(), Errors(Some(e))).await,
    }
}
