//! Imports: templates to download, and an upload that writes all rows or none, showing every
//! problem as (row, column, message) — on screen, or as a workbook.

use crate::extract::Path;
use crate::layout::{MenuEntry, Need};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::routing::get;
use qingtuan_app::AppError;
use qingtuan_app::error::RowProblem;
use qingtuan_app::imports::{self, Kind};

use crate::layout::{Errors, Layout};
use crate::pages::{render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage {
    layout: Layout,
    kinds: &'static [Kind],
    kind: String,
    done: Option<String>,
    problems: Vec<RowProblem>,
    errors: Errors,
}

fn page(
    user: &CurrentUser,
    kind: String,
    done: Option<String>,
    problems: Vec<RowProblem>,
    errors: Errors,
) -> ImportPage {
    ImportPage { layout: Layout::new(user, "/imports", "导入"), kinds: Kind::ALL, kind, done, problems, errors }
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    imports::may_import(&state.app, &user.actor).await?;
    render(&page(&user, "people".into(), None, Vec::new(), Errors::default()))
}

pub async fn template(Path(kind): Path<String>, _user: CurrentUser) -> Result<Response, PageError> {
    let kind = Kind::parse(kind.trim_end_matches(".xlsx"))?;
    Ok(xlsx_download(&format!("template-{}.xlsx", kind.code()), imports::template(kind)?))
}

/// Reads the upload: kind, file, dry run, and whether problems should come back as a workbook.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    mut form: Multipart,
) -> Result<Response, PageError> {
    // Before a byte of the file is read: the permission, and a place among the imports running.
    imports::may_import(&state.app, &user.actor).await?;
    let _slot = imports::take_slot(&user.actor)?;
    let (mut kind, mut file_name, mut bytes, mut dry_run, mut as_xlsx) =
        (String::new(), String::new(), Vec::new(), false, false);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "kind" => kind = field.text().await.unwrap_or_default(),
            "dry_run" => dry_run = true,
            "problems" => as_xlsx = field.text().await.is_ok_and(|v| v == "xlsx"),
            "file" => {
                file_name = field.file_name().unwrap_or_default().to_owned();
                bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            }
            _ => {}
        }
    }
    let parsed = Kind::parse(&kind).and_then(|k| {
        if bytes.is_empty() {
            Err(AppError::Invalid(qingtuan_domain::Invalid::one("file", "请选择要导入的文件")))
        } else {
            imports::read(&file_name, &bytes, state.app.import_limits).map(|sheet| (k, sheet))
        }
    });
    let (result, sheet) = match parsed {
        Ok((k, sheet)) => (imports::run(&state.app, &user.actor, k, &sheet, dry_run, &|_, _| {}).await, sheet),
        Err(e) => (Err(e), imports::Sheet::default()),
    };
    match result {
        Ok(outcome) => {
            let done = if outcome.dry_run {
                format!("检查通过：{} 行{}数据均无问题（试导入，未写入）", outcome.rows, outcome.kind.label())
            } else {
                format!("已导入 {} 行{}数据", outcome.rows, outcome.kind.label())
            };
            render(&page(&user, kind, Some(done), Vec::new(), Errors::default()))
        }
        Err(AppError::Rows(problems)) if as_xlsx => {
            Ok(xlsx_download("import-problems.xlsx", imports::problems_xlsx(&problems, &sheet)?))
        }
        Err(AppError::Rows(problems)) => render_invalid(&page(&user, kind, None, problems, Errors::default())),
        Err(AppError::Invalid(e)) => render_invalid(&page(&user, kind, None, Vec::new(), Errors(Some(e)))),
        Err(e) => Err(e.into()),
    }
}

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] =
    &[MenuEntry { href: "/imports", label: "导入", need: Need::Tree(qingtuan_app::registry::people::WRITE) }];

/// Uploads, with their larger body limit.
pub fn routes() -> Router<AppState> {
    Router::new().route("/imports", get(show).post(upload)).route("/imports/templates/{kind}", get(template))
}
