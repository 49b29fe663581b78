use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::access::audit::{self, Filter, Row};
use qingtuan_app::page::Page;
use qingtuan_domain::audit::ObjectKind;

use crate::layout::Layout;
use crate::pages::{query_without_page, render, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<Row>,
    filter: Filter,
    from: String,
    to: String,
    query: String,
    logins_only: bool,
    export_path: &'static str,
    actions: Vec<(&'static str, &'static str)>,
    kinds: &'static [ObjectKind],
    can_export: bool,
}

/// The filter as a query string, for the pager and the export link.
#[derive(serde::Serialize)]
struct FilterQuery<'a> {
    actor: &'a Option<String>,
    action: &'a Option<String>,
    object_kind: &'a Option<String>,
    object_id: &'a Option<String>,
    from: String,
    to: String,
}

async fn page(
    state: AppState,
    user: CurrentUser,
    mut filter: Filter,
    logins_only: bool,
) -> Result<Response, PageError> {
    filter.logins_only = logins_only;
    let page = audit::list(&state.app, &user.actor, &filter).await?;
    let from = filter.from.map(|d| d.to_string()).unwrap_or_default();
    let to = filter.to.map(|d| d.to_string()).unwrap_or_default();
    let query = query_without_page(&FilterQuery {
        actor: &filter.actor,
        action: &filter.action,
        object_kind: &filter.object_kind,
        object_id: &filter.object_id,
        from: from.clone(),
        to: to.clone(),
    });
    let (section, title, export_path) = if logins_only {
        ("/logins", "登录日志", "/logins/export.xlsx")
    } else {
        ("/audit", "审计日志", "/audit/export.xlsx")
    };
    render(&ListPage {
        layout: Layout::new(&user, section, title),
        page,
        filter,
        from,
        to,
        query,
        logins_only,
        export_path,
        actions: audit::action_options(),
        kinds: ObjectKind::ALL,
        can_export: user.actor.can_somewhere(audit::EXPORT),
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    page(state, user, filter, false).await
}

pub async fn logins(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    page(state, user, filter, true).await
}

async fn xlsx(
    state: AppState,
    user: CurrentUser,
    mut filter: Filter,
    logins_only: bool,
) -> Result<Response, PageError> {
    filter.logins_only = logins_only;
    let bytes = audit::export(&state.app, &user.actor, &filter).await?;
    let name = if logins_only { "login-log.xlsx" } else { "audit-log.xlsx" };
    Ok(xlsx_download(name, bytes))
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    xlsx(state, user, filter, false).await
}

pub async fn export_logins(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    xlsx(state, user, filter, true).await
}
