//! Youth societies: the list (by name, kind, today's link level and guiding org, paged, exported)
//! with the form to register one; a society's page with its link history and the forms to change
//! the level, record a member count and name a leader; dissolution on a confirmed form.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::platforms::societies::{
    self, Dissolution, Filter, LinkChange, NewLeader, NewSociety, SocietyRow, SocietyView,
};
use qingtuan_app::platforms::{self, MemberCount};
use qingtuan_domain::ids::SocietyId;
use qingtuan_domain::platform::{LinkLevel, SocietyKind};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "platforms/societies.html")]
struct ListPage {
    layout: Layout,
    page: Page<SocietyRow>,
    filter: Filter,
    query: String,
    kinds: &'static [SocietyKind],
    levels: &'static [LinkLevel],
    can_write: bool,
    form: NewSociety,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewSociety,
    errors: Errors,
) -> Result<Response, PageError> {
    let page = societies::list(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/societies", "青年社团"),
        query: query_without_page(&filter),
        page,
        filter,
        kinds: SocietyKind::ALL,
        levels: LinkLevel::ALL,
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
    list_page(&state, &user, filter, NewSociety::default(), Errors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewSociety>,
) -> Result<Response, PageError> {
    match societies::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/societies/{id}"), Done::Created)),
        Err(e) => list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = societies::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("societies.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "platforms/society.html")]
struct ShowPage {
    layout: Layout,
    s: SocietyView,
    levels: &'static [LinkLevel],
    link: LinkChange,
    count: MemberCount,
    leader: NewLeader,
    errors: Errors,
}

/// The forms of the page, one of them as typed when it was refused.
#[derive(Default)]
struct Typed {
    link: LinkChange,
    count: MemberCount,
    leader: NewLeader,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: SocietyId,
    typed: Typed,
    errors: Errors,
) -> Result<Response, PageError> {
    let s = societies::show(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/societies", s.row.name.clone()),
        s,
        levels: LinkLevel::ALL,
        link: typed.link,
        count: typed.count,
        leader: typed.leader,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SocietyId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, Typed::default(), Errors::default()).await
}

/// After one of the page's forms: back to the page, saying so — or the page with the form as typed.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: SocietyId,
    result: Result<(), AppError>,
    typed: Typed,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/societies/{id}"), Done::Saved)),
        Err(e) => show_page(state, user, id, typed, Errors(Some(e))).await,
    }
}

pub async fn link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SocietyId>,
    Form(form): Form<LinkChange>,
) -> Result<Response, PageError> {
    let result = societies::change_link(&state.app, &user.actor, id, &form).await;
    after(&state, &user, id, result, Typed { link: form, ..Typed::default() }).await
}

pub async fn count(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SocietyId>,
    Form(form): Form<MemberCount>,
) -> Result<Response, PageError> {
    let result = societies::count_members(&state.app, &user.actor, id, &form).await;
    after(&state, &user, id, result, Typed { count: form, ..Typed::default() }).await
}

pub async fn add_leader(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SocietyId>,
    Form(form): Form<NewLeader>,
) -> Result<Response, PageError> {
    let result = societies::add_leader(&state.app, &user.actor, id, &form).await;
    // The ID number is not shown back.
    let typed = NewLeader { id_number: String::new(), ..form };
    after(&state, &user, id, result, Typed { leader: typed, ..Typed::default() }).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DissolveForm {
    dissolved_on: String,
    /// Set by the confirmation page: without it nothing changes yet.
    confirm: String,
}

#[derive(Template)]
#[template(path = "platforms/society_dissolve.html")]
struct ConfirmPage {
    layout: Layout,
    d: Dissolution,
}

pub async fn dissolve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SocietyId>,
    Form(form): Form<DissolveForm>,
) -> Result<Response, PageError> {
    let result = if form.confirm == "yes" {
        societies::dissolve(&state.app, &user.actor, id, &form.dissolved_on).await.map(|()| None)
    } else {
        societies::dissolution(&state.app, &user.actor, id, &form.dissolved_on).await.map(Some)
    };
    match result.or_invalid()? {
        Ok(Some(d)) => render(&ConfirmPage { layout: Layout::new(&user, "/societies", "解散青年社团"), d }),
        Ok(None) => Ok(done::redirect(&format!("/societies/{id}"), Done::Disbanded)),
        Err(e) => show_page(&state, &user, id, Typed::default(), Errors(Some(e))).await,
    }
}
