//! Registry pages: the org tree (with posts and honours), regions and youth populations, the
//! sector dictionary, people (children's records included), youth self-organisations, partners, and
//! the data-quality work list.

mod orgs;
mod partners;
mod people;
mod pick;
mod quality;
mod regions;
mod sectors;
mod self_orgs;

use axum::Router;
use axum::routing::{get, post};
use qingtuan_domain::permission::Module;

use crate::AppState;
use crate::layout::{MenuEntry, read};

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/orgs", label: "组织", need: read(Module::Orgs) },
    MenuEntry { href: "/regions", label: "区域", need: read(Module::Orgs) },
    MenuEntry { href: "/sectors", label: "领域设置", need: read(Module::Orgs) },
    MenuEntry { href: "/people", label: "人员", need: read(Module::People) },
    MenuEntry { href: "/self-orgs", label: "青年自组织", need: read(Module::Orgs) },
    MenuEntry { href: "/partners", label: "合作伙伴", need: read(Module::Orgs) },
    MenuEntry { href: "/quality", label: "数据质量", need: read(Module::Orgs) },
];

/// The routes of the org tree, regions, sectors, people and data quality.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/orgs/new", get(orgs::new_form))
        .route("/orgs/{id}", get(orgs::show).post(orgs::update))
        .route("/orgs/{id}/edit", get(orgs::edit_form))
        .route("/orgs/{id}/dissolve", post(orgs::dissolve))
        .route("/orgs/{id}/move", post(orgs::move_subtree))
        .route("/orgs/{id}/honours", post(orgs::add_honour))
        .route("/orgs/{id}/positions", post(orgs::add_position))
        .route("/positions/{id}/end", post(orgs::end_position))
        .route("/orgs/export.xlsx", get(orgs::export))
        .route("/partners", get(partners::list).post(partners::create))
        .route("/partners/export.xlsx", get(partners::export))
        .route("/self-orgs", get(self_orgs::list).post(self_orgs::create))
        .route("/self-orgs/export.xlsx", get(self_orgs::export))
        .route("/self-orgs/{id}/dissolve", post(self_orgs::dissolve))
        .route("/quality", get(quality::show))
        .route("/pick/orgs", get(pick::orgs))
        .route("/pick/regions", get(pick::regions))
        .route("/pick/people", get(pick::people))
        .route("/people", get(people::list).post(people::create))
        .route("/people/new", get(people::new_form))
        .route("/people/{id}/edit", get(people::edit_form).post(people::update))
        .route("/people/export.xlsx", get(people::export))
        .route("/people/duplicates", get(people::duplicates))
        .route("/people/merge", post(people::merge))
        .route("/people/minor-access", get(people::minor_access).post(people::grant_minor_access))
        .route("/people/minor-access/{id}/revoke", post(people::revoke_minor_access))
        .route("/regions", get(regions::list).post(regions::create))
        .route("/regions/export.xlsx", get(regions::export))
        .route("/regions/populations", post(regions::set_population))
        .route("/sectors", get(sectors::list))
        .route("/sectors/{code}", post(sectors::update))
        .route("/people/{id}", get(people::show))
        .route("/people/{id}/unmask", post(people::unmask))
}
