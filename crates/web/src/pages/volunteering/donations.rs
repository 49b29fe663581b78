//! Donations for calls over a period, paged, and recording one (a line of the ledger).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::volunteering::{self, DonationFilter, DonationView};
use qingtuan_domain::Invalid;
use qingtuan_domain::money::Fen;

use crate::done::{self, Done};
use crate::extract::Query;
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "volunteering/donations.html")]
struct DonationsPage {
    layout: Layout,
    filter: DonationFilter,
    query: String,
    page: Page<DonationView>,
    can_write: bool,
    today: NaiveDate,
    errors: Errors,
}

async fn donations_page(
    state: &AppState,
    user: &CurrentUser,
    filter: DonationFilter,
    errors: Errors,
) -> Result<DonationsPage, PageError> {
    let page = volunteering::donations(&state.app, &user.actor, &filter).await?;
    Ok(DonationsPage {
        layout: Layout::new(user, "/volunteering", "捐款捐物"),
        query: query_without_page(&filter),
        filter,
        page,
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        today: qingtuan_domain::time::local_date(state.app.now()),
        errors,
    })
}

/// The donations for calls over a period, paged, with the form to record one.
pub async fn donations(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<DonationFilter>,
) -> Result<Response, PageError> {
    render(&donations_page(&state, &user, filter, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DonationForm {
    org_code: String,
    donor_kind: String,
    donor_name: String,
    kind: String,
    yuan: String,
    purpose: String,
    donated_on: String,
    receipt_no: String,
}

pub async fn record_donation(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<DonationForm>,
) -> Result<Response, PageError> {
    let result = match (Fen::parse_yuan("yuan", &form.yuan), form.donated_on.trim().parse::<NaiveDate>()) {
        (Ok(value), Ok(donated_on)) => {
            let d = volunteering::NewDonation {
                org_code: form.org_code.trim().to_owned(),
                donor_name: Some(form.donor_name).filter(|n| !n.trim().is_empty()),
                donor_kind: form.donor_kind,
                kind: form.kind,
                value,
                purpose: form.purpose,
                donated_on,
                receipt_no: form.receipt_no,
            };
            volunteering::record_donation(&state.app, &user.actor, &d).await.map(|_| ())
        }
        (Err(e), _) => Err(AppError::Invalid(e)),
        (Ok(_), Err(_)) => Err(AppError::Invalid(Invalid::one("donated_on", "请填写捐赠日期"))),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect("/volunteering/donations", Done::Saved)),
        Err(e) => render_invalid(&donations_page(&state, &user, DonationFilter::default(), Errors(Some(e))).await?),
    }
}
