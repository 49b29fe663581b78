//! Use-cases of Qingtuan. Each public function takes the acting principal, checks its permission and
//! data scope, owns its transaction and writes the audit row inside it. Handlers in `web` and
//! commands in the CLI call these and nothing below them.

// The platform every capability stands on.
pub mod batch;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod error;
pub mod export;
pub mod forms;
pub mod memo;
pub mod page;
pub mod par;
pub mod posters;
pub mod sheet;
pub mod signup;
mod tree;

// The capabilities, one folder each.
pub mod access;
pub mod accountability;
pub mod activities;
pub mod bulletin;
pub mod cabins;
pub mod consultations;
pub mod figures;
pub mod imports;
pub mod loans;
pub mod messages;
pub mod platforms;
pub mod portal;
pub mod registry;
pub mod selection;
pub mod stations;
pub mod volunteering;

use std::sync::Arc;

pub use access::actor::{Actor, ClientInfo};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AppError;
pub use sea_orm::DatabaseConnection;

/// Brings the schema up to date, then fills derived tables a migration created (once, even if
/// an earlier start stopped between the two).
pub async fn migrate(db: &db::Db) -> Result<(), sea_orm::DbErr> {
    use qingtuan_migration::MigratorTrait;
    qingtuan_migration::Migrator::up(&db.write, None).await?;
    registry::workforce::fill_once(&db.write).await.map_err(|e| sea_orm::DbErr::Custom(e.to_string()))
}

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
    /// Reads (on SQLite query-only connections that never wait for a writer).
    pub db: DatabaseConnection,
    /// Writes go through [`App::begin`] or [`App::writer`], never through `db`.
    writer: DatabaseConnection,
    /// Reads of figures computed once for everyone (see [`App::for_figures`]).
    figures: DatabaseConnection,
    /// The embedded database's file as opened, checked before every write transaction.
    db_file: Option<db::DbFile>,
    /// Figures shared by the requests that ask for them while the data is unchanged.
    pub memo: Arc<memo::Memo>,
    pub clock: Arc<dyn Clock>,
    pub policy: AuthPolicy,
    /// The largest import file read (configuration `import_max_rows`, `import_max_columns`).
    pub import_limits: imports::Limits,
    pub keys: crypto::Keys,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("backend", &self.db.get_database_backend()).finish_non_exhaustive()
    }
}

impl App {
    pub fn new(db: db::Db, clock: Arc<dyn Clock>, keys: crypto::Keys) -> Self {
        Self {
            db: db.read,
            writer: db.write,
            figures: db.figures,
            db_file: db.file,
            memo: Arc::default(),
            clock,
            policy: AuthPolicy::default(),
            import_limits: imports::Limits::default(),
            keys,
        }
    }

    /// The app whose reads go through the figures' own connections: a computation shared by
    /// everyone (`memo`) runs on it, so under load it does not queue behind every page's queries
    /// while those pages wait for it.
    pub(crate) fn for_figures(&self) -> Self {
        Self { db: self.figures.clone(), ..self.clone() }
    }

    /// Begins a write transaction (on SQLite it holds the write lock from its first statement).
    /// Refused when the embedded database's file is no longer the one opened: a write there would
    /// be acknowledged and then lost.
    pub async fn begin(&self) -> Result<db::Write, AppError> {
        if let Some(file) = self.db_file.as_ref().filter(|f| !f.intact()) {
            tracing::error!(path = %file.path().display(), "the database file was deleted or replaced; refusing writes");
            return Err(AppError::StorageUnavailable);
        }
        Ok(db::begin_write(&self.writer).await?)
    }

    /// Closes the pools at shutdown, after copying SQLite's log into the database file and
    /// emptying it (readers kept the log from being reset while the server ran).
    pub async fn close(&self) {
        if let Err(e) = db::checkpoint(&self.writer).await {
            tracing::warn!(error = %e, "could not checkpoint the log at shutdown");
        }
        let _ = self.db.clone().close().await;
        let _ = self.figures.clone().close().await;
        let _ = self.writer.clone().close().await;
    }

    /// The connection for a single-statement write outside a transaction.
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// The layout `docs/ARCHITECTURE.md` describes, read from the source: no capability reaches one
/// that reaches it back, and the platform modules at the crate root use no capability but access.
#[cfg(test)]
mod architecture {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Every `.rs` file under `dir`.
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
            if entry.path().is_dir() {
                files(&entry.path(), out);
            } else if entry.path().extension().is_some_and(|x| x == "rs") {
                out.push(entry.path());
            }
        }
    }

    /// The capability folders and the crate-root modules, each with the capabilities it names.
    fn uses() -> (BTreeMap<String, BTreeSet<String>>, BTreeMap<String, BTreeSet<String>>) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let capabilities: BTreeSet<String> = std::fs::read_dir(&src)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let named = |text: &str| -> BTreeSet<String> {
            let mut found = BTreeSet::new();
            for (at, _) in text.match_indices("crate::") {
                let rest = &text[at + "crate::".len()..];
                let items: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group[..group.find('}').unwrap_or(group.len())].split(',').collect(),
                    None => vec![rest],
                };
                for item in items {
                    let name: String =
                        item.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    if capabilities.contains(&name) {
                        found.insert(name);
                    }
                }
            }
            found
        };
        let mut by_capability = BTreeMap::new();
        for capability in &capabilities {
            let mut paths = Vec::new();
            files(&src.join(capability), &mut paths);
            let mut used: BTreeSet<String> =
                paths.iter().flat_map(|p| named(&std::fs::read_to_string(p).unwrap())).collect();
            used.remove(capability);
            by_capability.insert(capability.clone(), used);
        }
        let mut platform = BTreeMap::new();
        for entry in std::fs::read_dir(&src).unwrap().filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_file() && name != "lib.rs" {
                platform.insert(name, named(&std::fs::read_to_string(entry.path()).unwrap()));
            }
        }
        (by_capability, platform)
    }

    #[test]
    fn no_capability_reaches_one_that_reaches_it_back() {
        let (graph, _) = uses();
        // Depth-first from each capability: reaching itself again is a cycle, named in full.
        fn walk(graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, cycles: &mut Vec<String>) {
            let last = path.last().unwrap().clone();
            for next in &graph[&last] {
                if *next == path[0] {
                    cycles.push(format!("{} → {next}", path.join(" → ")));
                } else if !path.contains(next) {
                    path.push(next.clone());
                    walk(graph, path, cycles);
                    path.pop();
                }
            }
        }
        let mut cycles = Vec::new();
        for start in graph.keys() {
            walk(&graph, &mut vec![start.clone()], &mut cycles);
        }
        assert!(cycles.is_empty(), "capabilities that reach each other: {cycles:#?}");
        assert!(graph.len() >= 15, "the capability folders were not found: {graph:?}");
    }

    /// No module grows past ~600 lines: a capability that grows gets another module in its folder.
    /// The indicator catalogue is the one exception: it is a table.
    #[test]
    fn no_module_is_over_six_hundred_lines() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut paths = Vec::new();
        for krate in ["domain", "entity", "migration", "app", "web", "demo", "cli", "testkit"] {
            files(&crates.join(krate).join("src"), &mut paths);
        }
        assert!(paths.len() > 100, "the sources were not found");
        let long: Vec<_> = paths
            .iter()
            .filter(|p| !p.ends_with("domain/src/indicator.rs"))
            .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap().lines().count()))
            .filter(|(_, lines)| *lines > 600)
            .collect();
        assert!(long.is_empty(), "modules over 600 lines: {long:?}");
    }

    #[test]
    fn platform_modules_use_no_capability_but_access() {
        let (_, platform) = uses();
        let offending: Vec<_> = platform.iter().filter(|(_, used)| used.iter().any(|c| c != "access")).collect();
        assert!(offending.is_empty(), "platform modules using a capability: {offending:?}");
        assert!(platform.contains_key("tree.rs"), "the platform modules were not found");
    }
}
