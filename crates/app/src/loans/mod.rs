//! Youth entrepreneurship loans (青创先锋贷, P3): a pipeline with an outcome. Products (`products`):
//! what a partner bank offers, run by a league org (an age limit, a top amount). Applications
//! (`applications`): entered by staff or made on the portal with a private link; the person's ID
//! number and phone encrypted. The pipeline (`pipeline`): the league org recommends or declines;
//! the bank's own staff — accounts of the bank, holding `loans.approve` over it alone — approve or
//! refuse, disburse, and record follow-ups (repayment, jobs created); the league records
//! follow-ups too.
//!
//! Who sees what: staff with `loans.read` over the handling org see its applications; a bank's
//! accounts see only the applications recommended to their bank, the ID number masked unless they
//! state that a credit check needs it (`loans.unmask`, audited).

pub mod applications;
pub mod pipeline;
pub mod products;

use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::ids::{LoanId, OrgId, PartnerId};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_entity::loan_application;
use sea_orm::EntityTrait;

use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::{Actor, App, AppError};

pub const READ: Permission = Permission::new(Module::Loans, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Loans, Action::Write);
pub const APPROVE: Permission = Permission::new(Module::Loans, Action::Approve);
pub const EXPORT: Permission = Permission::new(Module::Loans, Action::Export);
pub const UNMASK: Permission = Permission::new(Module::Loans, Action::Unmask);

/// Who acts on an application: the league's staff over its handling org, or its bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    League(InScope<OrgId>),
    Bank(PartnerId),
}

/// The application, if the actor may act on it with `permission`: staff holding it over the
/// handling org, or the bank's account holding it over its bank — once the league has recommended
/// it. Anyone else finds nothing (404, audited).
async fn reach(
    app: &App,
    actor: &Actor,
    permission: Permission,
    id: LoanId,
) -> AppResult<(loan_application::Model, Side)> {
    let found = loan_application::Entity::find_by_id(id.0).one(&app.db).await?;
    if let Some(bank) = actor.partner_with(permission) {
        return match found {
            Some(a) if a.partner_id == bank.0 && for_bank(&a) => Ok((a, Side::Bank(bank))),
            _ => scope::deny(app, actor, permission, ObjectKind::Loan, Some(id.to_string()), AppError::NotFound).await,
        };
    }
    let org = OrgId(found.as_ref().map_or(0, |a| a.org_id));
    let proof = scope::require(app, actor, permission, (ObjectKind::Loan, id.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, Side::League(proof)))
}

/// Whether the bank may see it: the league has recommended it.
fn for_bank(a: &loan_application::Model) -> bool {
    qingtuan_domain::loan::LoanState::parse(&a.state)
        .is_ok_and(|s| qingtuan_domain::loan::LoanState::FOR_BANK.contains(&s))
}
