//! The organisers' view of volunteer mobilisation: recruitment calls and their shifts, commando
//! teams and donations of a period, with people served recorded per shift.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use qingtuan_app::volunteering::{self, Overview};
use qingtuan_app::{AppError, stats};
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::layout::{Errors, Layout};
use crate::pages::{render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Debug, Default, serde::Deserialize)]
pub struct Period {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Template)]
#[template(path = "volunteering.html")]
struct Page {
    layout: Layout,
    from: NaiveDate,
    to: NaiveDate,
    o: Overview,
    can_write: bool,
    errors: Errors,
}

async fn page(state: &AppState, user: &CurrentUser, period: &Period, errors: Errors) -> Result<Page, PageError> {
    let (as_of, baseline) = stats::default_dates(&state.app).await?;
    let to = period.to.unwrap_or(as_of);
    let from = period.from.unwrap_or_else(|| baseline.succ_opt().unwrap_or(baseline));
    let o = volunteering::overview(&state.app, &user.actor, from, to).await?;
    Ok(Page {
        layout: Layout::new(user, "/volunteering", "志愿动员"),
        from,
        to,
        o,
        can_write: user.actor.can_somewhere(Permission::new(Module::Orgs, Action::Write)),
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(period): Query<Period>,
) -> Result<Response, PageError> {
    render(&page(&state, &user, &period, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ServedForm {
    people_served: String,
}

pub async fn record_served(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ServedForm>,
) -> Result<Response, PageError> {
    let result = match form.people_served.trim().parse::<i64>() {
        Ok(n) => volunteering::record_people_served(&state.app, &user.actor, id, n).await,
        Err(_) => Err(AppError::Invalid(qingtuan_domain::Invalid::one("people_served", "服务人次应为整数"))),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/volunteering").into_response()),
        Err(AppError::Invalid(e)) => render_invalid(&page(&state, &user, &Period::default(), Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}
