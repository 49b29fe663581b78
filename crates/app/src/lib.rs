//! Use-cases of Qingtuan. Each public function takes the acting principal, checks its permission and
//! data scope, owns its transaction and writes the audit row inside it. Handlers in `web` and
//! commands in the CLI call these and nothing below them.

pub mod activities;
pub mod actor;
pub mod audit;
pub mod auth;
pub mod checkin;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod generator;
pub mod import;
mod limits;
pub mod minors;
pub mod orgs;
pub mod page;
pub mod par;
pub mod people;
pub mod portal;
pub mod positions;
pub mod regions;
pub mod report;
pub mod roles;
pub mod scope;
pub mod sectors;
pub mod stats;
pub mod tokens;
pub mod users;
pub mod volunteering;
pub mod workforce;

use std::sync::Arc;

pub use actor::{Actor, ClientInfo};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use sea_orm::DatabaseConnection;

/// The session and lock-out rules; the defaults are the policy, tests and deployments may tighten.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    pub idle_timeout: chrono::TimeDelta,
    pub absolute_timeout: chrono::TimeDelta,
    pub max_failures: i32,
    pub lockout: chrono::TimeDelta,
    /// A password older than this must be changed before anything else (`None`: never).
    pub password_max_age: Option<chrono::TimeDelta>,
    /// An account not logged into for this long (since its creation if never) is disabled
    /// (`None`: never).
    pub dormant_after: Option<chrono::TimeDelta>,
    /// Sensitive actions need the password confirmed (or a login) within this long.
    pub reauth_window: chrono::TimeDelta,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: chrono::TimeDelta::minutes(30),
            absolute_timeout: chrono::TimeDelta::hours(12),
            max_failures: 5,
            lockout: chrono::TimeDelta::minutes(30),
            password_max_age: Some(chrono::TimeDelta::days(90)),
            dormant_after: Some(chrono::TimeDelta::days(90)),
            reauth_window: chrono::TimeDelta::minutes(5),
        }
    }
}

/// Everything a use-case needs: the database, the clock and the policy.
#[derive(Clone)]
pub struct App {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub policy: AuthPolicy,
    pub keys: crypto::Keys,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("backend", &self.db.get_database_backend()).finish_non_exhaustive()
    }
}

impl App {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, keys: crypto::Keys) -> Self {
        Self { db, clock, policy: AuthPolicy::default(), keys }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
