//! Responsibility letters: the list with each letter's completion (filtered by year and org,
//! paged, exported), signing a letter, a letter's page with its targets measured live, setting
//! and removing targets, scoring qualitative ones, and the signed copy.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::accountability::{self, Filter, LetterDetail, LetterRow, NewLetter, NewTarget};
use qingtuan_app::page::Page;
use qingtuan_domain::ids::{LetterId, TargetId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{
    Submitted, Upload, download, query_without_page, read_upload, render, render_invalid, xlsx_download,
};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "accountability/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<LetterRow>,
    measured_on: Option<NaiveDate>,
    filter: Filter,
    query: String,
    can_write: bool,
    form: NewLetter,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewLetter,
    errors: Errors,
) -> Result<Response, PageError> {
    let (page, measured_on, errors) = match accountability::list(&state.app, &user.actor, &filter).await.or_invalid()? {
        Ok((page, on)) => (page, Some(on), errors),
        Err(e) => (empty_page(), None, Errors(Some(e))),
    };
    let invalid = errors.0.is_some();
    let page = ListPage {
        layout: Layout::new(user, "/letters", "责任状"),
        query: query_without_page(&filter),
        page,
        measured_on,
        filter,
        can_write: user.actor.can_somewhere(accountability::WRITE),
        form,
        errors,
    };
    if invalid { render_invalid(&page) } else { render(&page) }
}

fn empty_page() -> Page<LetterRow> {
    Page { items: Vec::new(), total: 0, page: 1, per_page: qingtuan_app::page::PER_PAGE, capped: false }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewLetter::default(), Errors::default()).await
}

pub async fn sign(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewLetter>,
) -> Result<Response, PageError> {
    match accountability::sign(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/letters/{id}"), Done::Created)),
        Err(e) => list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = accountability::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("letters.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "accountability/show.html")]
struct ShowPage {
    layout: Layout,
    d: LetterDetail,
    indicators: Vec<(&'static str, &'static str, &'static str)>,
    form: NewTarget,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: LetterId,
    form: NewTarget,
    errors: Errors,
) -> Result<ShowPage, PageError> {
    let d = accountability::detail(&state.app, &user.actor, id).await?;
    Ok(ShowPage {
        layout: Layout::new(user, "/letters", format!("{}：{}", d.letter.org_name, d.letter.title)),
        d,
        indicators: accountability::target_indicators(),
        form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LetterId>,
) -> Result<Response, PageError> {
    render(&show_page(&state, &user, id, NewTarget::default(), Errors::default()).await?)
}

pub async fn set_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LetterId>,
    Form(form): Form<NewTarget>,
) -> Result<Response, PageError> {
    match accountability::set_target(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/letters/{id}"), Done::Saved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, form, Errors(Some(e))).await?),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    /// Set by the confirmation page: without it nothing changes yet.
    confirm: String,
}

#[derive(Template)]
#[template(path = "accountability/remove_confirm.html")]
struct RemovePage {
    layout: Layout,
    id: TargetId,
    r: accountability::Removal,
}

/// Removing a target changes the letter's completion: first what it would change, then, on the
/// confirmed form, the removal.
pub async fn remove_target(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TargetId>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        let r = accountability::removal(&state.app, &user.actor, id).await?;
        return render(&RemovePage { layout: Layout::new(&user, "/letters", "删除目标"), id, r });
    }
    let letter = accountability::remove_target(&state.app, &user.actor, id).await?;
    Ok(done::redirect(&format!("/letters/{letter}"), Done::Removed))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct JudgeForm {
    score: String,
    note: String,
    /// The letter the form is on, to show the problem there.
    letter: String,
}

pub async fn judge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TargetId>,
    Form(form): Form<JudgeForm>,
) -> Result<Response, PageError> {
    match accountability::judge(&state.app, &user.actor, id, &form.score, &form.note).await.or_invalid()? {
        Ok(letter) => Ok(done::redirect(&format!("/letters/{letter}"), Done::Saved)),
        Err(e) => {
            let letter: LetterId = form.letter.parse().map_err(|_| AppError::NotFound)?;
            render_invalid(&show_page(&state, &user, letter, NewTarget::default(), Errors(Some(e))).await?)
        }
    }
}

/// The signed copy, uploaded (multipart, with its own body limit).
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LetterId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择文件上传").await {
        Ok(Upload { document: (file_name, bytes), .. }) => {
            accountability::attach(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/letters/{id}"), Done::Saved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, NewTarget::default(), Errors(Some(e))).await?),
    }
}

/// The signed copy as a download, never shown inline (it is the user's file, not ours).
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LetterId>,
) -> Result<Response, PageError> {
    let d = accountability::document(&state.app, &user.actor, id).await?;
    Ok(download(&format!("letter-{id}"), d))
}
