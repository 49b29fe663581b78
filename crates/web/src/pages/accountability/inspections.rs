//! Mutual inspections: the list (by year, paged) with the form to record one, an inspection's page
//! with its checklist and the items it raised, and the rectification work list (open, overdue,
//! done) where owners close their items.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::accountability::{
    self, InspectionDetail, InspectionFilter, InspectionRow, NewInspection, NewRectification, RectificationFilter,
    RectificationRow,
};
use qingtuan_app::page::Page;
use qingtuan_domain::ids::{InspectionId, InspectionPhotoId, RectificationId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, Upload, image, query_without_page, read_upload, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "accountability/inspections.html")]
struct ListPage {
    layout: Layout,
    page: Page<InspectionRow>,
    filter: InspectionFilter,
    query: String,
    can_write: bool,
    form: NewInspection,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: InspectionFilter,
    form: NewInspection,
    errors: Errors,
) -> Result<ListPage, PageError> {
    let page = accountability::inspections(&state.app, &user.actor, &filter).await?;
    Ok(ListPage {
        layout: Layout::new(user, "/inspections", "互检观摩"),
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
    Query(filter): Query<InspectionFilter>,
) -> Result<Response, PageError> {
    render(&list_page(&state, &user, filter, NewInspection::default(), Errors::default()).await?)
}

pub async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewInspection>,
) -> Result<Response, PageError> {
    match accountability::record_inspection(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/inspections/{id}"), Done::Recorded)),
        Err(e) => render_invalid(&list_page(&state, &user, InspectionFilter::default(), form, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "accountability/inspection.html")]
struct ShowPage {
    layout: Layout,
    d: InspectionDetail,
    form: NewRectification,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: InspectionId,
    form: NewRectification,
    errors: Errors,
) -> Result<ShowPage, PageError> {
    let d = accountability::inspection(&state.app, &user.actor, id).await?;
    Ok(ShowPage {
        layout: Layout::new(user, "/inspections", format!("{}：{}", d.inspection.org_name, d.inspection.title)),
        d,
        form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<InspectionId>,
) -> Result<Response, PageError> {
    render(&show_page(&state, &user, id, NewRectification::default(), Errors::default()).await?)
}

pub async fn raise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<InspectionId>,
    Form(form): Form<NewRectification>,
) -> Result<Response, PageError> {
    match accountability::raise(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/inspections/{id}"), Done::Saved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, form, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "accountability/rectifications.html")]
struct WorkList {
    layout: Layout,
    page: Page<RectificationRow>,
    today: NaiveDate,
    filter: RectificationFilter,
    query: String,
    errors: Errors,
}

async fn work_list(
    state: &AppState,
    user: &CurrentUser,
    filter: RectificationFilter,
    errors: Errors,
) -> Result<WorkList, PageError> {
    let (page, today) = accountability::rectifications(&state.app, &user.actor, &filter).await?;
    Ok(WorkList {
        layout: Layout::new(user, "/inspections", "整改事项"),
        query: query_without_page(&filter),
        page,
        today,
        filter,
        errors,
    })
}

pub async fn rectifications(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<RectificationFilter>,
) -> Result<Response, PageError> {
    render(&work_list(&state, &user, filter, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CloseForm {
    closed_on: String,
    evidence: String,
}

pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RectificationId>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    match accountability::close(&state.app, &user.actor, id, &form.closed_on, &form.evidence).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/rectifications?state=open", Done::Saved)),
        Err(e) => {
            let filter = RectificationFilter { state: "open".into(), ..Default::default() };
            render_invalid(&work_list(&state, &user, filter, Errors(Some(e))).await?)
        }
    }
}

/// Adds a photo (a multipart form with the file in `document`).
pub async fn add_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<InspectionId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择照片上传").await {
        Ok(Upload { document: (file_name, bytes), .. }) => {
            accountability::add_photo(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/inspections/{id}"), Done::Saved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, NewRectification::default(), Errors(Some(e))).await?),
    }
}

/// A photo, shown in the page.
pub async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<InspectionPhotoId>,
) -> Result<Response, PageError> {
    Ok(image(accountability::photo(&state.app, &user.actor, id).await?))
}
