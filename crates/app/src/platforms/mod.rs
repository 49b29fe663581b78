//! Platforms that link young people to the league (搭平台, P6 and P7). Youth societies
//! (`societies`): each guided by a league org, with the level at which that org links it (直接联系 /
//! 有效联系 / none) kept as a dated history, member counts by date and leaders from the people
//! registry. Online youth communities (`communities`): WeChat or QQ groups and forums owned by an
//! org, by level and type, with member counts by date and member lists imported from the group's
//! export — of which only the keyed hash of each phone is kept, so that a person in several groups
//! is reached once. The contributions ledger (`ledger`, P1): fiscal and social resources as dated
//! lines, the donations volunteering records among them, summed by source, kind, giver and purpose.
//! Venues (`venues`, P1 P2 P5): the Youth Home network and service points, their operating teams,
//! bookable spaces and the bookings of them (the public's side in `portal::bookings`), their
//! photos (`venue_photos`). Partners
//! (`partners`): their agreements and everything they contributed and joined; a partner's own
//! accounts work at `partner_desk`.
//!
//! Who may do what: `platforms.write` over the guiding or owning org registers and changes them;
//! `platforms.read` sees them; `platforms.export` exports the lists. A partner's account holds
//! `platforms.read` and `platforms.write` over its partner alone: its own records, its bookings.

pub mod communities;
pub mod ledger;
pub mod partner_desk;
pub mod partners;
pub mod societies;
pub mod venue_photos;
pub mod venues;

use qingtuan_domain::FieldError;
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_entity::org;

use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::{Actor, App};

pub const READ: Permission = Permission::new(Module::Platforms, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Platforms, Action::Write);
pub const EXPORT: Permission = Permission::new(Module::Platforms, Action::Export);

/// The org a row names by code, with the proof that the actor may write under it — or the row's
/// problem (`org_code`).
async fn org_for_write(
    conn: &Write,
    actor: &Actor,
    code: &str,
    what: &str,
) -> AppResult<Result<(org::Model, InScope<OrgId>), FieldError>> {
    scope::org_in_row(conn, actor, WRITE, code, what).await
}

/// A form's org, refused with 404 (audited) when it lies outside the scope, before anything is
/// opened for writing.
async fn check_org(app: &App, actor: &Actor, code: &str) -> AppResult<()> {
    scope::org_by_code(app, actor, WRITE, code).await.map(|_| ())
}

/// A member count as typed: a whole number from 0 to 1,000,000.
fn members(field: &'static str, raw: &str) -> Result<i32, FieldError> {
    match raw.trim().parse::<i32>() {
        Ok(n) if (0..=1_000_000).contains(&n) => Ok(n),
        _ => Err(FieldError::new(field, "成员人数应为 0 到 1000000 的整数")),
    }
}

/// A member count as typed on a society's or a community's page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MemberCount {
    pub on_date: String,
    pub members: String,
}
