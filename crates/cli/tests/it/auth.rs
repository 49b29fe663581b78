//! Logging in, lock-out, sessions and passwords, as a browser sees them.

use chrono::TimeDelta;
use qingtuan_testkit::{PASSWORD, TestApp, db_tests};

db_tests!(
    login_opens_a_new_session_and_reaches_the_dashboard,
    unknown_user_and_wrong_password_get_the_same_answer,
    five_failures_lock_the_account_for_thirty_minutes,
    idle_sessions_end_after_thirty_minutes,
    logout_ends_the_session_for_good,
    one_time_password_must_be_changed_before_anything_else,
    password_change_enforces_the_policy_and_ends_other_sessions,
    disabling_a_user_ends_their_sessions_at_once,
    usernames_are_unique_ignoring_case_and_width,
    a_password_older_than_ninety_days_must_be_changed,
    accounts_unused_for_ninety_days_are_disabled,
    a_dormant_accounts_tokens_stop,
);

async fn login_opens_a_new_session_and_reaches_the_dashboard(t: TestApp) {
    t.seed_tree().await;
    t.create_user("alice", "district_admin", "D").await;
    let browser = t.client();
    browser.set_cookie("qt_session", "attacker-fixed-value");

    let res = browser.login("alice", PASSWORD).await;

    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/dashboard"));
    let session = browser.cookie("qt_session").expect("session cookie");
    assert_ne!(session, "attacker-fixed-value");
    assert!(session.len() >= 43, "256-bit token");
    let cookie = res.set_cookies().into_iter().find(|c| c.starts_with("qt_session=")).expect("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP on localhost: {cookie}");
    let dash = browser.get("/dashboard").await;
    assert_eq!(dash.status, 200);
    assert_eq!(dash.text_of_id("current-user").as_deref(), Some("alice 的姓名"));
    assert!(dash.text().contains("数据范围：测试区团委（团区委管理员）"));
    assert_eq!(t.audit_count("auth.login").await, 1);
}

async fn unknown_user_and_wrong_password_get_the_same_answer(t: TestApp) {
    t.seed_tree().await;
    t.create_user("bob", "org_viewer", "S1").await;
    let strip = |html: String| html.lines().filter(|l| !l.contains("_csrf")).collect::<Vec<_>>().join("\n");

    let wrong = t.client().login("bob", "Wrong-Pass-2026!").await;
    let unknown = t.client().login("nosuchuser", "Wrong-Pass-2026!").await;

    assert_eq!(wrong.status, 200);
    assert_eq!(unknown.status, 200);
    let (a, b) = (strip(wrong.text()), strip(unknown.text()).replace("nosuchuser", "bob"));
    assert_eq!(a, b);
    assert!(a.contains("用户名或密码错误"));
    assert_eq!(t.audit_count("auth.login_failed").await, 2);
}

async fn five_failures_lock_the_account_for_thirty_minutes(t: TestApp) {
    t.seed_tree().await;
    t.create_user("carol", "org_viewer", "S1").await;
    let browser = t.client();
    for _ in 0..5 {
        let res = browser.login("carol", "Wrong-Pass-2026!").await;
        assert_eq!(res.status, 200);
    }

    let locked = browser.login("carol", PASSWORD).await;
    assert_eq!(locked.status, 200, "the right password is refused while locked");
    assert!(locked.text().contains("用户名或密码错误"));
    t.clock.advance(TimeDelta::minutes(29));
    assert_eq!(browser.login("carol", PASSWORD).await.status, 200);
    t.clock.advance(TimeDelta::minutes(2));
    assert_eq!(browser.login("carol", PASSWORD).await.status, 303);

    assert_eq!(t.audit_count("auth.locked").await, 1);
    assert_eq!(t.audit_count("auth.login_failed").await, 7);
    assert_eq!(t.audit_count("auth.login").await, 1);
    // Unknown names lock the same way, so lock-out reveals nothing about who exists.
    for _ in 0..5 {
        t.client().login("ghost", "Wrong-Pass-2026!").await;
    }
    assert_eq!(t.audit_count("auth.locked").await, 2);
}

async fn idle_sessions_end_after_thirty_minutes(t: TestApp) {
    t.seed_tree().await;
    t.create_user("dave", "org_viewer", "S1").await;
    let browser = t.login("dave").await;
    t.clock.advance(TimeDelta::minutes(29));
    assert_eq!(browser.get("/dashboard").await.status, 200, "activity at 29 minutes keeps the session");
    t.clock.advance(TimeDelta::minutes(29));
    assert_eq!(browser.get("/dashboard").await.status, 200, "29 minutes after the last request");
    t.clock.advance(TimeDelta::minutes(31));
    let res = browser.get("/dashboard").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/login"));
}

async fn logout_ends_the_session_for_good(t: TestApp) {
    t.seed_tree().await;
    t.create_user("erin", "org_viewer", "S1").await;
    let browser = t.login("erin").await;
    let old = browser.cookie("qt_session").expect("session");
    browser.get("/dashboard").await;

    let res = browser.post("/logout", &[]).await;

    assert_eq!(res.status, 303);
    assert!(browser.cookie("qt_session").is_none(), "cookie cleared");
    let replay = t.client();
    replay.set_cookie("qt_session", &old);
    assert_eq!(replay.get("/dashboard").await.location(), Some("/login"));
    assert_eq!(t.audit_count("auth.logout").await, 1);
}

async fn one_time_password_must_be_changed_before_anything_else(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let page = admin.get("/users/new").await;
    assert_eq!(page.status, 200);
    let created = admin
        .post(
            "/users",
            &[("username", "Frank"), ("display_name", "冯兰克"), ("role_code", "org_viewer"), ("scope_code", "S1")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let otp = created.text_of_id("one-time-password").expect("one-time password shown");

    let frank = t.client();
    assert_eq!(frank.login("frank", &otp).await.status, 303);
    for path in ["/dashboard", "/users", "/account", "/audit"] {
        let res = frank.get(path).await;
        assert_eq!(res.location(), Some("/account/password"), "{path}");
    }
    assert_eq!(frank.get("/api/v1/me").await.status, 401);
    let form = frank.get("/account/password").await;
    assert!(form.text().contains("请先设置新密码"));
    let done = frank
        .post("/account/password", &[("current", &otp), ("new", "New-Secret-Pass-7"), ("confirm", "New-Secret-Pass-7")])
        .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(frank.get("/dashboard").await.status, 200);
}

async fn password_change_enforces_the_policy_and_ends_other_sessions(t: TestApp) {
    t.seed_tree().await;
    t.create_user("gina", "org_viewer", "S1").await;
    let laptop = t.login("gina").await;
    let phone = t.login("gina").await;
    laptop.get("/account/password").await;

    let weak = laptop
        .post("/account/password", &[("current", PASSWORD), ("new", "abcdefghijkl"), ("confirm", "abcdefghijkl")])
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.text().contains("至少三类"));
    let common = laptop
        .post("/account/password", &[("current", PASSWORD), ("new", "P@ssw0rd123!"), ("confirm", "P@ssw0rd123!")])
        .await;
    assert!(common.text().contains("过于常见"));
    let wrong_current = laptop
        .post("/account/password", &[("current", "nope"), ("new", "Fresh-Secret-42"), ("confirm", "Fresh-Secret-42")])
        .await;
    assert!(wrong_current.text().contains("当前密码不正确"));

    let ok = laptop
        .post("/account/password", &[("current", PASSWORD), ("new", "Fresh-Secret-42"), ("confirm", "Fresh-Secret-42")])
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(laptop.get("/dashboard").await.status, 200, "this browser stays logged in");
    assert_eq!(phone.get("/dashboard").await.location(), Some("/login"), "other sessions end");
    assert_eq!(t.client().login("gina", "Fresh-Secret-42").await.status, 303);
}

async fn disabling_a_user_ends_their_sessions_at_once(t: TestApp) {
    t.seed_tree().await;
    let hank = t.create_user("hank", "org_viewer", "S1").await;
    let hank_browser = t.login("hank").await;
    assert_eq!(hank_browser.get("/dashboard").await.status, 200);
    let admin = t.admin().await;
    admin.get(&format!("/users/{hank}")).await;

    let res = admin.post(&format!("/users/{hank}/disable"), &[]).await;

    assert_eq!(res.status, 303);
    assert_eq!(hank_browser.get("/dashboard").await.location(), Some("/login"));
    assert_eq!(t.client().login("hank", PASSWORD).await.status, 200, "disabled accounts cannot log in");
    admin.get(&format!("/users/{hank}")).await;
    admin.post(&format!("/users/{hank}/enable"), &[]).await;
    assert_eq!(t.client().login("hank", PASSWORD).await.status, 303);
}

async fn usernames_are_unique_ignoring_case_and_width(t: TestApp) {
    t.seed_tree().await;
    t.create_user("admin1", "org_viewer", "S1").await;
    let admin = t.admin().await;
    for name in ["Admin1", "ａｄｍｉｎ１"] {
        admin.get("/users/new").await;
        let res = admin
            .post(
                "/users",
                &[("username", name), ("display_name", "重复"), ("role_code", "org_viewer"), ("scope_code", "S1")],
            )
            .await;
        assert_eq!(res.status, 422, "{name}");
        assert!(res.text().contains("该用户名已被使用"), "{name}");
    }
}

#[tokio::test]
async fn one_address_is_throttled_after_a_hundred_attempts_an_hour_sqlite() {
    one_address_is_throttled(qingtuan_testkit::Backend::Sqlite).await
}

#[tokio::test]
async fn one_address_is_throttled_after_a_hundred_attempts_an_hour_postgres() {
    one_address_is_throttled(qingtuan_testkit::Backend::Postgres).await
}

/// Beyond each account's lockout, one address gets 100 failed logins an hour; others are served.
async fn one_address_is_throttled(backend: qingtuan_testkit::Backend) {
    let config = qingtuan_web::WebConfig { trust_proxy: true, ..qingtuan_web::WebConfig::default() };
    let t = TestApp::spawn_with(backend, config).await;
    t.seed_tree().await;
    t.create_user("victim", "org_viewer", "S1").await;
    let from = |addr: &str| {
        let mut c = t.client();
        c.headers.push(("x-forwarded-for".into(), addr.into()));
        c
    };
    let attacker = from("198.51.100.7");
    assert_eq!(attacker.login("guess0", "wrong").await.status, 200, "refused as any wrong password is");
    // Successful logins from there do not count.
    assert_eq!(from("198.51.100.7").login("victim", PASSWORD).await.status, 303);
    // 97 more guesses (each a fresh name, so no account locks), counted as the product counts them.
    let more =
        t.execute_sql("UPDATE rate_limits SET hits = hits + 97 WHERE key LIKE 'login:addr:%' AND hits = 1").await;
    assert_eq!(more, Ok(1), "one address has failed once");
    for n in [99, 100] {
        let res = attacker.post("/login", &[("username", &format!("guess{n}")), ("password", "wrong")]).await;
        assert_eq!(res.status, 200, "attempt {n}");
    }

    let throttled = attacker.post("/login", &[("username", "victim"), ("password", PASSWORD)]).await;

    assert_eq!(throttled.status, 429, "the 101st, even with the right password");
    assert_eq!(throttled.header("retry-after"), Some("3600"));
    assert!(throttled.text().contains("尝试过于频繁"));
    assert_eq!(t.audit_count("security.rate_limited").await, 1);
    assert_eq!(from("203.0.113.5").login("victim", PASSWORD).await.status, 303, "another address is served");
    t.clock.advance(TimeDelta::minutes(61));
    assert_eq!(attacker.login("victim", PASSWORD).await.status, 303, "an hour later");
}

async fn a_password_older_than_ninety_days_must_be_changed(t: TestApp) {
    t.seed_tree().await;
    t.create_user("olga", "org_viewer", "S1").await;
    t.clock.advance(TimeDelta::days(89));
    let browser = t.client();
    assert_eq!(browser.login("olga", PASSWORD).await.status, 303);
    assert_eq!(browser.get("/dashboard").await.status, 200, "day 89");

    t.clock.advance(TimeDelta::days(2));
    let browser = t.client();
    assert_eq!(browser.login("olga", PASSWORD).await.status, 303);
    for path in ["/dashboard", "/people", "/orgs"] {
        let res = browser.get(path).await;
        assert_eq!(res.location(), Some("/account/password"), "day 91: {path}");
    }
    assert!(browser.get("/account/password").await.text().contains("密码已超过规定期限未更换"));
    let changed = browser
        .post(
            "/account/password",
            &[("current", PASSWORD), ("new", "Fresh-Secret-Pass-8"), ("confirm", "Fresh-Secret-Pass-8")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text());
    assert_eq!(browser.get("/dashboard").await.status, 200, "changed today");
}

async fn accounts_unused_for_ninety_days_are_disabled(t: TestApp) {
    t.seed_tree().await;
    for name in ["dora", "eve", "ada"] {
        t.create_user(name, "org_viewer", "S1").await;
    }
    t.clock.advance(TimeDelta::days(30));
    assert_eq!(t.client().login("ada", PASSWORD).await.status, 303, "ada logs in on day 30");
    t.clock.advance(TimeDelta::days(61));

    // Day 91: dora's first login since her account was made is refused, and disables it.
    let dora = t.client().login("dora", PASSWORD).await;
    assert_eq!(dora.status, 200);
    assert!(dora.text().contains("用户名或密码错误"));
    assert_eq!(t.audit_count("auth.dormant_disabled").await, 1);
    assert_eq!(t.client().login("dora", PASSWORD).await.status, 200, "stays disabled");
    // The daily run disables eve (never logged in), not ada (61 days ago), nor dora again.
    assert_eq!(qingtuan_app::access::auth::disable_dormant_accounts(&t.app).await.expect("run"), 1);
    assert_eq!(t.audit_count("auth.dormant_disabled").await, 2);
    assert_eq!(t.client().login("eve", PASSWORD).await.status, 200);
    assert_eq!(t.client().login("ada", PASSWORD).await.status, 303);
    let admin = t.admin().await;
    assert!(admin.get("/audit").await.text().contains("长期未使用的账户自动停用"));
    // Re-enabled by an admin, the account gets a fresh 90 days.
    let dora_id = t.user_id("dora").await;
    admin.get("/users").await;
    assert_eq!(admin.post(&format!("/users/{dora_id}/enable"), &[]).await.status, 303);
    assert_eq!(t.client().login("dora", PASSWORD).await.status, 303, "not dormant again at once");

    // Upgrading a database from before logins were recorded counts every account as used then.
    t.execute_sql("ALTER TABLE users DROP COLUMN last_login_at").await.expect("drop");
    t.execute_sql("DELETE FROM seaql_migrations WHERE version = 'm0012_last_login'").await.expect("forget");
    t.migrate_again().await;
    let stamped = t.execute_sql("UPDATE users SET username = username WHERE last_login_at IS NOT NULL").await;
    assert_eq!(stamped, Ok(4), "dora, eve, ada and root");
}

/// An API token stops with its dormant account, before the daily run disables it.
async fn a_dormant_accounts_tokens_stop(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/account").await;
    let token = admin.post("/account/tokens", &[("name", "nightly export")]).await;
    assert_eq!(token.status, 200, "{}", token.text());
    let secret = token.text_of_id("new-token").expect("the token is shown once");
    let api = t.client();
    assert_eq!(api.get_with_bearer("/api/v1/me", &secret).await.status, 200);
    t.clock.advance(TimeDelta::days(89));
    assert_eq!(api.get_with_bearer("/api/v1/me", &secret).await.status, 200, "day 89");
    t.clock.advance(TimeDelta::days(2));
    assert_eq!(api.get_with_bearer("/api/v1/me", &secret).await.status, 401, "day 91");
}
