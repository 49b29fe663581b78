use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::{orgs, scope, users};
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::layout::Layout;
use crate::pages::render;
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    org_count: usize,
    user_count: Option<u64>,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let read = Permission::new(Module::Dashboard, Action::Read);
    scope::require_somewhere(&state.app, &user.actor, read).await?;
    let org_count = orgs::visible_tree(&state.app, &user.actor, Permission::new(Module::Orgs, Action::Read)).await?.len();
    let user_count = if user.actor.can_somewhere(Permission::new(Module::Users, Action::Read)) {
        Some(users::list(&state.app, &user.actor, &users::Filter::default()).await?.total)
    } else {
        None
    };
    render(&DashboardPage { layout: Layout::new(&user, "/dashboard", "工作台"), org_count, user_count })
}
