//! Access: who acts (`Actor`), what they may do where (`scope`: the one enforcement point of data
//! scope), what was done (`audit`), and the accounts behind it — login and sessions (`auth`), the
//! second factor, users, roles, API tokens, and the rate limits of the public endpoints.

pub mod actor;
pub mod audit;
pub mod auth;
pub mod idempotency;
pub(crate) mod limits;
pub mod roles;
pub mod scope;
pub mod second_factor;
pub mod tokens;
pub mod users;
