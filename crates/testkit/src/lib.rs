//! The test kit: a `TestApp` is the real router on a real database — a temporary SQLite file or a
//! fresh PostgreSQL schema — with a clock the test controls. `TestClient`s are browsers with their
//! own cookie jars, talking to the router through its public HTTP boundary.

#![expect(clippy::expect_used, clippy::panic, reason = "test kit: a failed expectation is a failed test")]

mod client;
mod db;
pub mod webdriver;

use std::sync::Arc;

use axum::Router;
use qingtuan_app::access::users;
use qingtuan_app::registry::orgs;
use qingtuan_app::{Actor, App, ManualClock};
use qingtuan_web::WebConfig;

pub use client::{TestClient, TestResponse};
pub use db::{Backend, TestDb};

/// A strong password that satisfies the policy, used for users the tests create.
pub const PASSWORD: &str = "Strong-Pass-2026!";

/// The master key of every `TestApp` (`[42; 32]`) as base64url: for the CLI run against a test
/// database.
pub const TEST_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio";

#[derive(Debug)]
pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
}

/// Runs each named `async fn(TestApp)` twice: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::TestApp::spawn($crate::Backend::Sqlite).await).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::TestApp::spawn($crate::Backend::Postgres).await).await
            }
        }
    )*};
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, WebConfig::default()).await
    }

    pub async fn spawn_with(backend: Backend, config: WebConfig) -> Self {
        let db = TestDb::new(backend).await;
        Self::on(db, config).await
    }

    /// Another app (another "server process") on the same database.
    pub async fn on(db: TestDb, config: WebConfig) -> Self {
        let conn = qingtuan_app::db::connect(&db.url).await.expect("connect to the test database");
        qingtuan_app::migrate(&conn).await.expect("migrate the test database");
        let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z").expect("valid start").to_utc();
        let clock = Arc::new(ManualClock::new(start));
        let app = App::new(conn, clock.clone(), qingtuan_app::crypto::Keys::from_master(&[42; 32]));
        let router = qingtuan_web::router(app.clone(), config);
        Self { app, router, clock, db }
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(self.router.clone())
    }

    /// The tree most tests use: a district, two streets, two communities under each.
    ///
    /// ```text
    /// D ─┬─ S1 ─┬─ C11
    ///    │      └─ C12
    ///    └─ S2 ─┬─ C21
    ///           └─ C22
    /// ```
    pub async fn seed_tree(&self) {
        let tree = [
            ("D", "测试区团委", "district_committee", ""),
            ("S1", "一街道团工委", "working_committee", "D"),
            ("S2", "二街道团工委", "working_committee", "D"),
            ("C11", "一街道一社区团支部", "branch", "S1"),
            ("C12", "一街道二社区团支部", "branch", "S1"),
            ("C21", "二街道一社区团支部", "branch", "S2"),
            ("C22", "二街道二社区团支部", "branch", "S2"),
        ];
        for (code, name, kind, parent) in tree {
            let form = orgs::NewOrg {
                code: code.into(),
                name: name.into(),
                kind: kind.into(),
                parent_code: parent.into(),
                ..Default::default()
            };
            orgs::create(&self.app, &Actor::system(), &form).await.expect("seed org");
        }
    }

    pub async fn org_id(&self, code: &str) -> i64 {
        orgs::id_of(&self.app, &Actor::system(), code).await.expect("org exists").0
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        use qingtuan_app::access::users::Filter;
        let filter = Filter { q: Some(username.into()), ..Filter::default() };
        let page = users::list(&self.app, &Actor::system(), &filter).await.expect("list users");
        page.items.into_iter().find(|u| u.username == username).expect("user exists").id.0
    }

    /// The id of the (first) person with this name.
    pub async fn user_id_of_person(&self, name: &str) -> i64 {
        let filter = qingtuan_app::registry::people::Filter { q: Some(name.into()), ..Default::default() };
        let page =
            qingtuan_app::registry::people::list(&self.app, &Actor::system(), &filter).await.expect("list people");
        page.items.into_iter().find(|p| p.name == name).expect("person exists").id.0
    }

    /// Creates a user with `PASSWORD` (no forced change) and returns their id.
    pub async fn create_user(&self, username: &str, role: &str, scope: &str) -> i64 {
        let form = users::NewUser {
            username: username.into(),
            display_name: format!("{username} 的姓名"),
            role_code: role.into(),
            scope_code: scope.into(),
            partner_code: String::new(),
            password: Some(PASSWORD.into()),
        };
        users::create(&self.app, &Actor::system(), &form).await.expect("create user").id.0
    }

    /// A client logged in as `username` with `PASSWORD`.
    pub async fn login(&self, username: &str) -> TestClient {
        let client = self.client();
        let res = client.login(username, PASSWORD).await;
        assert_eq!(res.status, 303, "login of {username} should succeed: {}", res.text());
        client
    }

    /// A district admin (`root`, scoped at `D`), logged in.
    pub async fn admin(&self) -> TestClient {
        self.create_user("root", "district_admin", "D").await;
        self.login("root").await
    }

    /// Audit rows with this action code.
    pub async fn audit_count(&self, action: &str) -> usize {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = self.app.db.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => "SELECT COUNT(*) AS n FROM audit_events WHERE action = $1",
            _ => "SELECT COUNT(*) AS n FROM audit_events WHERE action = ?",
        };
        let row = self
            .app
            .db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [action.into()]))
            .await
            .expect("count audit rows")
            .expect("one row");
        let n: i64 = row.try_get("", "n").expect("count");
        usize::try_from(n).expect("non-negative")
    }

    /// One integer from raw SQL (`SELECT … AS n` or a `PRAGMA`), read through a connection of its
    /// own: what is in the database, whatever the app's pools hold.
    pub async fn scalar(&self, sql: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let db = qingtuan_app::db::connect(&self.db.url).await.expect("connect to the test database");
        let backend = db.read.get_database_backend();
        let row = db.read.query_one_raw(Statement::from_string(backend, sql)).await.expect("query").expect("a row");
        row.try_get_by_index(0).expect("an integer")
    }

    /// The first column of every row, as text, read through a connection of its own.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = qingtuan_app::db::connect(&self.db.url).await.expect("connect to the test database");
        let backend = db.read.get_database_backend();
        let rows = db.read.query_all_raw(Statement::from_string(backend, sql)).await.expect("query");
        rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("text")).collect()
    }

    /// Runs raw SQL on the test database, as an attacker with database access would.
    pub async fn execute_sql(&self, sql: &str) -> Result<u64, String> {
        use sea_orm::ConnectionTrait;
        self.app.writer().execute_unprepared(sql).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
    }

    /// Runs the migrations again, as the next start of a server would (after a test undid one).
    pub async fn migrate_again(&self) {
        let db = qingtuan_app::db::connect(&self.db.url).await.expect("connect to the test database");
        qingtuan_app::migrate(&db).await.expect("migrate");
    }

    /// Serves the router on a real loopback port, for browsers and other processes.
    /// Holds the row every committing write moves (the data version) in a transaction of its own
    /// until the returned one ends: on PostgreSQL other writes wait at their commit meanwhile.
    pub async fn hold_commits(&self) -> qingtuan_app::db::Write {
        use sea_orm::ConnectionTrait;
        let held = qingtuan_app::db::begin_write(self.app.writer()).await.expect("begin");
        held.execute_unprepared("UPDATE data_version SET version = version WHERE id = 1").await.expect("hold");
        held
    }

    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr = listener.local_addr().expect("local addr");
        let service = self.router.clone().into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        addr
    }
}
