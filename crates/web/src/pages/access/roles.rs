use std::collections::BTreeSet;

use crate::extract::Path;
use askama::Template;
use axum::extract::{RawForm, State};
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::access::roles::{self, RoleView};
use qingtuan_domain::ids::RoleId;
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::done::{self, Done};
use crate::extract::RecentlyAuthenticated;
use crate::layout::Layout;
use crate::pages::render;
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "roles/list.html")]
struct ListPage {
    layout: Layout,
    roles: Vec<RoleView>,
    modules: &'static [Module],
    actions: &'static [Action],
    can_write: bool,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let overview = roles::overview(&state.app, &user.actor).await?;
    render(&ListPage {
        layout: Layout::new(&user, "/roles", "角色权限"),
        roles: overview.roles,
        modules: Module::ALL,
        actions: Action::ALL,
        can_write: overview.can_write,
    })
}

#[derive(Template)]
#[template(path = "roles/edit.html")]
struct EditPage {
    layout: Layout,
    role: RoleView,
    modules: &'static [Module],
    actions: &'static [Action],
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<RoleId>,
) -> Result<Response, PageError> {
    let role = roles::editable(&state.app, &user.actor, id).await?;
    render(&EditPage {
        layout: Layout::new(&user, "/roles", format!("编辑角色：{}", role.name)),
        role,
        modules: Module::ALL,
        actions: Action::ALL,
    })
}

/// The checkboxes arrive as repeated `permission` fields, which typed forms cannot hold.
pub async fn update(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<RoleId>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    let requires_second_factor = pairs.iter().any(|(k, v)| k == "requires_second_factor" && v == "on");
    let permissions = pairs
        .into_iter()
        .filter(|(k, _)| k == "permission")
        .map(|(_, v)| Permission::parse(&v))
        .collect::<Result<BTreeSet<_>, _>>()
        .map_err(AppError::from)?;
    roles::update(&state.app, &user.actor, id, &permissions, requires_second_factor).await?;
    Ok(done::redirect("/roles", Done::Saved))
}
