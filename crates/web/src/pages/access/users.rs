use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::access::roles::{self, RoleView};
use qingtuan_app::access::users::{self, Filter, NewAssignment, NewUser, UserDetail, UserRow};
use qingtuan_app::page::Page;
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::{AssignmentId, UserId};

use crate::done::{self, Done};
use crate::extract::RecentlyAuthenticated;
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<UserRow>,
    query: String,
    q: String,
    status: String,
    can_write: bool,
    can_export: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let page = users::list(&state.app, &user.actor, &filter).await?;
    render(&ListPage {
        layout: Layout::new(&user, "/users", "用户"),
        query: query_without_page(&serde_json::json!({ "q": filter.q, "status": filter.status })),
        q: filter.q.unwrap_or_default(),
        status: filter.status.unwrap_or_default(),
        can_write: user.actor.can_somewhere(users::WRITE),
        can_export: user.actor.can_somewhere(users::EXPORT),
        page,
    })
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = users::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("users.xlsx", bytes))
}

/// The roles a form's role fields offer: those the actor could grant — for partners' accounts
/// (`for_partner`), else the others. The scope is an org picker.

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage {
    layout: Layout,
    form: NewUser,
    roles: Vec<RoleView>,
    for_partner: bool,
    errors: Errors,
}

async fn new_page(state: &AppState, user: &CurrentUser, form: NewUser, errors: Errors) -> Result<NewPage, PageError> {
    let roles = users::new_form(&state.app, &user.actor).await?;
    Ok(NewPage { layout: Layout::new(user, "/users", "新建用户"), form, roles, for_partner: false, errors })
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&new_page(&state, &user, NewUser::default(), Errors::default()).await?)
}

#[derive(Template)]
#[template(path = "users/secret.html")]
pub(in crate::pages) struct SecretPage {
    pub layout: Layout,
    pub what: &'static str,
    pub username: String,
    pub user_id: UserId,
    pub password: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewUser>,
) -> Result<Response, PageError> {
    match users::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(created) => render(&SecretPage {
            layout: Layout::new(&user, "/users", "用户已创建"),
            what: "用户已创建",
            username: form.username.trim().to_lowercase(),
            user_id: created.id,
            password: created.one_time_password.unwrap_or_default(),
        }),
        Err(e) => render_invalid(&new_page(&state, &user, form, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    layout: Layout,
    d: UserDetail,
    form: NewAssignment,
    roles: Vec<RoleView>,
    for_partner: bool,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: UserId,
    errors: Option<Invalid>,
) -> Result<ShowPage, PageError> {
    let d = users::show(&state.app, &user.actor, id).await?;
    let for_partner = d.user.partner_name.is_some();
    let roles = roles::offered(&state.app, &user.actor, for_partner).await?;
    Ok(ShowPage {
        for_partner,
        layout: Layout::new(user, "/users", format!("用户：{}", d.user.display_name)),
        d,
        form: NewAssignment::default(),
        roles,
        errors: Errors(errors),
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<UserId>,
) -> Result<Response, PageError> {
    render(&show_page(&state, &user, id, None).await?)
}

/// After an action on a user: back to the user's page, or the page again with the problem.
async fn after_action(
    state: &AppState,
    user: &CurrentUser,
    id: UserId,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/users/{id}"), Done::Saved)),
        Err(e) => render_invalid(&show_page(state, user, id, Some(e)).await?),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<UserId>,
) -> Result<Response, PageError> {
    let result = users::set_disabled(&state.app, &user.actor, id, true).await;
    after_action(&state, &user, id, result).await
}

pub async fn enable(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<UserId>,
) -> Result<Response, PageError> {
    let result = users::set_disabled(&state.app, &user.actor, id, false).await;
    after_action(&state, &user, id, result).await
}

/// For a lost phone: the owner logs in with the password alone, and enrols again if a role asks.
pub async fn reset_second_factor(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<UserId>,
) -> Result<Response, PageError> {
    let result = users::reset_second_factor(&state.app, &user.actor, id).await;
    after_action(&state, &user, id, result).await
}

pub async fn end_sessions(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<UserId>,
) -> Result<Response, PageError> {
    let result = users::end_sessions(&state.app, &user.actor, id).await.map(|_| ());
    after_action(&state, &user, id, result).await
}

pub async fn reset_password(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<UserId>,
) -> Result<Response, PageError> {
    let password = users::reset_password(&state.app, &user.actor, id).await?;
    let d = users::show(&state.app, &user.actor, id).await?;
    render(&SecretPage {
        layout: Layout::new(&user, "/users", "密码已重置"),
        what: "密码已重置",
        username: d.user.username,
        user_id: id,
        password,
    })
}

pub async fn assign_role(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<UserId>,
    Form(form): Form<NewAssignment>,
) -> Result<Response, PageError> {
    let result = users::assign_role(&state.app, &user.actor, id, &form).await.map(|_| ());
    after_action(&state, &user, id, result).await
}

pub async fn revoke_role(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path((id, assignment)): Path<(UserId, AssignmentId)>,
) -> Result<Response, PageError> {
    let result = users::revoke_role(&state.app, &user.actor, id, assignment).await;
    after_action(&state, &user, id, result).await
}
