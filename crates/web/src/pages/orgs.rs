use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qingtuan_app::orgs::{self, NewOrg, OrgView};
use qingtuan_app::page::{PER_PAGE, Page, page_number};
use qingtuan_app::{AppError, scope};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::layout::{Errors, Layout};
use crate::pages::{query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

const READ: Permission = Permission::new(Module::Orgs, Action::Read);
const WRITE: Permission = Permission::new(Module::Orgs, Action::Write);

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct Filter {
    q: Option<String>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<OrgView>,
    q: String,
    query: String,
    can_write: bool,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(filter): Query<Filter>) -> Result<Response, PageError> {
    scope::require_somewhere(&state.app, &user.actor, READ).await?;
    let q = filter.q.clone().unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let matching: Vec<OrgView> = orgs::visible_tree(&state.app, &user.actor, READ)
        .await?
        .into_iter()
        .filter(|o| needle.is_empty() || o.name.to_lowercase().contains(&needle) || o.code.to_lowercase().contains(&needle))
        .collect();
    let number = page_number(filter.page);
    let total = matching.len() as u64;
    let items = matching.into_iter().skip(((number - 1) * PER_PAGE) as usize).take(PER_PAGE as usize).collect();
    render(&ListPage {
        layout: Layout::new(&user, "/orgs", "组织"),
        page: Page { items, total, page: number, per_page: PER_PAGE },
        query: query_without_page(&filter),
        q,
        can_write: user.actor.can_somewhere(WRITE),
    })
}

#[derive(Template)]
#[template(path = "orgs/new.html")]
struct NewPage {
    layout: Layout,
    form: NewOrg,
    parents: Vec<OrgView>,
    kinds: [OrgKind; 9],
    errors: Errors,
}

async fn new_page(state: &AppState, user: &CurrentUser, form: NewOrg, errors: Errors) -> Result<NewPage, PageError> {
    Ok(NewPage {
        layout: Layout::new(user, "/orgs", "新建组织"),
        form,
        parents: orgs::visible_tree(&state.app, &user.actor, WRITE).await?,
        kinds: OrgKind::ALL,
        errors,
    })
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    scope::require_somewhere(&state.app, &user.actor, WRITE).await?;
    render(&new_page(&state, &user, NewOrg::default(), Errors::default()).await?)
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, Form(form): Form<NewOrg>) -> Result<Response, PageError> {
    match orgs::create(&state.app, &user.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/orgs/{id}")).into_response()),
        Err(AppError::Invalid(e)) => render_invalid(&new_page(&state, &user, form, Errors(Some(e))).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowPage {
    layout: Layout,
    org: OrgView,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let org = orgs::show(&state.app, &user.actor, OrgId(id)).await?;
    render(&ShowPage { layout: Layout::new(&user, "/orgs", org.name.clone()), org })
}
