use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of one's own for one test: a SQLite file in a fresh temporary directory, or a fresh
/// schema in the PostgreSQL database named by `QINGTUAN_TEST_DATABASE_URL`.
#[derive(Debug, Clone)]
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    /// The SQLite directory or the PostgreSQL schema.
    pub place: String,
    _cleanup: std::sync::Arc<Cleanup>,
}

/// Removes the SQLite directory, or drops the PostgreSQL schema, when the last clone of the
/// `TestDb` goes.
#[derive(Debug)]
enum Cleanup {
    Nothing,
    Dir(std::path::PathBuf),
    Schema { base: String, schema: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Self::Nothing => {}
            Self::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Schema { base, schema } => {
                // Dropped from a thread of its own: this may run inside the test's runtime.
                let (base, sql) =
                    (base.clone(), format!("SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE"));
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    runtime.block_on(async {
                        use sea_orm::ConnectionTrait;
                        let admin = sea_orm::Database::connect(&base).await.ok()?;
                        let result = admin.execute_unprepared(&sql).await.ok();
                        admin.close().await.ok();
                        result
                    })
                });
                let _ = dropped.join();
            }
        }
    }
}

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

fn suffix() -> String {
    let n: u64 = rand::thread_rng().r#gen();
    format!("{n:016x}")
}

impl TestDb {
    /// An existing SQLite file (e.g. a restored backup); left in place afterwards.
    pub fn sqlite_file(path: std::path::PathBuf) -> Self {
        let place = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
        let url = format!("sqlite://{}?mode=rw", path.display());
        Self { backend: Backend::Sqlite, url, place, _cleanup: std::sync::Arc::new(Cleanup::Nothing) }
    }

    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("qingtuan-test-{}", suffix()));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.join("test.sqlite").display());
                Self {
                    backend,
                    url,
                    place: dir.display().to_string(),
                    _cleanup: std::sync::Arc::new(Cleanup::Dir(dir)),
                }
            }
            Backend::Postgres => {
                let base = std::env::var("QINGTUAN_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG.into());
                let schema = format!("qt_t_{}", suffix());
                let admin = sea_orm::Database::connect(&base).await.expect("connect to QINGTUAN_TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
                admin.close().await.ok();
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                let cleanup = Cleanup::Schema { base: base.clone(), schema: schema.clone() };
                Self { backend, url, place: schema, _cleanup: std::sync::Arc::new(cleanup) }
            }
        }
    }
}
