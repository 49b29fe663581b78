//! The contributions ledger: lines filtered by source, kind, purpose, partner, org and dates,
//! paged and exported, with what they add up to (fiscal, social, the leverage, by kind, giver and
//! purpose) and the form to record a line.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::platforms;
use qingtuan_app::platforms::ledger::{self, Filter, Ledger, LineRow, NewLine, Summary};
use qingtuan_domain::ids::LedgerLineId;
use qingtuan_domain::platform::{ContributionKind, DonorKind, Funding, Purpose};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{
    Submitted, Upload, download, query_without_page, read_upload, render, render_invalid, xlsx_download,
};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "platforms/ledger.html")]
struct ListPage {
    layout: Layout,
    summary: Summary,
    page: Page<LineRow>,
    filter: Filter,
    query: String,
    fundings: &'static [Funding],
    kinds: &'static [ContributionKind],
    donors: &'static [DonorKind],
    purposes: &'static [Purpose],
    can_write: bool,
    form: NewLine,
    errors: Errors,
}

impl ListPage {
    /// The summary's tables, titled.
    fn sums(&self) -> [(&'static str, &[ledger::Sum]); 3] {
        [
            ("按资源类型", &self.summary.by_kind),
            ("社会资源按提供方", &self.summary.by_giver),
            ("按用途", &self.summary.by_purpose),
        ]
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    form: NewLine,
    errors: Errors,
) -> Result<Response, PageError> {
    let Ledger { lines: page, summary } = ledger::list(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let view = ListPage {
        layout: Layout::new(user, "/ledger", "资源台账"),
        query: query_without_page(&filter),
        summary,
        page,
        filter,
        fundings: Funding::ALL,
        kinds: ContributionKind::ALL,
        donors: DonorKind::ALL,
        purposes: Purpose::ALL,
        can_write: user.actor.can_somewhere(platforms::WRITE),
        form,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, NewLine::default(), Errors::default()).await
}

pub async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewLine>,
) -> Result<Response, PageError> {
    match ledger::record(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/ledger", Done::Recorded)),
        Err(e) => list_page(&state, &user, Filter::default(), form, Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = ledger::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("ledger.xlsx", bytes))
}

/// Attaches a line's voucher; back to the ledger, or the ledger with the refusal.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LedgerLineId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择文件上传").await {
        Ok(Upload { document: (file_name, bytes), .. }) => {
            ledger::attach(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect("/ledger", Done::Saved)),
        Err(e) => list_page(&state, &user, Filter::default(), NewLine::default(), Errors(Some(e))).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReverseForm {
    reason: String,
}

/// Reverses a line entered by mistake; back to the ledger, or the ledger with the refusal.
pub async fn reverse(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LedgerLineId>,
    Form(form): Form<ReverseForm>,
) -> Result<Response, PageError> {
    match ledger::reverse(&state.app, &user.actor, id, &form.reason).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/ledger", Done::Saved)),
        Err(e) => list_page(&state, &user, Filter::default(), NewLine::default(), Errors(Some(e))).await,
    }
}

/// A line's voucher as a download.
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LedgerLineId>,
) -> Result<Response, PageError> {
    Ok(download(&format!("voucher-{id}"), ledger::document(&state.app, &user.actor, id).await?))
}
