//! Commando teams: the paged list, forming one, its members and changes, a team taking a shift.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::volunteering::{self, TeamDetail, TeamFilter, TeamView};
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::{ShiftId, TeamId};

use super::shifts::shift_page;
use crate::done::{self, Done};
use crate::extract::{Path, Query};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "volunteering/teams.html")]
struct TeamsPage {
    layout: Layout,
    filter: TeamFilter,
    query: String,
    page: Page<TeamView>,
    can_write: bool,
    today: NaiveDate,
    errors: Errors,
}

async fn teams_page(
    state: &AppState,
    user: &CurrentUser,
    filter: TeamFilter,
    errors: Errors,
) -> Result<TeamsPage, PageError> {
    let page = volunteering::teams(&state.app, &user.actor, &filter).await?;
    Ok(TeamsPage {
        layout: Layout::new(user, "/volunteering", "青年突击队"),
        query: query_without_page(&filter),
        filter,
        page,
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        today: qingtuan_domain::time::local_date(state.app.now()),
        errors,
    })
}

/// The commando teams, filtered and paged, with the form to form one.
pub async fn teams(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<TeamFilter>,
) -> Result<Response, PageError> {
    render(&teams_page(&state, &user, filter, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamForm {
    org_code: String,
    name: String,
    formed_on: String,
}

pub async fn create_team(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TeamForm>,
) -> Result<Response, PageError> {
    let result = match form.formed_on.trim().parse::<NaiveDate>() {
        Ok(formed_on) => {
            let team = volunteering::NewTeam { org_code: form.org_code.trim().to_owned(), name: form.name, formed_on };
            volunteering::create_team(&state.app, &user.actor, &team).await
        }
        Err(_) => Err(AppError::Invalid(Invalid::one("formed_on", "请填写组建日期"))),
    };
    match result.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/volunteering/teams/{id}"), Done::Created)),
        Err(e) => render_invalid(&teams_page(&state, &user, TeamFilter::default(), Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "volunteering/team.html")]
struct TeamPage {
    layout: Layout,
    t: TeamDetail,
    today: NaiveDate,
    can_write: bool,
    errors: Errors,
}

async fn team_page(state: &AppState, user: &CurrentUser, id: TeamId, errors: Errors) -> Result<TeamPage, PageError> {
    let t = volunteering::team(&state.app, &user.actor, id).await?;
    Ok(TeamPage {
        layout: Layout::new(user, "/volunteering", t.name.clone()),
        t,
        today: qingtuan_domain::time::local_date(state.app.now()),
        can_write: user.actor.can_somewhere(volunteering::WRITE),
        errors,
    })
}

pub async fn team(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
) -> Result<Response, PageError> {
    render(&team_page(&state, &user, id, Errors::default()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MemberForm {
    name: String,
    phone: String,
    joined_on: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    let result = match form.joined_on.trim().parse::<NaiveDate>() {
        Ok(on) => volunteering::add_member(&state.app, &user.actor, id, &form.name, &form.phone, on).await.map(|_| ()),
        Err(_) => Err(AppError::Invalid(Invalid::one("joined_on", "请填写入队日期"))),
    };
    after_team_form(&state, &user, id, result).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamChangeForm {
    /// `leave`, `lead` or `disband`.
    action: String,
    person_id: String,
    on: String,
}

pub async fn change_team(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<TeamId>,
    Form(form): Form<TeamChangeForm>,
) -> Result<Response, PageError> {
    use volunteering::TeamChange;
    let person = form.person_id.trim().parse::<i64>().ok();
    let on = form.on.trim().parse::<NaiveDate>().ok();
    let change = match (form.action.as_str(), person, on) {
        ("leave", Some(person_id), Some(on)) => Some(TeamChange::Leave { person_id, on }),
        ("lead", Some(person_id), _) => Some(TeamChange::Lead { person_id }),
        ("disband", _, Some(on)) => Some(TeamChange::Disband { on }),
        _ => None,
    };
    let result = match change {
        Some(c) => volunteering::change_team(&state.app, &user.actor, id, c).await,
        None => Err(AppError::Invalid(Invalid::one("on", "请填写日期"))),
    };
    after_team_form(&state, &user, id, result).await
}

async fn after_team_form(
    state: &AppState,
    user: &CurrentUser,
    id: TeamId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/teams/{id}"), Done::Saved)),
        Err(e) => render_invalid(&team_page(state, user, id, Errors(Some(e))).await?),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamShiftForm {
    team_id: String,
    check_in: String,
    check_out: String,
}

/// A team takes the shift as a whole: a turn-out for each member.
pub async fn team_takes_shift(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(shift_id): Path<ShiftId>,
    Form(form): Form<TeamShiftForm>,
) -> Result<Response, PageError> {
    let parsed = (
        form.team_id.trim().parse::<TeamId>(),
        form.check_in.trim().parse::<chrono::NaiveTime>(),
        form.check_out.trim().parse::<chrono::NaiveTime>(),
    );
    let result = match parsed {
        (Ok(team), Ok(a), Ok(b)) => {
            volunteering::team_takes_shift(&state.app, &user.actor, team, shift_id, a, b).await.map(|_| ())
        }
        _ => Err(AppError::Invalid(Invalid::one("team", "请选择突击队并填写签到、签退时间（如 08:00）"))),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(e) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
    }
}
