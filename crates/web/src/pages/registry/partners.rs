//! Partners: the list (by name or credit code and kind, paged, exported) with the form to register
//! one; many at once come through the imports page ("合作伙伴").

use crate::extract::Query;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::registry::orgs;
use qingtuan_app::registry::partners::{self, Filter, NewPartner, PartnerRow};
use qingtuan_domain::partner::PartnerKind;

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "partners/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<PartnerRow>,
    filter: Filter,
    query: String,
    kinds: &'static [PartnerKind],
    can_write: bool,
    form: NewPartner,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewPartner,
    errors: Errors,
) -> Result<ListPage, PageError> {
    let page = partners::list(&state.app, &user.actor, &filter).await?;
    Ok(ListPage {
        layout: Layout::new(user, "/partners", "合作伙伴"),
        query: query_without_page(&filter),
        page,
        filter,
        kinds: PartnerKind::ALL,
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
    render(&list_page(&state, &user, filter, NewPartner::default(), Errors::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewPartner>,
) -> Result<Response, PageError> {
    match partners::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/partners", Done::Created)),
        Err(e) => render_invalid(&list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await?),
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = partners::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("partners.xlsx", bytes))
}
