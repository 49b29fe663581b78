//! Published assessments: the list with the form to preview one, the preview (computed live, with
//! the button that publishes it), a published assessment's page (frozen, beside what the records
//! say now), its workbook and its printable bulletin.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::accountability::{self, AssessmentDetail, AssessmentForm, AssessmentLine, AssessmentRow};
use qingtuan_app::page::Page;
use qingtuan_domain::ids::AssessmentId;

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct PageQuery {
    #[serde(skip_serializing)]
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "accountability/assessments.html")]
struct ListPage {
    layout: Layout,
    page: Page<AssessmentRow>,
    query: String,
    can_publish: bool,
    form: AssessmentForm,
    /// The preview asked for: its lines and the date letters were measured on.
    preview: Option<(Vec<AssessmentLine>, NaiveDate)>,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    page: Option<u64>,
    form: AssessmentForm,
    preview: Option<(Vec<AssessmentLine>, NaiveDate)>,
    errors: Errors,
) -> Result<Response, PageError> {
    let page = accountability::assessments(&state.app, &user.actor, page).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/assessments", "考核通报"),
        page,
        query: String::new(),
        can_publish: user.actor.can_somewhere(accountability::APPROVE),
        form,
        preview,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    list_page(&state, &user, q.page, AssessmentForm::default(), None, Errors::default()).await
}

/// The assessment as the records stand, not saved.
pub async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(form): Query<AssessmentForm>,
) -> Result<Response, PageError> {
    match accountability::preview(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(lines) => list_page(&state, &user, None, form, Some(lines), Errors::default()).await,
        Err(e) => list_page(&state, &user, None, form, None, Errors(Some(e))).await,
    }
}

pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<AssessmentForm>,
) -> Result<Response, PageError> {
    match accountability::publish(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/assessments/{id}"), Done::Published)),
        Err(e) => list_page(&state, &user, None, form, None, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "accountability/assessment.html")]
struct ShowPage {
    layout: Layout,
    d: AssessmentDetail,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AssessmentId>,
) -> Result<Response, PageError> {
    let d = accountability::assessment(&state.app, &user.actor, id).await?;
    render(&ShowPage { layout: Layout::new(&user, "/assessments", d.assessment.title.clone()), d })
}

#[derive(Template)]
#[template(path = "accountability/assessment_print.html")]
struct PrintPage {
    d: AssessmentDetail,
}

/// The bulletin to print: the published ranking alone, without the navigation.
pub async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AssessmentId>,
) -> Result<Response, PageError> {
    render(&PrintPage { d: accountability::assessment(&state.app, &user.actor, id).await? })
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AssessmentId>,
) -> Result<Response, PageError> {
    let bytes = accountability::export_assessment(&state.app, &user.actor, id).await?;
    Ok(xlsx_download("assessment.xlsx", bytes))
}
