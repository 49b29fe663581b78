//! Holding orgs to account: responsibility letters (`letters`), mutual inspections and their
//! rectification items (`inspections`).

mod inspections;
mod letters;

use axum::Router;
use axum::routing::{get, post};
use qingtuan_domain::permission::Module;

use crate::AppState;
use crate::layout::{MenuEntry, read};

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/letters", label: "责任状", need: read(Module::Accountability) },
    MenuEntry { href: "/inspections", label: "互检整改", need: read(Module::Accountability) },
];

/// The pages of letters, inspections and rectification.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/letters", get(letters::list).post(letters::sign))
        .route("/letters/export.xlsx", get(letters::export))
        .route("/letters/{id}", get(letters::show))
        .route("/letters/{id}/targets", post(letters::set_target))
        .route("/letters/{id}/document", get(letters::document))
        .route("/letters/targets/{id}/remove", post(letters::remove_target))
        .route("/letters/targets/{id}/judge", post(letters::judge))
        .route("/inspections", get(inspections::list).post(inspections::record))
        .route("/inspections/{id}", get(inspections::show))
        .route("/inspections/{id}/rectifications", post(inspections::raise))
        .route("/rectifications", get(inspections::rectifications))
        .route("/rectifications/{id}/close", post(inspections::close))
}

/// The signed copy's upload, with its larger body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/letters/{id}/upload", post(letters::upload))
}
