//! Youth self-organisations: the list (by name, kind and guiding org, paged, exported) with the
//! form to register one, and dissolution — first what it changes, then on the confirmed form.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::registry::orgs;
use qingtuan_app::registry::self_orgs::{self, Dissolution, Filter, NewSelfOrg, SelfOrgRow};
use qingtuan_domain::ids::SelfOrgId;
use qingtuan_domain::org::SelfOrgKind;

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "self_orgs/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<SelfOrgRow>,
    filter: Filter,
    query: String,
    kinds: &'static [SelfOrgKind],
    can_write: bool,
    form: NewSelfOrg,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewSelfOrg,
    errors: Errors,
) -> Result<ListPage, PageError> {
    let page = self_orgs::list(&state.app, &user.actor, &filter).await?;
    Ok(ListPage {
        layout: Layout::new(user, "/self-orgs", "青年自组织"),
        query: query_without_page(&filter),
        page,
        filter,
        kinds: SelfOrgKind::ALL,
        can_write: user.actor.can_somewhere(orgs::WRITE),
        form,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    render(&list_page(&state, &user, filter, NewSelfOrg::default(), Errors::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewSelfOrg>,
) -> Result<Response, PageError> {
    match self_orgs::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/self-orgs", Done::Created)),
        Err(e) => render_invalid(&list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await?),
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = self_orgs::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("self-organisations.xlsx", bytes))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DissolveForm {
    dissolved_on: String,
    /// Set by the confirmation page: without it nothing changes yet.
    confirm: String,
}

#[derive(Template)]
#[template(path = "self_orgs/dissolve_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    d: Dissolution,
}

pub async fn dissolve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<SelfOrgId>,
    Form(form): Form<DissolveForm>,
) -> Result<Response, PageError> {
    let result = if form.confirm == "yes" {
        self_orgs::dissolve(&state.app, &user.actor, id, &form.dissolved_on).await.map(|()| None)
    } else {
        self_orgs::dissolution(&state.app, &user.actor, id, &form.dissolved_on).await.map(Some)
    };
    match result.or_invalid()? {
        Ok(Some(d)) => render(&ConfirmPage { layout: Layout::new(&user, "/self-orgs", "解散青年自组织"), d }),
        Ok(None) => Ok(done::redirect("/self-orgs", Done::Disbanded)),
        Err(e) => {
            render_invalid(&list_page(&state, &user, Filter::default(), NewSelfOrg::default(), Errors(Some(e))).await?)
        }
    }
}
