//! Holding orgs to account: responsibility letters (`letters`), duty-report reviews (`reviews`),
//! mutual inspections and their rectification items (`inspections`), the published assessment
//! (`assessments`).

mod assessments;
mod inspections;
mod letters;
mod reviews;

use axum::Router;
use axum::routing::{get, post};
use qingtuan_domain::permission::Module;

use crate::AppState;
use crate::layout::{MenuEntry, read};

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/letters", label: "责任状", need: read(Module::Accountability) },
    MenuEntry { href: "/reviews", label: "述职评议", need: read(Module::Accountability) },
    MenuEntry { href: "/inspections", label: "互检整改", need: read(Module::Accountability) },
    MenuEntry { href: "/assessments", label: "考核通报", need: read(Module::Accountability) },
];

/// The pages of letters, reviews, inspections, rectification and assessments.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/letters", get(letters::list).post(letters::sign))
        .route("/letters/export.xlsx", get(letters::export))
        .route("/letters/{id}", get(letters::show))
        .route("/letters/{id}/targets", post(letters::set_target))
        .route("/letters/{id}/document", get(letters::document))
        .route("/letters/targets/{id}/remove", post(letters::remove_target))
        .route("/letters/targets/{id}/judge", post(letters::judge))
        .route("/reviews", get(reviews::list).post(reviews::organise))
        .route("/reviews/{id}", get(reviews::show))
        .route("/reviews/{id}/raters", post(reviews::add_raters))
        .route("/reviews/{id}/conclude", post(reviews::conclude))
        .route("/reviews/raters/{id}/reissue", post(reviews::reissue))
        .route("/inspections", get(inspections::list).post(inspections::record))
        .route("/inspections/{id}", get(inspections::show))
        .route("/inspections/{id}/rectifications", post(inspections::raise))
        .route("/inspections/photos/{id}", get(inspections::photo))
        .route("/rectifications", get(inspections::rectifications))
        .route("/rectifications/{id}/close", post(inspections::close))
        .route("/assessments", get(assessments::list).post(assessments::publish))
        .route("/assessments/preview", get(assessments::preview))
        .route("/assessments/{id}", get(assessments::show))
        .route("/assessments/{id}/print", get(assessments::print))
        .route("/assessments/{id}/export.xlsx", get(assessments::export))
}

/// The signed copy's and the inspection photos' uploads, with their larger body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/letters/{id}/upload", post(letters::upload))
        .route("/inspections/{id}/photos", post(inspections::add_photo))
}
