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

use qingtuan_domain::permission::{Action, Module, Permission};

pub const READ: Permission = Permission::new(Module::Bulletins, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Bulletins, Action::Write);
/// Publishing, which freezes.
pub const APPROVE: Permission = Permission::new(Module::Bulletins, Action::Approve);
pub const EXPORT: Permission = Permission::new(Module::Bulletins, Action::Export);
