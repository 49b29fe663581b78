//! The work bulletin (工作简报) and reports frozen as published (#12).
//!
//! A bulletin is written from a template (`templates`, minijinja in a sandbox, see `render`) over
//! the figures of a scope and dates — every number computed, each linked to its records — with
//! narrative blocks typed beside them; a figure that declines must carry a written explanation
//! before it can be published. Publishing freezes it (`frozen`): the document, the figures, who
//! published it and when, and a digest. A frozen report is never changed; opening it shows today's
//! recomputation beside each figure and the records changed since, and it is reopened only as a
//! new version. The dashboard's figures report can be frozen the same way.

pub mod bulletins;
mod docx;
pub mod frozen;
pub mod render;
pub mod templates;

use chrono::NaiveDate;
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::figures::ReportRequest;

pub const READ: Permission = Permission::new(Module::Bulletins, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Bulletins, Action::Write);
/// Publishing, which freezes.
pub const APPROVE: Permission = Permission::new(Module::Bulletins, Action::Approve);
pub const EXPORT: Permission = Permission::new(Module::Bulletins, Action::Export);

/// The figures report a bulletin or a frozen report reads: its scope (an org's code and perhaps a
/// street), its as-of and baseline dates, and the start of the period a figure is counted over.
fn report_request(
    scope: &str,
    street: &Option<String>,
    [as_of, baseline]: [NaiveDate; 2],
    from: Option<NaiveDate>,
) -> ReportRequest {
    ReportRequest {
        as_of: Some(as_of),
        baseline: Some(baseline),
        from,
        scope: Some(scope.to_owned()),
        street: street.clone(),
    }
}
