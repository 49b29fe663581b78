//! Connecting to SQLite or PostgreSQL, the write path, and bringing the schema up to date.
//!
//! On SQLite, reads and writes use different connections: a pool of query-only connections for
//! reads (WAL: a read never waits for a writer) and one writer connection, so writers queue in
//! the process instead of meeting SQLite's lock. Every write transaction begins `IMMEDIATE` — it
//! takes the write lock before its first read, so it can never fail with `SQLITE_BUSY_SNAPSHOT`
//! half-way — and `synchronous=FULL` makes an acknowledged commit survive a power cut. A writer
//! connection that is handed back still inside a transaction (a COMMIT or ROLLBACK that failed,
//! e.g. on a full disk) is closed, never reused. On PostgreSQL both are the same pool.

use std::time::Duration;

use qingtuan_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// The read and write connections of one database.
#[derive(Debug, Clone)]
pub struct Db {
    /// Reads. On SQLite these connections are query-only: a write through them fails loudly.
    pub read: DatabaseConnection,
    /// Writes: every transaction that changes something, and single-statement writes.
    pub write: DatabaseConnection,
    /// Figures computed once for everyone (`memo`): their own few connections, so a computation's
    /// queries never queue behind every page's — under load the pages wait for it.
    pub figures: DatabaseConnection,
    /// The embedded database's file as opened (`None` on PostgreSQL).
    pub file: Option<DbFile>,
}

/// The file an embedded database was opened from, by device and inode: if the path no longer
/// leads to it (deleted, replaced), writes would go to a file nobody will open again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbFile {
    path: std::path::PathBuf,
    identity: (u64, u64),
}

impl DbFile {
    fn open(url: &str) -> Option<Self> {
        let path = sqlite_path(url)?;
        let identity = file_identity(&path)?;
        Some(Self { path, identity })
    }

    /// Does the path still lead to the file that was opened?
    pub fn intact(&self) -> bool {
        file_identity(&self.path) == Some(self.identity)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

fn file_identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The file of a `sqlite://PATH?…` URL (`None` for an in-memory database).
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// How long a writer waits for its turn before the request is answered 503 (retry later).
const WRITE_WAIT: Duration = Duration::from_secs(30);
/// How long a reader waits for a pooled connection before the request is answered 503.
const READ_WAIT: Duration = Duration::from_secs(10);

/// Connections for figures computed once for everyone.
const FIGURES_CONNECTIONS: u32 = 3;

/// Opens the database at `url` (`sqlite://…` or `postgres://…`).
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    if !url.starts_with("sqlite:") {
        let options = |max: u32| {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .sqlx_logging(false)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(READ_WAIT)
                .max_connections(max);
            options
        };
        let pool = Database::connect(options(16)).await?;
        let figures = Database::connect(options(FIGURES_CONNECTIONS)).await?;
        return Ok(Db { read: pool.clone(), write: pool, figures, file: None });
    }
    // The writer first: it creates the file and switches it to WAL before any reader opens it.
    let mut options = sqlite_options(url, false);
    options.max_connections(1).min_connections(1).acquire_timeout(WRITE_WAIT).map_sqlx_sqlite_pool_opts(|o| {
        o.after_release(|conn, _| {
            Box::pin(async move {
                use sea_orm::sqlx::Connection;
                // Runs any rollback the dropped transaction queued, then keeps the connection
                // only if that left it outside every transaction.
                conn.ping().await?;
                Ok(!conn.is_in_transaction())
            })
        })
    });
    let write = Database::connect(options).await?;
    let readers = |max: u32| {
        let mut options = sqlite_options(url, true);
        options.max_connections(max).acquire_timeout(READ_WAIT);
        Database::connect(options)
    };
    let (read, figures) = (readers(4).await?, readers(FIGURES_CONNECTIONS).await?);
    Ok(Db { read, write, figures, file: DbFile::open(url) })
}

fn sqlite_options(url: &str, query_only: bool) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(5)).map_sqlx_sqlite_opts(move |o| {
        let o = o
            .create_if_missing(!query_only)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The writer trims the log back to 64 MiB whenever a checkpoint resets it; without a limit
        // it keeps the largest size it ever reached (178 MB after a load run on the demo).
        if query_only { o.pragma("query_only", "ON") } else { o.pragma("journal_size_limit", "67108864") }
    });
    options
}

/// A write transaction. Committing it also moves the data version on (in the same transaction),
/// so figures computed before are not served again; it is used like a `DatabaseTransaction`.
#[derive(Debug)]
pub struct Write(DatabaseTransaction);

impl Write {
    /// Moves the data version on and commits.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.0.execute_unprepared("UPDATE data_version SET version = version + 1 WHERE id = 1").await?;
        self.0.commit().await
    }

    /// Commits without moving the data version: only for writes no figure reads (the readiness
    /// probe's heartbeat).
    pub async fn commit_unversioned(self) -> Result<(), DbErr> {
        self.0.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.0.rollback().await
    }

    /// Takes the rows of `E` that `condition` picks for this transaction (an update of `column` to
    /// itself), so that transactions taking the same row first run one after the other — on
    /// PostgreSQL the second waits for the first and then sees its writes; SQLite has one writer.
    /// Whether any row was taken: the condition doubles as a check made at the right moment.
    pub async fn take<E>(&self, column: E::Column, condition: sea_orm::Condition) -> Result<bool, DbErr>
    where
        E: sea_orm::EntityTrait,
    {
        use sea_orm::QueryFilter;
        let taken = E::update_many()
            .col_expr(column, sea_orm::sea_query::Expr::col(column))
            .filter(condition)
            .exec(self)
            .await?;
        Ok(taken.rows_affected > 0)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Write {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }

    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, DbErr> {
        self.0.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, DbErr> {
        self.0.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: sea_orm::Statement) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.0.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: sea_orm::Statement) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.0.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}

/// Begins a write transaction: on SQLite `BEGIN IMMEDIATE` on the writer connection, retried
/// while another process (a CLI import beside the server) holds the lock.
pub async fn begin_write(write: &DatabaseConnection) -> Result<Write, DbErr> {
    if write.get_database_backend() != DbBackend::Sqlite {
        return write.begin().await.map(Write);
    }
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    let mut attempts = 0;
    loop {
        match write.begin_with_options(options).await {
            Err(e) if attempts < 3 && is_busy(&e) => attempts += 1,
            other => return other.map(Write),
        }
    }
}

/// The data version: it moves on with every committed write transaction.
pub async fn data_version<C: ConnectionTrait>(conn: &C) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(backend, "SELECT version FROM data_version WHERE id = 1"))
        .await?;
    row.map_or(Ok(0), |r| r.try_get_by_index(0))
}

/// What a database error means for the person who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Too many requests at once, or the database lock held elsewhere: try again shortly.
    Busy,
    /// The database cannot store anything now: disk full, I/O error, read-only or moved file.
    Storage,
    /// Anything else: a fault to log.
    Other,
}

/// Classifies a database error by its driver code (SQLite primary codes, PostgreSQL SQLSTATE).
pub fn failure(err: &DbErr) -> Failure {
    use sea_orm::RuntimeErr;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return Failure::Busy,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return Failure::Other,
    };
    match sqlx.as_ref() {
        sea_orm::sqlx::Error::PoolTimedOut => Failure::Busy,
        sea_orm::sqlx::Error::Io(_) => Failure::Storage,
        sea_orm::sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if let Ok(n) = code.parse::<i32>() {
                // SQLite: the primary code is the low byte of the extended one.
                match n & 0xff {
                    5 | 6 => Failure::Busy,                    // BUSY, LOCKED
                    8 | 10 | 11 | 13 | 14 => Failure::Storage, // READONLY, IOERR, CORRUPT, FULL, CANTOPEN
                    _ => Failure::Other,
                }
            } else if code.starts_with("53") || code.starts_with("58") {
                Failure::Storage // insufficient resources (disk full), system errors
            } else if code.starts_with("57P") || code.starts_with("08") || code == "40001" || code == "40P01" {
                Failure::Busy // shutting down, connection lost, serialization failure, deadlock
            } else {
                Failure::Other
            }
        }
        _ => Failure::Other,
    }
}

fn is_busy(err: &DbErr) -> bool {
    failure(err) == Failure::Busy && !matches!(err, DbErr::ConnectionAcquire(_))
}

/// Gives a bulk write on SQLite 64 MiB of page cache (the default is 2 MiB), so it writes each
/// index page once instead of spilling pages to the log as it goes; `done` puts the default back
/// before the connection returns to the pool (reads are faster with the small cache).
pub async fn bulk_cache<C: ConnectionTrait>(conn: &C, done: bool) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Sqlite {
        conn.execute_unprepared(if done { "PRAGMA cache_size = -2000" } else { "PRAGMA cache_size = -65536" }).await?;
    }
    Ok(())
}

/// Copies what a bulk load left in SQLite's write-ahead log into the database file and empties the
/// log. Until then every read looks its pages up in the log: a report on a freshly generated
/// district took 0.13–0.15 s for a street with a 580 MB log, 0.05–0.06 s after.
pub async fn checkpoint<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Sqlite {
        conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    Ok(())
}

/// Writes a consistent snapshot of a SQLite database to `path` (`VACUUM INTO`): one read
/// transaction, so writers on other connections and processes go on meanwhile.
pub async fn snapshot_into(conn: &DatabaseConnection, path: &std::path::Path) -> Result<(), DbErr> {
    let path = path.to_str().ok_or_else(|| DbErr::Custom("the backup path is not UTF-8".into()))?;
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [path.into()]))
        .await
        .map(|_| ())
}

/// SQLite's `PRAGMA integrity_check`: "ok", or the first problem found (`None` on PostgreSQL).
pub async fn integrity_check(conn: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    if conn.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let row = conn.query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check")).await?;
    match row {
        Some(r) => r.try_get_by_index(0).map(Some),
        None => Ok(Some("no answer".into())),
    }
}

/// Why the server cannot take requests now (`/readyz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    /// The embedded database's file was deleted or replaced since it was opened.
    FileGone,
    /// The schema is behind this build's migrations.
    SchemaBehind,
    /// A write did not go through (disk full, I/O error, lock held too long, unreachable).
    NotWritable,
}

impl NotReady {
    pub fn message(self) -> &'static str {
        match self {
            Self::FileGone => "database file deleted or replaced since it was opened",
            Self::SchemaBehind => "database schema is not current",
            Self::NotWritable => "database cannot take a write",
        }
    }
}

/// Ready means: the file is the one opened, the schema is current and a write commits (a
/// heartbeat row is rewritten, so a full disk or a lost connection shows).
pub async fn readiness(app: &crate::App) -> Result<(), NotReady> {
    use qingtuan_entity::app_setting;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    if app.db_file.as_ref().is_some_and(|f| !f.intact()) {
        return Err(NotReady::FileGone);
    }
    match Migrator::get_pending_migrations(&app.writer).await {
        Ok(pending) if pending.is_empty() => {}
        Ok(_) => return Err(NotReady::SchemaBehind),
        Err(_) => return Err(NotReady::NotWritable),
    }
    let write = async {
        let txn = app.begin().await?;
        app_setting::Entity::delete_by_id("readyz.heartbeat".to_owned()).exec(&txn).await?;
        // On SQLite 16 KiB, so the write needs fresh pages in the log as real writes do: a small
        // update can fit in log space already there while the disk is full. (The column holds
        // at most 255 characters on PostgreSQL, whose log is written anew for every commit.)
        let padding = if app.db.get_database_backend() == DbBackend::Sqlite { 16 * 1024 } else { 0 };
        let value = format!("{} {}", app.now().to_rfc3339(), "-".repeat(padding));
        app_setting::ActiveModel { key: Set("readyz.heartbeat".to_owned()), value: Set(value) }.insert(&txn).await?;
        txn.commit_unversioned().await?;
        Ok::<(), crate::AppError>(())
    };
    write.await.map_err(|_: crate::AppError| NotReady::NotWritable)
}

/// The app setting holding the master key's check value.
const KEY_CHECK: &str = "key.check";

/// Whether the configured key is the one this database's personal data was written under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The database's check value matches the key.
    Matches,
    /// The database had no check value (first start, or an upgrade); it now holds this key's.
    Recorded,
    /// The database was written under another key: nothing personal could be read or matched.
    Mismatch,
}

/// Binds the key to its data: compares the database's check value with the key's, or records it
/// at the first start — after making sure, on a database from before check values, that the
/// key decrypts a stored ID number or phone.
pub async fn check_key(app: &crate::App) -> crate::error::AppResult<KeyCheck> {
    use qingtuan_entity::{app_setting, person};
    use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
    let expected = app.keys.check_value();
    if let Some(stored) = app_setting::Entity::find_by_id(KEY_CHECK.to_owned()).one(&app.db).await? {
        return Ok(if stored.value == expected { KeyCheck::Matches } else { KeyCheck::Mismatch });
    }
    let sealed = person::Entity::find()
        .filter(
            Condition::any().add(person::Column::IdNumberEnc.is_not_null()).add(person::Column::PhoneEnc.is_not_null()),
        )
        .one(&app.db)
        .await?;
    if let Some(p) = sealed
        && let Some(value) = p.id_number_enc.or(p.phone_enc)
        && app.keys.decrypt(&value).is_err()
    {
        return Ok(KeyCheck::Mismatch);
    }
    let txn = app.begin().await?;
    app_setting::ActiveModel { key: Set(KEY_CHECK.to_owned()), value: Set(expected) }.insert(&txn).await?;
    txn.commit().await?;
    Ok(KeyCheck::Recorded)
}
