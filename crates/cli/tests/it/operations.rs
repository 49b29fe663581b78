//! Running it for real: backup and restore under write load, the key bound to its data, a lost
//! database never silently replaced, and a graceful stop on SIGTERM.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qingtuan_app::Actor;
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::registry::positions;
use qingtuan_testkit::{Backend, PASSWORD, TestApp, TestDb};

/// The test kit's master key ([42; 32]) as the CLI takes it, so both read the same data.
const OTHER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const PASSPHRASE: &str = "a passphrase for the drill";
const ZHANG: &str = "11010519491231002X";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qingtuan-ops-{name}-{}-{}", std::process::id(), rand_suffix()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos().into())
}

/// Runs `qingtuan` with the key given (or none: the data dir's key file) and `stdin` fed in.
fn qingtuan(args: &[&str], key: Option<&str>, stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qingtuan"));
    cmd.args(args)
        .env_remove("QINGTUAN_DATABASE_URL")
        .env_remove("QINGTUAN_SECRET_KEY")
        .env("QINGTUAN_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = key {
        cmd.env("QINGTUAN_SECRET_KEY", k);
    }
    let mut child = cmd.spawn().expect("run qingtuan");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fails with exactly one line on stderr naming `expect`.
fn one_line_failure(out: &Output, expect: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(expect), "expected “{expect}” in: {stderr}");
}

fn report(db: &[&str], key: Option<&str>) -> String {
    let mut args = vec!["report", "--as-of", "2026-03-02", "--baseline", "2020-12-31", "--format", "json"];
    args.extend_from_slice(db);
    ok(&qingtuan(&args, key, ""))
}

/// A backup taken while eight sessions write: every write acknowledged before the backup began is
/// in the restored database, whose ID numbers read and match; taken again at rest, the restored
/// figures equal the original's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let sys = Actor::system();
    let ids = people::create_batch(
        &t.app,
        &sys,
        &[NewPerson {
            name: "张三".into(),
            id_number: ZHANG.into(),
            phone: "13812345678".into(),
            ..NewPerson::default()
        }],
    )
    .await
    .expect("person");
    let post = positions::NewPosition {
        person_id: Some(ids[0]),
        org_code: "C11".into(),
        title: "书记".into(),
        employment: "兼职".into(),
        start_on: "2022-01-01".into(),
        ..positions::NewPosition::default()
    };
    positions::create_batch(&t.app, &sys, &[post]).await.expect("post");
    t.create_user("root", "district_admin", "D").await;
    let source = t.db.url.clone();
    let dir = temp_dir("drill");
    std::fs::create_dir_all(&dir).expect("dir");

    let started = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let client = t.login("root").await;
        client.get("/orgs/new").await;
        let (started, stop) = (started.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut before = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let code = format!("L{w}N{i}");
                let name = format!("负载团支部{code}");
                let status = client
                    .post("/orgs", &[("parent_code", "S1"), ("code", &code), ("name", &name), ("kind", "branch")])
                    .await
                    .status;
                assert_eq!(status, 303, "every write is saved");
                if !started.load(Ordering::SeqCst) {
                    before.push(code);
                }
                i += 1;
            }
            before
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    started.store(true, Ordering::SeqCst);
    let file = dir.join("under-load.qtb");
    let args = ["backup".to_owned(), file.display().to_string(), "--database".to_owned(), source.clone()];
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        qingtuan(&args, Some(qingtuan_testkit::TEST_KEY), &format!("{PASSPHRASE}\n"))
    })
    .await
    .expect("backup");
    ok(&out);
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.expect("writer"));
    }
    assert!(!acknowledged.is_empty(), "writes went on before the backup");

    let backup_text = std::fs::read(&file).expect("backup file");
    assert!(
        !backup_text.windows(qingtuan_testkit::TEST_KEY.len()).any(|w| w == qingtuan_testkit::TEST_KEY.as_bytes()),
        "the key is never in clear inside the backup"
    );
    let restored = dir.join("restored");
    let d = restored.display().to_string();
    one_line_failure(
        &qingtuan(&["restore", &file.display().to_string(), "--data-dir", &d], None, "wrong passphrase!!\n"),
        "口令不正确",
    );
    ok(&qingtuan(&["restore", &file.display().to_string(), "--data-dir", &d], None, &format!("{PASSPHRASE}\n")));
    one_line_failure(
        &qingtuan(&["restore", &file.display().to_string(), "--data-dir", &d], None, &format!("{PASSPHRASE}\n")),
        "不是空的",
    );

    // Every acknowledged write is there; personal data reads and matches under the restored key.
    let db = TestDb::sqlite_file(restored.join("qingtuan.sqlite"));
    let copy = TestApp::on(db, qingtuan_web::WebConfig::default()).await;
    for code in &acknowledged {
        let n = copy.scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orgs WHERE code = '{code}'")).await;
        assert_eq!(n, 1, "{code} was acknowledged before the backup began");
    }
    let id_number = qingtuan_domain::person::IdNumber::parse(ZHANG).expect("valid");
    let by_id = people::Filter { q: Some(id_number.as_str().to_owned()), ..people::Filter::default() };
    let found = people::list(&copy.app, &sys, &by_id).await.expect("look-up").items;
    assert_eq!(found.len(), 1, "found by ID number through the keyed hash");
    let shown = people::show_unmasked(&copy.app, &sys, found[0].id).await.expect("person");
    assert_eq!(shown.id_number, ZHANG);

    // At rest: the restored figures equal the original's.
    let quiet = dir.join("at-rest.qtb");
    ok(&qingtuan(
        &["backup", &quiet.display().to_string(), "--database", &source],
        Some(qingtuan_testkit::TEST_KEY),
        &format!("{PASSPHRASE}\n"),
    ));
    let again = dir.join("again").display().to_string();
    ok(&qingtuan(&["restore", &quiet.display().to_string(), "--data-dir", &again], None, &format!("{PASSPHRASE}\n")));
    let original = report(&["--database", &source], Some(qingtuan_testkit::TEST_KEY));
    assert_eq!(report(&["--data-dir", &again], None), original);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The key belongs to its data: a missing key file, another key, or a data directory whose
/// database is gone each stop the start with one line; nothing is created in their place.
#[test]
fn a_missing_or_different_key_or_a_lost_database_stops_the_start() {
    let dir = temp_dir("key");
    let data = dir.display().to_string();
    ok(&qingtuan(&["org", "create", "CY", "团区委", "--kind", "district_committee", "--data-dir", &data], None, ""));
    assert!(dir.join("secret.key").exists(), "the first run makes the key");

    let key = std::fs::read(dir.join("secret.key")).expect("key");
    std::fs::remove_file(dir.join("secret.key")).expect("remove key");
    one_line_failure(&qingtuan(&["migrate", "--data-dir", &data], None, ""), "找不到密钥文件");
    assert!(!dir.join("secret.key").exists(), "no new key is made for an existing database");
    one_line_failure(&qingtuan(&["migrate", "--data-dir", &data], Some(OTHER_KEY), ""), "密钥与数据库");
    std::fs::write(dir.join("secret.key"), &key).expect("put the key back");
    ok(&qingtuan(&["migrate", "--data-dir", &data], None, ""));

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("qingtuan.sqlite{suffix}")));
    }
    one_line_failure(&qingtuan(&["migrate", "--data-dir", &data], None, ""), "没有数据库");
    assert!(!dir.join("qingtuan.sqlite").exists(), "no empty database is made in its place");
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL started with another key refuses to start.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_with_another_key_refuses_to_start() {
    let db = TestDb::new(Backend::Postgres).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        ok(&qingtuan(
            &["org", "create", "CY", "团区委", "--kind", "district_committee", "--database", &url],
            Some(qingtuan_testkit::TEST_KEY),
            "",
        ));
        one_line_failure(&qingtuan(&["migrate", "--database", &url], Some(OTHER_KEY), ""), "密钥与数据库");
        ok(&qingtuan(&["migrate", "--database", &url], Some(qingtuan_testkit::TEST_KEY), ""));
    })
    .await
    .expect("scenario");
}

/// A `qingtuan serve` process on a free port, for the tests that stop or kill it.
struct Server {
    child: std::process::Child,
    base: String,
}

/// A server left running by a failed test would hold the test database open.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(db: &[&str], key: Option<&str>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_qingtuan"));
        cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(db)
            .env_remove("QINGTUAN_SECRET_KEY")
            .env_remove("QINGTUAN_DATABASE_URL")
            .env("QINGTUAN_LOG", "error")
            .stdout(Stdio::null());
        if let Some(k) = key {
            cmd.env("QINGTUAN_SECRET_KEY", k);
        }
        let child = cmd.spawn().expect("serve");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while ureq::get(&format!("{base}/readyz")).call().is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, base }
    }

    fn signal(&self, signal: &str) {
        let sent = Command::new("kill").args([signal, &self.child.id().to_string()]).status().expect("kill");
        assert!(sent.success());
    }
}

/// A browser-like client: the login page's CSRF cookie, then the form.
struct Browser {
    agent: ureq::Agent,
    base: String,
    cookie: String,
    csrf: String,
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("token") + marker.len();
    html[start..start + html[start..].find('"').expect("end")].to_owned()
}

impl Browser {
    fn open_login(base: &str) -> Self {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let page = agent.get(&format!("{base}/login")).call().expect("login page");
        let cookie = page.header("set-cookie").expect("cookie").split(';').next().expect("pair").to_owned();
        let csrf = csrf_of(&page.into_string().expect("html"));
        Self { agent, base: base.to_owned(), cookie, csrf }
    }

    /// Submits the login form; on success the browser holds the session (see `session_csrf`).
    fn log_in(&mut self, user: &str) -> Result<u16, String> {
        let res = self
            .agent
            .post(&format!("{}/login", self.base))
            .set("cookie", &self.cookie)
            .send_form(&[("_csrf", &self.csrf), ("username", user), ("password", PASSWORD)])
            .map_err(|e| e.to_string())?;
        let status = res.status();
        if let Some(session) = res.all("set-cookie").into_iter().find(|c| c.starts_with("qt_session=")) {
            self.cookie = session.split(';').next().expect("pair").to_owned();
        }
        Ok(status)
    }

    /// Reads the session's CSRF token from a page, for forms.
    fn session_csrf(&mut self) -> Result<(), String> {
        let account = self.agent.get(&format!("{}/account", self.base)).set("cookie", &self.cookie).call();
        self.csrf = csrf_of(&account.map_err(|e| e.to_string())?.into_string().map_err(|e| e.to_string())?);
        Ok(())
    }

    fn create_org(&self, code: &str) -> Result<u16, String> {
        let name = format!("团支部{code}");
        let form =
            [("_csrf", self.csrf.as_str()), ("parent_code", "CY"), ("code", code), ("name", &name), ("kind", "branch")];
        match self.agent.post(&format!("{}/orgs", self.base)).set("cookie", &self.cookie).send_form(&form) {
            Ok(r) => Ok(r.status()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A district with one org and a user with `PASSWORD`, made through the CLI.
fn set_up(db: &[&str], key: Option<&str>, user: &str) {
    let mut create = vec!["org", "create", "CY", "团区委", "--kind", "district_committee"];
    create.extend_from_slice(db);
    ok(&qingtuan(&create, key, ""));
    let mut account = vec!["user", "create", user, "--role", "district_admin", "--scope", "CY", "--password-stdin"];
    account.extend_from_slice(db);
    ok(&qingtuan(&account, key, &format!("{PASSWORD}\n")));
}

/// SIGTERM with forty logins in flight: every one is answered, then the process exits 0.
#[test]
fn sigterm_drains_requests_in_flight_and_exits_zero() {
    let dir = temp_dir("term");
    let data = dir.display().to_string();
    let db = ["--data-dir", data.as_str()];
    set_up(&db, None, "drainer");
    let mut server = Server::start(&db, None);
    let barrier = Arc::new(std::sync::Barrier::new(41));
    let clients: Vec<_> = (0..40)
        .map(|_| {
            let (base, barrier) = (server.base.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut browser = Browser::open_login(&base);
                barrier.wait();
                browser.log_in("drainer")
            })
        })
        .collect();
    barrier.wait();
    std::thread::sleep(Duration::from_millis(150));
    server.signal("-TERM");
    let answers: Vec<_> = clients.into_iter().map(|c| c.join().expect("client")).collect();
    let exit = server.child.wait().expect("wait");
    assert!(answers.iter().all(|a| *a == Ok(303)), "every login in flight answered: {answers:?}");
    assert_eq!(exit.code(), Some(0), "exits 0 after draining");
    assert!(ureq::get(&format!("{}/healthz", server.base)).call().is_err(), "no longer listening");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Five times: four sessions write in a loop and the server is killed with SIGKILL. Every write
/// acknowledged before a kill is there after the restart, and `qingtuan check` (the work force's
/// periods, and SQLite's integrity check) finds nothing wrong.
fn kill_nine_in_the_write_loop(db: &[&str], key: Option<&str>) -> Vec<String> {
    set_up(db, key, "writer");
    let mut acknowledged = Vec::new();
    for round in 0..5 {
        let mut server = Server::start(db, key);
        let stop = Arc::new(AtomicBool::new(false));
        // The kill comes 0.6 s after every writer has logged in, however slow the machine is.
        let ready = Arc::new(std::sync::Barrier::new(5));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (base, stop, ready) = (server.base.clone(), stop.clone(), ready.clone());
                std::thread::spawn(move || {
                    let mut browser = Browser::open_login(&base);
                    let set_up = browser.log_in("writer").and_then(|status| match status {
                        303 => browser.session_csrf(),
                        other => Err(format!("login answered {other}")),
                    });
                    // Waited for even on failure, so the test fails instead of hanging.
                    ready.wait();
                    assert_eq!(set_up, Ok(()));
                    let mut saved = Vec::new();
                    for i in 0.. {
                        let code = format!("K{round}x{w}x{i}");
                        match browser.create_org(&code) {
                            Ok(303) => saved.push(code),
                            Ok(other) => panic!("a write answered {other}"),
                            Err(_) => break,
                        }
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                    }
                    saved
                })
            })
            .collect();
        ready.wait();
        std::thread::sleep(Duration::from_millis(600));
        server.signal("-KILL");
        let _ = server.child.wait();
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            acknowledged.extend(w.join().expect("writer"));
        }
    }
    assert!(acknowledged.len() > 20, "writes were made: {}", acknowledged.len());
    let mut check = vec!["check"];
    check.extend_from_slice(db);
    let out = ok(&qingtuan(&check, key, ""));
    assert!(out.contains("一致"), "{out}");
    acknowledged
}

async fn assert_all_stored(t: &TestApp, acknowledged: &[String]) {
    let stored: std::collections::HashSet<String> = t.strings("SELECT code FROM orgs").await.into_iter().collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|c| !stored.contains(*c)).collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_nine_in_the_write_loop_loses_no_acknowledged_write_sqlite() {
    let dir = temp_dir("kill");
    let data = dir.display().to_string();
    let acknowledged = tokio::task::spawn_blocking(move || kill_nine_in_the_write_loop(&["--data-dir", &data], None))
        .await
        .expect("drill");
    let t = TestApp::on(TestDb::sqlite_file(dir.join("qingtuan.sqlite")), qingtuan_web::WebConfig::default()).await;
    assert_all_stored(&t, &acknowledged).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_nine_in_the_write_loop_loses_no_acknowledged_write_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let url = db.url.clone();
    let acknowledged = tokio::task::spawn_blocking(move || {
        kill_nine_in_the_write_loop(&["--database", &url], Some(qingtuan_testkit::TEST_KEY))
    })
    .await
    .expect("drill");
    let t = TestApp::on(db, qingtuan_web::WebConfig::default()).await;
    assert_all_stored(&t, &acknowledged).await;
}

/// The import limits are configuration: a smaller limit refuses a file the default takes.
#[test]
fn import_limits_are_configured() {
    let dir = temp_dir("limits");
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data").display().to_string();
    ok(&qingtuan(&["org", "create", "CY", "团区委", "--kind", "district_committee", "--data-dir", &data], None, ""));
    let csv = dir.join("people.csv");
    std::fs::write(&csv, "姓名,性别\n甲,男\n乙,男\n丙,男\n丁,女\n").expect("csv");
    let config = dir.join("small.toml");
    std::fs::write(&config, "import_max_rows = 3\n").expect("config");
    let file = csv.display().to_string();
    let refused = qingtuan(
        &["import", "people", &file, "--dry-run", "--data-dir", &data, "--config", &config.display().to_string()],
        None,
        "",
    );
    one_line_failure(&refused, "文件过大：最多 3 行");
    ok(&qingtuan(&["import", "people", &file, "--dry-run", "--data-dir", &data], None, ""));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A new district set up the way the README says — regions and populations imported, the root
/// created with `qingtuan org create --region`, its orgs (one dissolved), people and posts
/// imported — gives the figures computed by hand: the per-10,000 figure divides by the district's
/// youth as resolved region by region, the root's post counts on past dates (its founding date
/// was left out: unknown, not today), and posts that contradict an org's dates are refused with
/// the dates.
fn set_up_a_district(db: &[&str], key: Option<&str>) {
    let dir = temp_dir("district");
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data").display().to_string();
    let db: Vec<&str> = if db.is_empty() { vec!["--data-dir", &data] } else { db.to_vec() };
    let run = |args: &[&str]| qingtuan(&[args, &db[..]].concat(), key, "");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write csv");
        path.display().to_string()
    };
    let regions = file(
        "regions.csv",
        "区域代码,区域名称,区域类型,上级区域代码\nCY,城阳区,district,\nCY01,城阳街道,street,CY\nCY02,流亭街道,street,CY\n\
         CY01-01,一社区,community,CY01\nCY02-01,二社区,community,CY02\n",
    );
    // The district has no record of its own; 城阳街道 has one (its community's must not be added
    // to it); 流亭街道 has none, so its community's stands for it.
    let populations = file(
        "populations.csv",
        "区域代码,年份,青年人口,数据来源\nCY01,2020,6000,统计局\nCY01,2022,8000,统计局\nCY01-01,2022,7000,统计局\n\
         CY02-01,2020,1000,统计局\nCY02-01,2022,2000,统计局\n",
    );
    ok(&run(&["import", "regions", &regions]));
    ok(&run(&["import", "populations", &populations]));
    one_line_failure(
        &run(&["org", "create", "CY", "城阳团区委", "--kind", "district_committee", "--region", "NOPE"]),
        "区域“NOPE”不存在",
    );
    ok(&run(&[
        "org",
        "create",
        "CY",
        "共青团城阳区委员会",
        "--kind",
        "district_committee",
        "--region",
        "CY",
        "--sector",
        "government",
    ]));
    let orgs = file(
        "orgs.csv",
        "组织代码,组织名称,组织类型,上级组织代码,领域代码,所在区域代码,组建方式,成立日期,撤销日期\n\
         CY01T,城阳街道团工委,working_committee,CY,street_community,CY01,,2010-01-01,\n\
         CY02T,流亭街道团工委,working_committee,CY,street_community,CY02,,2010-01-01,\n\
         OLD,旧社区团支部,branch,CY01T,street_community,CY01-01,,2015-01-01,2021-06-01\n\
         OLDC,旧团支部下属团小组,branch,OLD,street_community,CY01-01,,2016-01-01,2021-01-01\n",
    );
    ok(&run(&["import", "orgs", &orgs]));
    // Under a dissolved org only its history: an org still existing there is refused.
    let orphan = file(
        "orphan.csv",
        "组织代码,组织名称,组织类型,上级组织代码,领域代码,所在区域代码,组建方式,成立日期,撤销日期\n\
         ORPH,无主团支部,branch,OLD,street_community,CY01-01,,2016-01-01,\n",
    );
    let orphan = run(&["import", "orgs", &orphan]);
    assert!(!orphan.status.success());
    assert!(
        String::from_utf8_lossy(&orphan.stderr).contains("上级组织已于 2021-06-01 撤销"),
        "{}",
        String::from_utf8_lossy(&orphan.stderr)
    );
    let people = file(
        "people.csv",
        "姓名,性别,身份证号码\n甲,男,370214199505041232\n乙,女,370214199601012343\n丙,男,370214199702023455\n\
         丁,女,370214199803034567\n",
    );
    ok(&run(&["import", "people", &people]));
    let header = "身份证号码,组织代码,职务,任职方式,来源,挂兼职层级,任职日期,离任日期\n";
    // Refused, with the dates: a post before its org's founding, a post past its dissolution.
    let early = file("early.csv", &format!("{header}370214199505041232,CY01T,书记,兼职,两委委员,,2009-06-01,\n"));
    let early = run(&["import", "positions", &early]);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains("任职日期 2009-06-01 早于该组织的成立日期 2010-01-01"));
    let late = file("late.csv", &format!("{header}370214199505041232,OLD,书记,兼职,两委委员,,2016-01-01,\n"));
    let late = run(&["import", "positions", &late]);
    assert!(!late.status.success());
    assert!(String::from_utf8_lossy(&late.stderr).contains("2021-06-01"), "{}", String::from_utf8_lossy(&late.stderr));
    let posts = file(
        "positions.csv",
        &format!(
            "{header}370214199505041232,CY,工作人员,挂职,社会化选拔,区级,2019-01-01,\n\
             370214199601012343,CY01T,书记,兼职,两委委员,,2019-01-01,\n\
             370214199702023455,CY02T,书记,兼职,两委委员,,2021-03-01,\n\
             370214199803034567,OLD,书记,兼职,两委委员,,2016-01-01,2021-06-01\n"
        ),
    );
    ok(&run(&["import", "positions", &posts]));

    let report = ok(&run(&["report", "--as-of", "2022-05-31", "--baseline", "2020-12-31", "--format", "json"]));
    let r: serde_json::Value = serde_json::from_str(&report).expect("json");
    let value = |key: &str| (r[key]["value"].as_i64(), r[key]["baseline_value"].as_i64());
    // On 2022-05-31: 乙 (城阳街道) and 丙 (流亭街道) in the social domain; 丁's branch is gone.
    // On 2020-12-31: 乙 and 丁.
    assert_eq!(value("workforce.count"), (Some(2), Some(2)));
    // Youth: 2022 → 8,000 + 2,000 = 10,000 (not 17,000: 2 → 1); 2020 → 6,000 + 1,000 = 7,000.
    assert_eq!(value("workforce.per_10k_youth"), (Some(2), Some(3)));
    // 甲, seconded to the root (founding date unknown), counts on both dates.
    assert_eq!(value("cadres.seconded_part_time.district"), (Some(1), Some(1)));
    assert_eq!(value("org.social_domain.count"), (Some(2), Some(4)), "OLDC existed on the baseline, not after");
    // Dissolving through the CLI: the street's committee, with its posts, from 2022-01-01.
    one_line_failure(&run(&["org", "dissolve", "CY02T", "--on", "2022-01-01"]), "在岗职务");
    ok(&run(&["org", "dissolve", "CY02T", "--on", "2022-01-01", "--with-subtree"]));
    let report = ok(&run(&["report", "--as-of", "2022-05-31", "--baseline", "2020-12-31", "--format", "json"]));
    let r: serde_json::Value = serde_json::from_str(&report).expect("json");
    assert_eq!(r["workforce.count"]["value"].as_i64(), Some(1));
}

#[test]
fn a_district_set_up_as_the_readme_says_gives_the_figures_computed_by_hand_sqlite() {
    set_up_a_district(&[], None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_district_set_up_as_the_readme_says_gives_the_figures_computed_by_hand_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || set_up_a_district(&["--database", &url], Some(qingtuan_testkit::TEST_KEY)))
        .await
        .expect("set-up");
}
