//! Pure types and rules of Qingtuan. Nothing here performs IO: every value that crosses a module
//! boundary is parsed here once, so the layers above never pass raw strings or integers around.

pub mod accountability;
pub mod activity;
pub mod audit;
pub mod cabin;
mod code;
pub mod consultation;
pub mod error;
pub mod ids;
pub mod indicator;
pub mod loan;
pub mod mask;
pub mod message;
pub mod money;
pub mod org;
pub mod partner;
pub mod password;
pub mod permission;
pub mod person;
pub mod platform;
pub mod position;
pub mod region;
pub mod review;
pub mod selection;
pub mod station;
pub mod time;
pub mod username;
pub mod volunteering;

#[cfg(test)]
mod properties;

pub use error::{FieldError, Invalid};
