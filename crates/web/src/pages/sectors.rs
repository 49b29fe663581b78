use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::sectors::{self, SectorView};
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::layout::Layout;
use crate::pages::render;
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "sectors.html")]
struct SectorsPage {
    layout: Layout,
    sectors: Vec<SectorView>,
    can_write: bool,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&SectorsPage {
        layout: Layout::new(&user, "/sectors", "领域设置"),
        sectors: sectors::list(&state.app, &user.actor).await?,
        can_write: user.actor.can_somewhere(Permission::new(Module::Orgs, Action::Write)),
    })
}

#[derive(serde::Deserialize)]
pub struct SocialForm {
    social_domain: bool,
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<SocialForm>,
) -> Result<Response, PageError> {
    sectors::set_social_domain(&state.app, &user.actor, &code, form.social_domain).await?;
    Ok(Redirect::to("/sectors").into_response())
}
