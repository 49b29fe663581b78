//! An activity's public page: signing up, the sign-up's private page and cancelling it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::activities::PublicActivity;
use qingtuan_app::portal::SignupForm;
use qingtuan_app::portal::activities::{self, MyActivitySignup};
use qingtuan_domain::ids::ActivityId;

use super::{Confirmed, confirm_cancel, form_page, form_token, today, with_cookie};
use crate::extract::Path;
use crate::layout::Errors;
use crate::pages::{Submitted, render};
use crate::{AppState, Client, PageError};

#[derive(Template)]
#[template(path = "portal/activity.html")]
struct ActivityPage {
    title: String,
    a: PublicActivity,
    csrf: String,
    errors: Errors,
    /// What was typed, kept when the form comes back with its problems.
    form: SignupForm,
}

async fn activity_page(
    state: &AppState,
    headers: &HeaderMap,
    id: ActivityId,
    errors: Errors,
    form: SignupForm,
) -> Result<Response, PageError> {
    let a = activities::public_activity(&state.app, today(state), id).await?;
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = ActivityPage { title: a.title.clone(), a, csrf, errors, form };
    form_page(&page, invalid, set)
}

pub async fn activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<ActivityId>,
) -> Result<Response, PageError> {
    activity_page(&state, &headers, id, Errors::default(), SignupForm::default()).await
}

#[derive(Template)]
#[template(path = "portal/activity_receipt.html")]
struct ActivityReceiptPage {
    title: &'static str,
    /// What was booked, as the private page shows it.
    s: MyActivitySignup,
    /// The private link, absolute, and as a QR code to keep on the phone.
    link: String,
    qr: String,
}

pub async fn activity_sign_up(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(id): Path<ActivityId>,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    match activities::sign_up(&state.app, &client, id, &form).await.or_invalid()? {
        Ok(r) => {
            let s = activities::mine(&state.app, &r.receipt.token).await?;
            let path = format!("/portal/activity-signups/{}", r.receipt.token);
            let link = crate::pages::share::absolute_url(&state, &headers, &path);
            let qr = crate::pages::share::qr_svg(&link)?;
            render(&ActivityReceiptPage { title: "报名已提交", s, link, qr })
        }
        Err(e) => activity_page(&state, &headers, id, Errors(Some(e)), form).await,
    }
}

#[derive(Template)]
#[template(path = "portal/activity_me.html")]
struct ActivityMePage {
    title: &'static str,
    s: MyActivitySignup,
    token: String,
    csrf: String,
}

pub async fn activity_me(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let s = activities::mine(&state.app, &token).await?;
    let (csrf, set) = form_token(&state, &headers);
    Ok(with_cookie(render(&ActivityMePage { title: "我的活动报名", s, token, csrf })?, set))
}

pub async fn activity_cancel(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(confirmed): Form<Confirmed>,
) -> Result<Response, PageError> {
    if !confirmed.yes() {
        let s = activities::mine(&state.app, &token).await?;
        let what = format!("“{}”{} {}的报名", s.activity.title, s.activity.on_date, s.activity.time);
        return confirm_cancel(&state, &headers, what, format!("/portal/activity-signups/{token}"));
    }
    activities::cancel(&state.app, &client, &token).await?;
    Ok(Redirect::to(&format!("/portal/activity-signups/{token}")).into_response())
}
