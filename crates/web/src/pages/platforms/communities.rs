//! Online youth communities: the list (by name, level, type, platform and owning org, paged,
//! exported) with the form to register one; a community's page with its member counts and the
//! forms to record a count and to read a member list; closing on a confirmed form.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::platforms::communities::{self, Closing, CommunityRow, CommunityView, Filter, Listed, NewCommunity};
use qingtuan_app::platforms::{self, MemberCount};
use qingtuan_domain::ids::CommunityId;
use qingtuan_domain::platform::{CommunityLevel, CommunityPlatform, CommunityType};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, Upload, query_without_page, read_upload, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "platforms/communities.html")]
struct ListPage {
    layout: Layout,
    page: Page<CommunityRow>,
    filter: Filter,
    query: String,
    levels: &'static [CommunityLevel],
    types: &'static [CommunityType],
    platforms: &'static [CommunityPlatform],
    can_write: bool,
    form: NewCommunity,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewCommunity,
    errors: Errors,
) -> Result<Response, PageError> {
    let page = communities::list(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/communities", "网上青年社群"),
        query: query_without_page(&filter),
        page,
        filter,
        levels: CommunityLevel::ALL,
        types: CommunityType::ALL,
        platforms: CommunityPlatform::ALL,
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
    list_page(&state, &user, filter, NewCommunity::default(), Errors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewCommunity>,
) -> Result<Response, PageError> {
    match communities::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/communities/{id}"), Done::Created)),
        Err(e) => list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = communities::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("communities.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "platforms/community.html")]
struct ShowPage {
    layout: Layout,
    c: CommunityView,
    count: MemberCount,
    listed: Option<Listed>,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: CommunityId,
    count: MemberCount,
    listed: Option<Listed>,
    errors: Errors,
) -> Result<Response, PageError> {
    let c = communities::show(&state.app, &user.actor, id).await?;
    let invalid = errors.0.is_some();
    let view = ShowPage { layout: Layout::new(user, "/communities", c.row.name.clone()), c, count, listed, errors };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CommunityId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, MemberCount::default(), None, Errors::default()).await
}

pub async fn count(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CommunityId>,
    Form(form): Form<MemberCount>,
) -> Result<Response, PageError> {
    match communities::count_members(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/communities/{id}"), Done::Saved)),
        Err(e) => show_page(&state, &user, id, form, None, Errors(Some(e))).await,
    }
}

/// Reads a member list; the page then says how many phones were read and how many were new.
pub async fn list_members(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CommunityId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择名单文件").await {
        Ok(Upload { fields, document: (file_name, bytes) }) => {
            let on = fields.get("listed_on").map(String::as_str).unwrap_or_default();
            communities::list_members(&state.app, &user.actor, id, on, &file_name, &bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(listed) => show_page(&state, &user, id, MemberCount::default(), Some(listed), Errors::default()).await,
        Err(e) => show_page(&state, &user, id, MemberCount::default(), None, Errors(Some(e))).await,
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
#[template(path = "platforms/community_close.html")]
struct ConfirmPage {
    layout: Layout,
    d: Closing,
}

pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<CommunityId>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    let result = if form.confirm == "yes" {
        communities::close(&state.app, &user.actor, id, &form.closed_on).await.map(|()| None)
    } else {
        communities::closing(&state.app, &user.actor, id, &form.closed_on).await.map(Some)
    };
    match result.or_invalid()? {
        Ok(Some(d)) => {
            render(&ConfirmPage { layout: Layout::new(&user, "/communities", "关闭网上青年社群"), d })
        }
        Ok(None) => Ok(done::redirect(&format!("/communities/{id}"), Done::Closed)),
        Err(e) => show_page(&state, &user, id, MemberCount::default(), None, Errors(Some(e))).await,
    }
}
