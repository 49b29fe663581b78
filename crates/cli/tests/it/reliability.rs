//! Trustworthy under load and faults: concurrent writers and logins, a full disk, a deleted
//! database file, and a readiness probe that tells the truth.

use qingtuan_testkit::{Backend, PASSWORD, TestApp, TestClient, db_tests};

/// Orgs in the database, counted through a fresh connection (not the app's pools).
async fn orgs_in_database(t: &TestApp) -> i64 {
    t.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM orgs").await
}

async fn create_org(client: &TestClient, code: &str) -> u16 {
    let name = format!("测试团支部{code}");
    client.post("/orgs", &[("parent_code", "S1"), ("code", code), ("name", &name), ("kind", "branch")]).await.status
}

/// Eight sessions create orgs at once: every write is saved, none answers "database is locked".
async fn concurrent_writers(t: TestApp) {
    t.seed_tree().await;
    t.create_user("root", "district_admin", "D").await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let client = t.login("root").await;
        client.get("/orgs/new").await;
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..12 {
                statuses.push(create_org(&client, &format!("W{w}N{i}")).await);
            }
            statuses
        }));
    }
    for task in tasks {
        let statuses = task.await.expect("writer");
        assert!(statuses.iter().all(|s| *s == 303), "every write saved: {statuses:?}");
    }
    assert_eq!(orgs_in_database(&t).await, 7 + 8 * 12);
}

/// Twenty people log in at the same moment: all get in.
async fn concurrent_logins(t: TestApp) {
    t.seed_tree().await;
    for i in 0..20 {
        t.create_user(&format!("user{i}"), "org_viewer", "S1").await;
    }
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = t.client();
        tasks.push(tokio::spawn(async move { client.login(&format!("user{i}"), PASSWORD).await.status }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("login"), 303);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed_sqlite() {
    concurrent_writers(TestApp::spawn(Backend::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed_postgres() {
    concurrent_writers(TestApp::spawn(Backend::Postgres).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_logins_all_succeed_sqlite() {
    concurrent_logins(TestApp::spawn(Backend::Sqlite).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_logins_all_succeed_postgres() {
    concurrent_logins(TestApp::spawn(Backend::Postgres).await).await
}

async fn pragma(t: &TestApp, name: &str) -> i64 {
    t.scalar(&format!("PRAGMA {name}")).await
}

/// The disk fills (SQLite's page limit stands in for it): a write that cannot be stored answers
/// 503 in Chinese and is not there; every acknowledged write is; when space returns, writes work
/// again without a restart.
#[tokio::test]
async fn a_full_disk_loses_no_acknowledged_write_and_recovers() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/orgs/new").await;
    let pages = pragma(&t, "page_count").await;
    t.execute_sql(&format!("PRAGMA max_page_count = {pages}")).await.expect("limit the database's size");
    let mut saved = 0;
    let mut refused = None;
    for i in 0..400 {
        let code = format!("F{i}");
        match create_org(&admin, &code).await {
            303 => saved += 1,
            503 => {
                refused = Some(code);
                break;
            }
            other => panic!("a write answered {other}"),
        }
    }
    let refused = refused.expect("the database filled up");
    let page = admin.get(&format!("/orgs?q={refused}")).await;
    assert!(!page.text().contains(&format!("测试团支部{refused}")), "the refused org is not shown");
    assert_eq!(orgs_in_database(&t).await, 7 + saved, "every acknowledged write is stored, the refused one is not");
    // The same write again (a smaller one might still fit the pages left free).
    let name = format!("测试团支部{refused}");
    let answer =
        admin.post("/orgs", &[("parent_code", "S1"), ("code", &refused), ("name", &name), ("kind", "branch")]).await;
    assert_eq!(answer.status, 503);
    assert!(answer.text().contains("磁盘已满") && answer.text().contains("未保存"), "{}", answer.text());

    t.execute_sql("PRAGMA max_page_count = 1073741823").await.expect("space returns");
    assert_eq!(create_org(&admin, &refused).await, 303, "writes work again without a restart");
    assert_eq!(orgs_in_database(&t).await, 7 + saved + 1);
    assert_eq!(admin.get("/readyz").await.status, 200);
}

/// The database file is deleted under the running server: writes are refused (they would be
/// acknowledged and lost), and the readiness probe says why.
#[tokio::test]
async fn a_deleted_database_file_refuses_writes_and_fails_readiness() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/orgs/new").await;
    assert_eq!(create_org(&admin, "B1").await, 303);
    assert_eq!(admin.get("/readyz").await.status, 200);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}/test.sqlite{suffix}", t.db.place));
    }
    let answer =
        admin.post("/orgs", &[("parent_code", "S1"), ("code", "B2"), ("name", "删"), ("kind", "branch")]).await;
    assert_eq!(answer.status, 503);
    assert!(answer.text().contains("未保存"));
    let ready = admin.get("/readyz").await;
    assert_eq!(ready.status, 503);
    assert!(ready.text().contains("deleted"), "{}", ready.text());
}

/// A schema behind this build's migrations is not ready.
async fn readiness_needs_the_current_schema(t: TestApp) {
    let c = t.client();
    assert_eq!(c.get("/readyz").await.status, 200);
    t.execute_sql("DELETE FROM seaql_migrations WHERE version = 'm0013_reauthentication'").await.expect("forget");
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, 503);
    assert!(ready.text().contains("schema"), "{}", ready.text());
}

db_tests!(readiness_needs_the_current_schema);

/// Figures are shared while the data is unchanged, and never served after a write: a write on
/// one server shows in the next request's figure on the same server and on another server of the
/// same database (each with its own shared figures), in the dashboard and in the API.
async fn figures_follow_every_write_on_every_server(t: TestApp) {
    t.seed_tree().await;
    let here = t.admin().await;
    let other_server = TestApp::on(t.db.clone(), qingtuan_web::WebConfig::default()).await;
    let there = other_server.login("root").await;
    let api = "/api/v1/reports?as_of=2026-03-02&baseline=2026-01-01";
    let dashboard = "/dashboard?as_of=2026-03-02&baseline=2026-01-01";
    let count = |client: &TestClient| {
        let client = client.clone();
        async move {
            let api = client.get(api).await.json()["org.social_domain.count"]["value"].as_i64().expect("value");
            let page = client.get(dashboard).await.text();
            let card = &page[page.find("id=\"fig-org.social_domain.count\"").expect("card")..];
            let number = &card[card.find("class=\"number\"").expect("number")..];
            let number = &number[number.find('>').expect("the link") + 1..];
            assert_eq!(
                number[..number.find('<').expect("end")].trim(),
                api.to_string(),
                "the dashboard shows the API's figure"
            );
            api
        }
    };
    assert_eq!(count(&here).await, 0);
    assert_eq!(count(&there).await, 0);
    here.get("/orgs/new").await;
    let form = [
        ("parent_code", "S1"),
        ("code", "G1"),
        ("name", "机关团支部"),
        ("kind", "branch"),
        ("sector_code", "government"),
        ("founded_on", "2026-01-05"),
    ];
    assert_eq!(here.post("/orgs", &form).await.status, 303);
    assert_eq!(count(&there).await, 0, "government is not yet a social-domain sector");
    here.get("/sectors").await;
    assert_eq!(here.post("/sectors/government", &[("social_domain", "true"), ("confirm", "yes")]).await.status, 303);
    assert_eq!(count(&there).await, 1, "the other server sees the write at once");
    assert_eq!(count(&here).await, 1);
    there.get("/sectors").await;
    assert_eq!(there.post("/sectors/government", &[("social_domain", "false"), ("confirm", "yes")]).await.status, 303);
    assert_eq!(count(&here).await, 0, "and back");
    assert_eq!(count(&there).await, 0);
}

db_tests!(figures_follow_every_write_on_every_server);
