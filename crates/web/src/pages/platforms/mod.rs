//! Platform pages (搭平台): youth societies with their link history, and online youth communities
//! with their member counts and member lists, the contributions ledger, venues with their spaces'
//! bookings, partners' pages, and a partner's own pages for its accounts (`partner_desk`).

mod communities;
mod ledger;
mod partner_desk;
mod partners;
mod societies;
mod venues;

use axum::Router;
use axum::routing::{get, post};
use qingtuan_domain::permission::Module;

use crate::AppState;
use crate::layout::{MenuEntry, Need, read};

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/societies", label: "青年社团", need: read(Module::Platforms) },
    MenuEntry { href: "/communities", label: "网上青年社群", need: read(Module::Platforms) },
    MenuEntry { href: "/ledger", label: "资源台账", need: read(Module::Platforms) },
    MenuEntry { href: "/venues", label: "阵地与预约", need: read(Module::Platforms) },
    MenuEntry { href: "/partner", label: "本单位", need: Need::Partner(qingtuan_app::platforms::READ) },
    MenuEntry { href: "/partner/ledger", label: "本单位投入", need: Need::Partner(qingtuan_app::platforms::READ) },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/societies", get(societies::list).post(societies::create))
        .route("/societies/export.xlsx", get(societies::export))
        .route("/societies/{id}", get(societies::show))
        .route("/societies/{id}/links", post(societies::link))
        .route("/societies/{id}/counts", post(societies::count))
        .route("/societies/{id}/leaders", post(societies::add_leader))
        .route("/societies/{id}/dissolve", post(societies::dissolve))
        .route("/venues", get(venues::list).post(venues::create))
        .route("/venues/export.xlsx", get(venues::export))
        .route("/venues/{id}", get(venues::show))
        .route("/venues/{id}/spaces", post(venues::add_space))
        .route("/venues/{id}/team", post(venues::add_member))
        .route("/spaces/{id}", post(venues::change_space))
        .route("/venue-team/{id}/leave", post(venues::member_left))
        .route("/venue-photos/{id}", get(venues::photo))
        .route("/venue-photos/{id}/remove", post(venues::remove_photo))
        .route("/venues/{id}/bookings", post(venues::book))
        .route("/venues/{id}/close", post(venues::close))
        .route("/bookings/{id}/act", post(venues::act))
        .route("/partners/{id}", get(partners::show))
        .route("/partners/{id}/agreements", post(partners::sign))
        .route("/partners/{id}/accounts", post(partners::open_account))
        .route("/partner", get(partner_desk::show))
        .route("/partner/bookings", post(partner_desk::request))
        .route("/partner/bookings/{id}/cancel", post(partner_desk::cancel))
        .route("/partner/ledger", get(partner_desk::ledger))
        .route("/agreements/{id}/document", get(partners::document))
        .route("/ledger", get(ledger::list).post(ledger::record))
        .route("/ledger/export.xlsx", get(ledger::export))
        .route("/ledger/{id}/document", get(ledger::document))
        .route("/ledger/{id}/reverse", post(ledger::reverse))
        .route("/communities", get(communities::list).post(communities::create))
        .route("/communities/export.xlsx", get(communities::export))
        .route("/communities/{id}", get(communities::show))
        .route("/communities/{id}/counts", post(communities::count))
        .route("/communities/{id}/close", post(communities::close))
}

/// Uploads, with their larger body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/agreements/{id}/upload", post(partners::upload))
        .route("/communities/{id}/members", post(communities::list_members))
        .route("/ledger/{id}/upload", post(ledger::upload))
        .route("/venues/{id}/photos", post(venues::add_photo))
}
