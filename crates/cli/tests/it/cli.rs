//! The `qingtuan` binary: account creation, and one clear line for every bad start-up input.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use qingtuan_testkit::{Backend, TestDb};

/// A master key for the tests' databases (32 bytes, base64url).
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

fn qingtuan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qingtuan"))
        .args(args)
        .env_remove("QINGTUAN_DATABASE_URL")
        .env("QINGTUAN_SECRET_KEY", KEY)
        .env("QINGTUAN_LOG", "error")
        .output()
        .expect("run qingtuan")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qingtuan-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Fails with exactly one line on stderr, in Chinese, with no panic.
fn assert_one_line_failure(out: &Output, expect: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("qingtuan: "), "{stderr}");
    assert!(stderr.contains(expect), "expected “{expect}” in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn creating_an_account_prints_a_one_time_password_once() {
    let dir = temp_dir("user");
    let data = dir.to_str().expect("utf-8 path");
    let org = qingtuan(&["org", "create", "CY", "城阳团区委", "--kind", "district_committee", "--data-dir", data]);
    assert!(org.status.success(), "{}", String::from_utf8_lossy(&org.stderr));

    let out = qingtuan(&["user", "create", "boss", "--role", "district_admin", "--scope", "CY", "--data-dir", data]);

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("一次性密码："), "{stdout}");
    let again = qingtuan(&["user", "create", "BOSS", "--role", "district_admin", "--scope", "CY", "--data-dir", data]);
    assert_one_line_failure(&again, "该用户名已被使用");
    let weak = Command::new(env!("CARGO_BIN_EXE_qingtuan"))
        .args([
            "user",
            "create",
            "weak",
            "--role",
            "org_viewer",
            "--scope",
            "CY",
            "--password-stdin",
            "--data-dir",
            data,
        ])
        .env("QINGTUAN_SECRET_KEY", KEY)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().expect("stdin").write_all(b"password\n")?;
            child.wait_with_output()
        })
        .expect("run");
    assert_one_line_failure(&weak, "密码至少需要 12 个字符");
    let bad_scope =
        qingtuan(&["user", "create", "nobody", "--role", "org_viewer", "--scope", "NOPE", "--data-dir", data]);
    assert_one_line_failure(&bad_scope, "没有找到组织“NOPE”");

    // The only district admin, locked out (password and phone lost), is recovered on the server.
    let reset = qingtuan(&["user", "reset", "Boss", "--second-factor", "--data-dir", data]);
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    let stdout = String::from_utf8_lossy(&reset.stdout);
    assert!(stdout.contains("已重置 Boss 的密码") && stdout.contains("两步验证已移除"), "{stdout}");
    assert_one_line_failure(&qingtuan(&["user", "reset", "ghost", "--data-dir", data]), "没有用户名为“ghost”的账户");
}

#[test]
fn bad_start_up_input_gives_one_clear_line() {
    let dir = temp_dir("bad");
    let config = dir.join("bad.toml");
    std::fs::write(&config, "bind = \"127.0.0.1:0\"\ncolour = \"red\"\n").expect("write config");
    let corrupt_dir = dir.join("corrupt");
    std::fs::create_dir_all(&corrupt_dir).expect("dir");
    std::fs::write(corrupt_dir.join("qingtuan.sqlite"), vec![0x42_u8; 8192]).expect("write junk");
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "not a directory").expect("write file");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let busy_addr = busy.local_addr().expect("addr").to_string();
    let ok_dir = dir.join("ok");

    let cases: [(Vec<String>, &str); 6] = [
        (vec!["serve".into(), "--config".into(), config.display().to_string()], "配置文件"),
        (vec!["serve".into(), "--database".into(), "postgres://postgres@127.0.0.1:1/none".into()], "无法打开数据库"),
        (vec!["serve".into(), "--data-dir".into(), corrupt_dir.display().to_string()], "file is not a database"),
        (vec!["serve".into(), "--data-dir".into(), blocker.join("sub").display().to_string()], "无法创建数据目录"),
        (
            vec!["serve".into(), "--data-dir".into(), ok_dir.display().to_string(), "--bind".into(), busy_addr.clone()],
            "无法监听地址",
        ),
        (vec!["serve".into(), "--bind".into(), "not-an-address".into()], "监听地址"),
    ];
    for (args, expect) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_one_line_failure(&qingtuan(&args), expect);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Two real `qingtuan serve` processes on one PostgreSQL database behave as one server.
#[tokio::test(flavor = "multi_thread")]
async fn two_server_processes_share_sessions_and_lockouts() {
    let db = TestDb::new(Backend::Postgres).await;
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_qingtuan"))
            .args(args)
            .args(["--database", &db.url])
            .env("QINGTUAN_SECRET_KEY", KEY)
            .env("QINGTUAN_LOG", "error")
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["org", "create", "CY", "团区委", "--kind", "district_committee"]);
    let mut child_user = Command::new(env!("CARGO_BIN_EXE_qingtuan"))
        .args([
            "user",
            "create",
            "twin",
            "--role",
            "org_viewer",
            "--scope",
            "CY",
            "--password-stdin",
            "--database",
            &db.url,
        ])
        .env("QINGTUAN_SECRET_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    child_user.stdin.take().expect("stdin").write_all(b"Paired-Hosts-2026\n").expect("write");
    assert!(child_user.wait().expect("wait").success());

    let ports = [free_port(), free_port()];
    let mut servers: Vec<_> = ports
        .iter()
        .map(|port| {
            Command::new(env!("CARGO_BIN_EXE_qingtuan"))
                .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database", &db.url])
                .env("QINGTUAN_SECRET_KEY", KEY)
                .env("QINGTUAN_LOG", "error")
                .stdout(Stdio::null())
                .spawn()
                .expect("spawn server")
        })
        .collect();
    let result = tokio::task::spawn_blocking(move || exercise_two_servers(ports)).await;
    for s in &mut servers {
        let _ = s.kill();
        let _ = s.wait();
    }
    result.expect("no panic in the scenario");
}

fn exercise_two_servers(ports: [u16; 2]) {
    let base: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}")).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    for b in &base {
        while ureq::get(&format!("{b}/readyz")).call().is_err() {
            assert!(Instant::now() < deadline, "server {b} did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let login = |server: &str, password: &str| -> (u16, Option<String>) {
        let page = agent.get(&format!("{server}/login")).call().expect("login page");
        let cookie = page.header("set-cookie").expect("csrf cookie").split(';').next().expect("pair").to_owned();
        let html = page.into_string().expect("html");
        let marker = "name=\"_csrf\" value=\"";
        let start = html.find(marker).expect("token") + marker.len();
        let token = &html[start..start + html[start..].find('"').expect("end")];
        let res = agent
            .post(&format!("{server}/login"))
            .set("cookie", &cookie)
            .send_form(&[("_csrf", token), ("username", "twin"), ("password", password)])
            .expect("post login");
        let session = res
            .header("set-cookie")
            .filter(|c| c.starts_with("qt_session="))
            .map(|c| c.split(';').next().expect("pair").to_owned());
        (res.status(), session)
    };
    let dashboard = |server: &str, session: &str| {
        agent.get(&format!("{server}/dashboard")).set("cookie", session).call().expect("get").status()
    };

    let (status, session) = login(&base[0], "Paired-Hosts-2026");
    assert_eq!(status, 303);
    let session = session.expect("session cookie");
    assert_eq!(dashboard(&base[1], &session), 200, "the other server knows the session");

    for (i, server) in base.iter().cycle().take(5).enumerate() {
        assert_eq!(login(server, "Wrong-Pass-2026").0, 200, "failure {i}");
    }
    assert_eq!(login(&base[1], "Paired-Hosts-2026").0, 200, "locked on every server after 5 failures spread over two");
}
