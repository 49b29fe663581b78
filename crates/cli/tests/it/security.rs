//! CSRF, security headers, cookies behind a TLS proxy, body limits.

use qingtuan_testkit::{Backend, PASSWORD, TestApp, db_tests};
use qingtuan_web::{CookieSecure, WebConfig};

db_tests!(unsafe_requests_without_the_csrf_token_are_refused_and_logged);

async fn unsafe_requests_without_the_csrf_token_are_refused_and_logged(t: TestApp) {
    t.seed_tree().await;
    let victim = t.create_user("victim", "org_viewer", "S1").await;
    let admin = t.admin().await;
    admin.get("/dashboard").await;
    let other = t.login("victim").await;
    other.get("/dashboard").await;
    let foreign_token = other.csrf().expect("token");
    let path = format!("/users/{victim}/disable");

    let missing = admin.post_raw(&path, &[]).await;
    let foreign = admin.post_raw(&path, &[("_csrf", &foreign_token)]).await;
    let mut cross = admin.clone();
    cross.headers.push(("origin".into(), "https://evil.example".into()));
    let cross_site = cross.post(&path, &[]).await;
    let login_without = t.client().post_raw("/login", &[("username", "root"), ("password", PASSWORD)]).await;

    for res in [&missing, &foreign, &cross_site, &login_without] {
        assert_eq!(res.status, 403);
        assert!(res.text().contains("请求校验失败"));
    }
    assert_eq!(t.audit_count("security.csrf_rejected").await, 4);
    assert_eq!(t.audit_count("user.disable").await, 0);
    let same_origin = admin.post(&path, &[]).await;
    assert_eq!(same_origin.status, 303);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let c = t.client();
    for path in ["/login", "/no-such-page", "/static/app.css", "/healthz", "/api/v1/openapi.json"] {
        let res = c.get(path).await;
        let csp = res.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(res.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(res.header("referrer-policy").is_some(), "{path}");
        assert!(res.header("access-control-allow-origin").is_none(), "{path}");
    }
    assert_eq!(c.get("/no-such-page").await.status, 404);
    assert_eq!(c.get("/users").await.location(), Some("/login"), "pages need a login");
    assert_eq!(c.get("/api/v1/users").await.status, 401, "the API answers 401");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let c = t.client();
    c.get("/login").await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = c.post("/login", &[("username", &huge), ("password", "x")]).await;
    assert_eq!(res.status, 413);
}

#[tokio::test]
async fn cookies_are_secure_behind_a_tls_proxy() {
    let config = WebConfig { cookie_secure: CookieSecure::Auto, trust_proxy: true };
    let t = TestApp::spawn_with(Backend::Sqlite, config).await;
    t.seed_tree().await;
    t.create_user("tls", "org_viewer", "S1").await;
    let mut c = t.client();
    c.headers.push(("x-forwarded-proto".into(), "https".into()));
    c.headers.push(("x-forwarded-for".into(), "203.0.113.9".into()));

    let res = c.login("tls", PASSWORD).await;

    let cookie = res.set_cookies().into_iter().find(|c| c.starts_with("__Host-qt_session=")).expect("__Host- cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(res.header("strict-transport-security").is_some());
    let admin = t.admin().await;
    assert!(admin.get("/logins").await.text().contains("203.0.113.9"), "client address from the trusted proxy");
}

#[tokio::test]
async fn sessions_and_lockouts_are_shared_by_servers_on_one_database() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = TestApp::on(first.db.clone(), WebConfig::default()).await;
    first.seed_tree().await;
    first.create_user("shared", "org_viewer", "S1").await;

    let browser = first.login("shared").await;
    let session = browser.cookie("qt_session").expect("session");
    let elsewhere = second.client();
    elsewhere.set_cookie("qt_session", &session);
    assert_eq!(elsewhere.get("/dashboard").await.status, 200, "a session opened on one server works on the other");
    elsewhere.post("/logout", &[]).await;
    assert_eq!(browser.get("/dashboard").await.location(), Some("/login"), "logout on one ends it on both");

    for app in [&first, &second, &first, &second, &first] {
        app.client().login("shared", "Wrong-Pass-2026!").await;
    }
    assert_eq!(second.client().login("shared", PASSWORD).await.status, 200, "failures counted across servers");
}

/// After confirming the password the user goes back to a page of this site only: a tab, a
/// newline or a backslash cannot turn `next` into another site, and none causes a server error.
async fn reauthentication_never_sends_anyone_off_the_site(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    for encoded in ["%2F%09%2Fevil.example", "%2F%0D%0AX-Injected%3A%201", "%2F%5Cevil.example", "%2F%2Fevil.example"] {
        let page = admin.get(&format!("/reauth?next={encoded}")).await;
        assert_eq!(page.status, 200, "{encoded}");
        assert!(!page.text().contains("evil.example") && !page.text().contains("X-Injected"), "{encoded}");
    }
    for next in
        ["/\t/evil.example", "/\r\nX-Injected: 1", "/\\evil.example", "//evil.example", "/\u{3000}/evil.example"]
    {
        let res = admin.post("/reauth", &[("password", PASSWORD), ("next", next)]).await;
        assert_eq!(res.status, 303, "{next:?}");
        assert_eq!(res.location(), Some("/dashboard"), "{next:?}");
    }
    let res = admin.post("/reauth", &[("password", PASSWORD), ("next", "/people?q=1")]).await;
    assert_eq!(res.location(), Some("/people?q=1"), "a path on this site is followed");
}

db_tests!(reauthentication_never_sends_anyone_off_the_site);

/// Every status has a page in Chinese: a GET on an address that only takes a form gets one (not
/// the browser's English "HTTP ERROR 405"), and the public portal's missing pages speak to the
/// public, not to staff.
async fn error_pages_speak_chinese_to_whoever_is_reading(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let res = admin.get("/volunteering/settings").await;
    assert_eq!(res.status, 405);
    assert!(res.text().contains("这个地址不能直接打开"), "{}", res.text());
    let visitor = t.client();
    for path in ["/portal/no-such-page", "/portal/activities/999999", "/portal/calls/999999"] {
        let res = visitor.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        let text = res.text();
        assert!(text.contains("看看正在招募的活动") && text.contains("青春志愿"), "{path}: {text}");
        assert!(!text.contains("数据范围") && !text.contains("工作台"), "{path}: {text}");
    }
    let staff = admin.get("/orgs/999999").await;
    assert_eq!(staff.status, 404);
    assert!(staff.text().contains("返回工作台"), "staff pages keep theirs");
    // An address edited by hand: a parameter that does not parse is named in Chinese; an id that
    // is not a number is a page that does not exist — never the framework's English 400.
    for path in ["/orgs?page=abc", "/people?page=-1", "/volunteering?page=1e9", "/audit?page=x"] {
        let res = admin.get(path).await;
        assert_eq!(res.status, 422, "{path}");
        assert!(
            res.text().contains("查询参数“page”格式不正确") && res.text().contains("返回工作台"),
            "{path}: {}",
            res.text()
        );
    }
    for path in ["/orgs/abc", "/volunteering/shifts/1.5", "/people/%E4%B8%80"] {
        let res = admin.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        assert!(res.text().contains("返回工作台") && !res.text().contains("Invalid"), "{path}: {}", res.text());
    }
    let res = visitor.get("/portal/calls/abc").await;
    assert!(res.status == 404 && res.text().contains("青春志愿"), "{}", res.text());
}

db_tests!(error_pages_speak_chinese_to_whoever_is_reading);
