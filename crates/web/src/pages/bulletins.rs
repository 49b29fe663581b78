//! The work bulletin: the list with the form to start one (scope, dates, template); a bulletin's
//! preview — every number a link to its records — with the narrative blocks and the explanations
//! of declines to type, publishing (which freezes it), reopening as a new version, the .docx and a
//! printable page; the templates, their versions and the form to save one; the frozen reports, per
//! year, each opened beside today's recomputation and the changes since.

use std::collections::HashMap;

use crate::extract::{Path, Query};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, http::header};
use chrono::NaiveDate;
use qingtuan_app::AppError;
use qingtuan_app::bulletin::bulletins::{self, BulletinFilter, BulletinRow, BulletinView, NewBulletin};
use qingtuan_app::bulletin::frozen::{self, FrozenRow, FrozenView};
use qingtuan_app::bulletin::render::{Block, BlockKind, Span, Used};
use qingtuan_app::bulletin::templates::{self, TemplateForm, TemplateView};
use qingtuan_app::bulletin::{READ, WRITE};
use qingtuan_app::figures::ReportRequest;
use qingtuan_app::page::Page;
use qingtuan_app::registry::orgs::OrgView;
use qingtuan_domain::ids::{BulletinId, FrozenReportId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout, MenuEntry, Need};
use crate::pages::{Submitted, query_without_page, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/bulletins", label: "工作简报", need: Need::Tree(READ) },
    MenuEntry { href: "/reports", label: "已发布报告", need: Need::Tree(READ) },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bulletins", get(list).post(create))
        .route("/bulletins/{id}", get(show))
        .route("/bulletins/{id}/texts", post(save_texts))
        .route("/bulletins/{id}/publish", post(publish))
        .route("/bulletins/{id}/reopen", post(reopen))
        .route("/bulletins/{id}/print", get(print))
        .route("/bulletins/{id}/bulletin.docx", get(docx))
        .route("/bulletin-templates", get(template_list).post(template_save))
        .route("/reports", get(frozen_list).post(freeze))
        .route("/reports/{id}", get(frozen_show))
}

/// A block as the page shows it: its kind and its runs, each figure with its link.
pub struct ShownBlock {
    pub tag: &'static str,
    /// (text, link to the figure's records, the figure's value) per run.
    pub runs: Vec<(String, Option<String>, Option<i64>)>,
}

/// The blocks with each figure linked to its records for the report it was computed for.
fn shown(blocks: &[Block], figures: &[Used], request: impl Fn(Option<NaiveDate>) -> ReportRequest) -> Vec<ShownBlock> {
    blocks
        .iter()
        .map(|b| ShownBlock {
            tag: match b.kind {
                BlockKind::Title => "h1",
                BlockKind::Heading => "h2",
                BlockKind::Paragraph => "p",
            },
            runs: b
                .spans
                .iter()
                .map(|s| match s {
                    Span::Text { text } => (text.clone(), None, None),
                    Span::Figure { text, figure } => match figures.get(*figure) {
                        Some(u) => {
                            let link = format!("/figures/{}?{}", u.key, query_without_page(&request(u.since)));
                            (text.clone(), Some(link), Some(u.value))
                        }
                        None => (text.clone(), None, None),
                    },
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "bulletins/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<BulletinRow>,
    filter: BulletinFilter,
    query: String,
    can_write: bool,
    scopes: Vec<OrgView>,
    templates: Vec<TemplateView>,
    form: NewBulletin,
    errors: Errors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: BulletinFilter,
    form: NewBulletin,
    errors: Errors,
) -> Result<Response, PageError> {
    let invalid = errors.0.is_some();
    let can_write = user.actor.can_somewhere(WRITE);
    let scopes = match can_write {
        true => qingtuan_app::registry::orgs::visible_committees(&state.app, &user.actor, WRITE).await?,
        false => Vec::new(),
    };
    let view = ListPage {
        layout: Layout::new(user, "/bulletins", "工作简报"),
        page: bulletins::list(&state.app, &user.actor, &filter).await?,
        query: query_without_page(&filter),
        filter,
        can_write,
        scopes,
        templates: templates::list(&state.app, &user.actor).await?,
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<BulletinFilter>,
) -> Result<Response, PageError> {
    let (as_of, baseline) = qingtuan_app::figures::default_dates(&state.app).await?;
    let form = NewBulletin { as_of: as_of.to_string(), baseline: baseline.to_string(), ..NewBulletin::default() };
    list_page(&state, &user, filter, form, Errors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewBulletin>,
) -> Result<Response, PageError> {
    match bulletins::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/bulletins/{id}"), Done::Created)),
        Err(e) => list_page(&state, &user, BulletinFilter::default(), form, Errors(Some(e))).await,
    }
}

#[derive(Template)]
#[template(path = "bulletins/show.html")]
struct ShowPage {
    layout: Layout,
    b: BulletinView,
    blocks: Vec<ShownBlock>,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: BulletinId,
    errors: Errors,
) -> Result<Response, PageError> {
    let b = bulletins::show(&state.app, &user.actor, id).await?;
    let blocks = match &b.document {
        Ok(doc) => shown(&doc.blocks, &doc.figures, |since| b.request(since)),
        Err(_) => Vec::new(),
    };
    let invalid = errors.0.is_some();
    let view = ShowPage { layout: Layout::new(user, "/bulletins", format!("工作简报 {id}")), b, blocks, errors };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BulletinId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, Errors::default()).await
}

/// The outcome of a bulletin's action: back to its page, or the page with the problem.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: BulletinId,
    result: Result<String, AppError>,
    done: Done,
) -> Result<Response, PageError> {
    match result.or_invalid()? {
        Ok(to) => Ok(done::redirect(&to, done)),
        Err(e) => show_page(state, user, id, Errors(Some(e))).await,
    }
}

pub async fn save_texts(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BulletinId>,
    Form(typed): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let result = bulletins::save_texts(&state.app, &user.actor, id, &typed).await.map(|()| format!("/bulletins/{id}"));
    after(&state, &user, id, result, Done::Saved).await
}

pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BulletinId>,
) -> Result<Response, PageError> {
    let result = bulletins::publish(&state.app, &user.actor, id).await.map(|f| format!("/reports/{f}"));
    after(&state, &user, id, result, Done::Published).await
}

pub async fn reopen(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BulletinId>,
) -> Result<Response, PageError> {
    let result = bulletins::reopen(&state.app, &user.actor, id).await.map(|new| format!("/bulletins/{new}"));
    after(&state, &user, id, result, Done::Created).await
}

#[derive(Template)]
#[template(path = "bulletins/print.html")]
struct PrintPage {
    title: String,
    blocks: Vec<ShownBlock>,
    note: String,
}

/// The bulletin alone on a page, for printing.
pub async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BulletinId>,
) -> Result<Response, PageError> {
    let b = bulletins::show(&state.app, &user.actor, id).await?;
    let doc = b.document.map_err(|e| AppError::Invalid(qingtuan_domain::Invalid::one("template", e.to_string())))?;
    let note = match b.published {
        true => format!("{}　统计日 {}　已发布", b.org_name, b.as_of),
        false => format!("{}　统计日 {}　草稿（未发布）", b.org_name, b.as_of),
    };
    let blocks = shown(&doc.blocks, &[], |_| ReportRequest::default());
    render(&PrintPage { title: doc.title(), blocks, note })
}

pub async fn docx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<BulletinId>,
) -> Result<Response, PageError> {
    let (name, bytes) = bulletins::docx(&state.app, &user.actor, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TemplateQuery {
    name: String,
}

#[derive(Template)]
#[template(path = "bulletins/templates.html")]
struct TemplatesPage {
    layout: Layout,
    templates: Vec<TemplateView>,
    versions: Vec<TemplateView>,
    form: TemplateForm,
    can_save: bool,
    errors: Errors,
    /// The indicators a template can write, for its authors.
    catalogue: &'static [qingtuan_domain::indicator::Indicator],
}

async fn templates_page(
    state: &AppState,
    user: &CurrentUser,
    form: TemplateForm,
    errors: Errors,
) -> Result<Response, PageError> {
    let invalid = errors.0.is_some();
    let versions = match form.name.trim() {
        "" => Vec::new(),
        name => templates::versions(&state.app, &user.actor, name).await?,
    };
    let can_save = templates::may_save(&state.app, &user.actor).await?;
    let view = TemplatesPage {
        layout: Layout::new(user, "/bulletins", "简报模板"),
        templates: templates::list(&state.app, &user.actor).await?,
        versions,
        form,
        can_save,
        errors,
        catalogue: qingtuan_domain::indicator::CATALOGUE,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn template_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, PageError> {
    let name = if q.name.trim().is_empty() { templates::DEFAULT_NAME.to_owned() } else { q.name };
    let all = templates::versions(&state.app, &user.actor, &name).await?;
    let body = all.first().map(|t| t.body.clone()).unwrap_or_default();
    templates_page(&state, &user, TemplateForm { name, body }, Errors::default()).await
}

pub async fn template_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TemplateForm>,
) -> Result<Response, PageError> {
    match templates::save(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => {
            let to =
                format!("/bulletin-templates?{}", query_without_page(&serde_json::json!({ "name": form.name.trim() })));
            Ok(done::redirect(&to, Done::Saved))
        }
        Err(e) => templates_page(&state, &user, form, Errors(Some(e))).await,
    }
}

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct FrozenFilter {
    year: String,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "bulletins/frozen_list.html")]
struct FrozenListPage {
    layout: Layout,
    page: Page<FrozenRow>,
    filter: FrozenFilter,
    query: String,
}

pub async fn frozen_list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<FrozenFilter>,
) -> Result<Response, PageError> {
    let year = filter.year.trim().parse::<i32>().ok();
    let page = frozen::list(&state.app, &user.actor, year, filter.page).await?;
    render(&FrozenListPage {
        layout: Layout::new(&user, "/reports", "已发布报告"),
        page,
        query: query_without_page(&filter),
        filter,
    })
}

#[derive(Template)]
#[template(path = "bulletins/frozen_show.html")]
struct FrozenShowPage {
    layout: Layout,
    r: FrozenView,
    blocks: Vec<ShownBlock>,
    /// Each figure's records today.
    links: Vec<String>,
}

pub async fn frozen_show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<FrozenReportId>,
) -> Result<Response, PageError> {
    let r = frozen::show(&state.app, &user.actor, id).await?;
    let blocks = match &r.document {
        Some(doc) => shown(&doc.blocks, &doc.figures, |since| r.request(since)),
        None => Vec::new(),
    };
    let links = r
        .figures
        .iter()
        .map(|c| format!("/figures/{}?{}", c.frozen.key, query_without_page(&r.request(c.frozen.since))))
        .collect();
    render(&FrozenShowPage {
        layout: Layout::new(&user, "/reports", format!("已发布报告 {id}")), r, blocks, links
    })
}

/// Freezes the dashboard's report as asked (the dashboard's 发布 button).
pub async fn freeze(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(req): Form<ReportRequest>,
) -> Result<Response, PageError> {
    let id = frozen::freeze_report(&state.app, &user.actor, &req).await?;
    Ok(done::redirect(&format!("/reports/{id}"), Done::Published))
}
