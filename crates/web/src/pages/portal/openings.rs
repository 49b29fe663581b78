//! Open selection on the portal: an opening with its application form (and attachment), the
//! applicant's own page, the public notice and the form to object.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qingtuan_app::selection::{self, ApplicationForm, MyApplication, ObjectionForm, OpeningRow, PublicNotice};
use qingtuan_domain::ids::OpeningId;
use qingtuan_domain::person::PoliticalStatus;

use super::{form_page, form_token, today};
use crate::extract::Path;
use crate::layout::Errors;
use crate::pages::{Submitted, Upload, read_upload, render};
use crate::{AppState, Client, PageError};

#[derive(Template)]
#[template(path = "portal/opening.html")]
struct OpeningPage {
    title: String,
    o: OpeningRow,
    /// Applications are taken today.
    open: bool,
    form: ApplicationForm,
    educations: [&'static str; 5],
    politics: &'static [PoliticalStatus],
    csrf: String,
    errors: Errors,
}

async fn opening_page(
    state: &AppState,
    headers: &HeaderMap,
    id: OpeningId,
    form: ApplicationForm,
    errors: Errors,
) -> Result<Response, PageError> {
    let o = selection::public_opening(&state.app, id).await?;
    let open = today(state) <= o.closes_on;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = OpeningPage {
        title: o.title.clone(),
        o,
        open,
        form,
        educations: selection::EDUCATIONS,
        politics: PoliticalStatus::ALL,
        csrf,
        errors,
    };
    form_page(&page, invalid, set)
}

/// An opening with its application form.
pub async fn opening(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
) -> Result<Response, PageError> {
    opening_page(&state, &headers, id, ApplicationForm::default(), Errors::default()).await
}

#[derive(Template)]
#[template(path = "portal/application_receipt.html")]
struct ApplicationReceipt {
    title: &'static str,
    link: String,
    qr: String,
}

/// Applies (a multipart form: the particulars and an optional attachment).
pub async fn apply(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (form, result) = match read_upload(multipart, "提交未完成，请重新提交").await {
        Ok(Upload { fields, document }) => {
            let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
            let form = ApplicationForm {
                name: field("name"),
                id_number: field("id_number"),
                phone: field("phone"),
                education: field("education"),
                political_status: field("political_status"),
                resume: field("resume"),
            };
            let result = selection::apply(&state.app, &client, id, &form, Some(document)).await;
            (form, result)
        }
        Err(e) => (ApplicationForm::default(), Err(e)),
    };
    match result.or_invalid()? {
        Ok(token) => {
            let link = crate::pages::share::absolute_url(&state, &headers, &format!("/portal/applications/{token}"));
            let qr = crate::pages::share::qr_svg(&link)?;
            render(&ApplicationReceipt { title: "报名成功", link, qr })
        }
        Err(e) => opening_page(&state, &headers, id, form, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "portal/application_me.html")]
struct MyApplicationPage {
    title: &'static str,
    a: MyApplication,
}

/// An applicant's own page.
pub async fn my_application(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, PageError> {
    render(&MyApplicationPage { title: "我的选拔报名", a: selection::mine(&state.app, &token).await? })
}

#[derive(Template)]
#[template(path = "portal/notice.html")]
struct NoticePage {
    title: String,
    n: PublicNotice,
    form: ObjectionForm,
    done: bool,
    csrf: String,
    errors: Errors,
}

async fn notice_page(
    state: &AppState,
    headers: &HeaderMap,
    id: OpeningId,
    form: ObjectionForm,
    errors: Errors,
    done: bool,
) -> Result<Response, PageError> {
    let n = selection::notice(&state.app, id).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = NoticePage { title: format!("{}公示", n.opening.title), n, form, done, csrf, errors };
    form_page(&page, invalid, set)
}

/// An opening's public notice, with the form to object.
pub async fn notice(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
) -> Result<Response, PageError> {
    notice_page(&state, &headers, id, ObjectionForm::default(), Errors::default(), false).await
}

pub async fn object(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<OpeningId>,
    Form(form): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    match selection::object(&state.app, &client, id, &form).await.or_invalid()? {
        Ok(()) => notice_page(&state, &headers, id, ObjectionForm::default(), Errors::default(), true).await,
        Err(e) => notice_page(&state, &headers, id, form, Errors(Some(e)), false).await,
    }
}
