//! 数据质量: the work list of what keeps the figures from being right, each with a link to fix it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::registry::quality::{self, Report};

use crate::layout::Layout;
use crate::pages::render;
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    layout: Layout,
    r: Report,
    shown: u64,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let r = quality::report(&state.app, &user.actor).await?;
    render(&QualityPage { layout: Layout::new(&user, "/quality", "数据质量"), r, shown: quality::SHOWN })
}
