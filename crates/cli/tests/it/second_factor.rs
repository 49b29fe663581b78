//! The second factor (TOTP with recovery codes) and the lock-out that cannot be turned against
//! the owner, as a browser sees them.

use chrono::TimeDelta;
use qingtuan_app::access::second_factor::{code_for_step, from_base32, step_at};
use qingtuan_app::clock::Clock;
use qingtuan_testkit::{PASSWORD, TestApp, TestClient, TestResponse, db_tests};

db_tests!(
    a_second_factor_is_enrolled_then_asked_at_login_and_at_reauthentication,
    codes_are_accepted_one_step_either_side_and_only_once,
    a_recovery_code_logs_in_once,
    a_role_marked_by_the_district_requires_enrolment_before_anything_else,
    an_administrator_resets_a_lost_second_factor_by_the_granting_rule,
    nobody_elsewhere_can_lock_the_owner_out_of_their_usual_browser,
    five_wrong_reauthentications_end_the_session,
);

/// Enrols `client`'s user: starts, reads the secret off the page, confirms with the current code.
/// Returns the secret and the recovery codes shown.
async fn enrol(t: &TestApp, client: &TestClient) -> (Vec<u8>, Vec<String>) {
    assert!(client.get("/account/second-factor").await.text().contains("启用两步验证"));
    let started = client.post("/account/second-factor/start", &[]).await;
    assert_eq!(started.status, 200, "{}", started.text());
    assert!(started.text().contains("<svg"), "a QR code for the app");
    let secret = from_base32(&started.text_of_id("totp-secret").expect("the secret is shown")).expect("base32");
    assert_eq!(secret.len(), 20, "160-bit secret (RFC 4226)");
    let wrong = client.post("/account/second-factor/confirm", &[("code", &other_code(&secret, t))]).await;
    assert_eq!(wrong.status, 422, "a wrong first code enables nothing");
    let code = code_for_step(&secret, step_at(t.clock.now()));
    let confirmed = client.post("/account/second-factor/confirm", &[("code", &code)]).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    let codes: Vec<String> = confirmed
        .text()
        .split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next().map(str::to_owned))
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    (secret, codes)
}

/// A six-digit code that is not valid now (nor one step either side).
fn other_code(secret: &[u8], t: &TestApp) -> String {
    let now = step_at(t.clock.now());
    let valid: Vec<String> = (now - 1..=now + 1).map(|s| code_for_step(secret, s)).collect();
    (0..).map(|i| format!("{:06}", 123_456 + i)).find(|c| !valid.contains(c)).unwrap_or_default()
}

/// Password step of a login; asserts the code is asked next.
async fn password_step(client: &TestClient, username: &str) {
    let res = client.login(username, PASSWORD).await;
    assert_eq!(res.status, 200, "no session yet: {}", res.text());
    assert!(res.text().contains("动态码或恢复码"), "{}", res.text());
    assert!(client.cookie("qt_session").is_none());
}

async fn logout(client: &TestClient) {
    assert_eq!(client.get("/account").await.status, 200);
    assert_eq!(client.post("/logout", &[]).await.location(), Some("/login"));
}

async fn second_step(client: &TestClient, code: &str) -> TestResponse {
    client.post("/login/second-factor", &[("code", code)]).await
}

async fn a_second_factor_is_enrolled_then_asked_at_login_and_at_reauthentication(t: TestApp) {
    t.seed_tree().await;
    t.create_user("erin", "org_viewer", "S1").await;
    let browser = t.login("erin").await;
    assert!(browser.get("/account").await.text().contains("/account/second-factor"));
    let (secret, _) = enrol(&t, &browser).await;
    let page = browser.get("/account/second-factor").await;
    assert!(page.text_of_id("second-factor-status").unwrap_or_default().contains("已启用"));
    assert!(page.text().contains("剩余恢复码 10 个"));
    logout(&browser).await;

    let phone_user = t.client();
    password_step(&phone_user, "erin").await;
    assert_eq!(phone_user.get("/dashboard").await.location(), Some("/login"), "the password alone opens nothing");
    // The confirming code's step is used up: the same code again is refused.
    let replay = second_step(&phone_user, &code_for_step(&secret, step_at(t.clock.now()))).await;
    assert_eq!(replay.status, 200);
    assert!(replay.text().contains("验证码不正确、已使用或已过期"));
    t.clock.advance(TimeDelta::seconds(30));
    let ok = second_step(&phone_user, &code_for_step(&secret, step_at(t.clock.now()))).await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert_eq!(ok.location(), Some("/dashboard"));
    assert_eq!(phone_user.get("/dashboard").await.status, 200);

    // A challenge older than five minutes is worthless, whatever the code.
    let slow = t.client();
    password_step(&slow, "erin").await;
    t.clock.advance(TimeDelta::minutes(6));
    assert_eq!(second_step(&slow, &code_for_step(&secret, step_at(t.clock.now()))).await.status, 200);

    // Re-authentication asks for the code too (the login was more than five minutes ago).
    let reauth = phone_user.get("/reauth?next=/users").await;
    assert!(reauth.text().contains("name=\"code\""));
    let password_only = phone_user.post("/reauth", &[("next", "/users"), ("password", PASSWORD)]).await;
    assert_eq!(password_only.status, 422);
    let code = code_for_step(&secret, step_at(t.clock.now()));
    let both = phone_user.post("/reauth", &[("next", "/users"), ("password", PASSWORD), ("code", &code)]).await;
    assert_eq!(both.status, 303);
    assert_eq!(both.location(), Some("/users"));

    assert_eq!(t.audit_count("auth.second_factor_enabled").await, 1);
    // The replayed code; the stale challenge was refused before any code was tried.
    assert_eq!(t.audit_count("auth.second_factor_failed").await, 1);
    assert_eq!(t.audit_count("auth.reauth_failed").await, 1);
    let stored = t.strings("SELECT totp_secret FROM users WHERE username = 'erin'").await;
    assert!(
        !stored[0].contains(&qingtuan_app::access::second_factor::base32(&secret)),
        "the secret is encrypted at rest"
    );
}

async fn codes_are_accepted_one_step_either_side_and_only_once(t: TestApp) {
    t.seed_tree().await;
    t.create_user("fay", "org_viewer", "S1").await;
    let (secret, _) = enrol(&t, &t.login("fay").await).await;
    // To the last second of a step: the edges are the neighbouring steps, wherever in it we are.
    t.clock.advance(TimeDelta::seconds(10 * 30 - 1));
    let n = step_at(t.clock.now());
    assert_eq!(step_at(t.clock.now() + TimeDelta::seconds(1)), n + 1, "the clock is at a step's last second");
    for (step, accepted) in
        [(n - 2, false), (n + 2, false), (n - 1, true), (n - 1, false), (n, true), (n + 1, true), (n, false)]
    {
        let browser = t.client();
        password_step(&browser, "fay").await;
        let res = second_step(&browser, &code_for_step(&secret, step)).await;
        assert_eq!(res.status == 303, accepted, "step {} relative to now: {}", step - n, res.text());
    }
}

async fn a_recovery_code_logs_in_once(t: TestApp) {
    t.seed_tree().await;
    t.create_user("gus", "org_viewer", "S1").await;
    let (_, codes) = enrol(&t, &t.login("gus").await).await;
    let browser = t.client();
    password_step(&browser, "gus").await;
    // Typed as people type: upper case, with spaces.
    let typed = format!(" {} ", codes[3].to_uppercase());
    assert_eq!(second_step(&browser, &typed).await.status, 303);
    let again = t.client();
    password_step(&again, "gus").await;
    assert_eq!(second_step(&again, &codes[3]).await.status, 200, "a recovery code works once");
    assert_eq!(second_step(&again, &codes[4]).await.status, 303);
    assert!(again.get("/account/second-factor").await.text().contains("剩余恢复码 8 个"));
    assert_eq!(t.audit_count("auth.recovery_code_used").await, 2);
}

async fn a_role_marked_by_the_district_requires_enrolment_before_anything_else(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    t.create_user("hal", "org_viewer", "S1").await;
    let role_id = t.scalar("SELECT id FROM roles WHERE code = 'org_viewer'").await;
    let permissions = t.strings(&format!("SELECT permission FROM role_permissions WHERE role_id = {role_id}")).await;
    let mut fields: Vec<(&str, &str)> = permissions.iter().map(|p| ("permission", p.as_str())).collect();
    fields.push(("requires_second_factor", "on"));
    assert!(admin.get(&format!("/roles/{role_id}/edit")).await.text().contains("name=\"requires_second_factor\""));
    let saved = admin.post(&format!("/roles/{role_id}"), &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert!(admin.get("/roles").await.text().contains("须两步验证"));
    assert_eq!(t.audit_count("role.permissions_changed").await, 1);

    let hal = t.login("hal").await;
    for path in ["/dashboard", "/people", "/account"] {
        assert_eq!(hal.get(path).await.location(), Some("/account/second-factor"), "{path}");
    }
    assert_eq!(hal.get("/api/v1/orgs").await.status, 401, "nor the API");
    assert!(hal.get("/account/second-factor").await.text().contains("您的角色要求使用两步验证"));
    let (secret, _) = enrol(&t, &hal).await;
    assert_eq!(hal.get("/dashboard").await.status, 200);
    // Required: it cannot be switched off by its owner.
    let off = hal.post("/account/second-factor/disable", &[]).await;
    assert_eq!(off.status, 422);
    assert!(off.text().contains("不能停用"));
    // The permissions were kept as they were.
    let after = t.strings(&format!("SELECT permission FROM role_permissions WHERE role_id = {role_id}")).await;
    assert_eq!(after.len(), permissions.len());
    // Next login: password and code.
    let next = t.client();
    password_step(&next, "hal").await;
    t.clock.advance(TimeDelta::seconds(30));
    assert_eq!(second_step(&next, &code_for_step(&secret, step_at(t.clock.now()))).await.status, 303);
}

async fn an_administrator_resets_a_lost_second_factor_by_the_granting_rule(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    t.create_user("ivy", "org_viewer", "C11").await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let district = t.create_user("dist2", "district_admin", "S1").await;
    let ivy = t.user_id("ivy").await;
    enrol(&t, &t.login("ivy").await).await;
    enrol(&t, &t.login("dist2").await).await;

    // A street admin may not reset the second factor of an account holding more than it does.
    let street = t.login("s1admin").await;
    let refused = street.post(&format!("/users/{district}/reset-second-factor"), &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.text());

    let page = admin.get(&format!("/users/{ivy}")).await;
    assert_eq!(page.text_of_id("user-second-factor").as_deref(), Some("已启用"));
    let reset = admin.post(&format!("/users/{ivy}/reset-second-factor"), &[]).await;
    assert_eq!(reset.status, 303, "{}", reset.text());
    assert_eq!(admin.get(&format!("/users/{ivy}")).await.text_of_id("user-second-factor").as_deref(), Some("未启用"));
    assert_eq!(t.client().login("ivy", PASSWORD).await.status, 303, "the password alone again");
    assert_eq!(t.audit_count("user.second_factor_reset").await, 1);
}

async fn nobody_elsewhere_can_lock_the_owner_out_of_their_usual_browser(t: TestApp) {
    t.seed_tree().await;
    t.create_user("joan", "org_viewer", "S1").await;
    t.create_user("kim", "org_viewer", "S1").await;
    let usual = t.login("joan").await;
    let (device_name, device_value) = usual.cookie_starting_with("qt_device_").expect("a device cookie");
    logout(&usual).await;
    // A colleague logs in on the same (shared) browser: joan's device cookie stays.
    let second = usual.login("kim", PASSWORD).await;
    assert_eq!(second.status, 303);
    logout(&usual).await;
    assert_eq!(usual.cookie(&device_name).as_deref(), Some(device_value.as_str()), "each account keeps its own");

    // Someone elsewhere tries five passwords: the account locks for every browser it has not
    // been used in…
    let attacker = t.client();
    for _ in 0..5 {
        attacker.login("joan", "Wrong-Pass-2026!").await;
    }
    assert_eq!(attacker.login("joan", PASSWORD).await.status, 200, "locked for unknown browsers");
    assert_eq!(t.client().login("joan", PASSWORD).await.status, 200, "a new browser of the owner too");
    // …but not for the owner's usual browser.
    assert_eq!(usual.login("joan", PASSWORD).await.status, 303);
    // A device cookie copied to another account's name counts for nothing.
    let forged = t.client();
    forged.set_cookie(&device_name, &device_value);
    t.create_user("kimi", "org_viewer", "S1").await;
    for _ in 0..5 {
        forged.login("kimi", "Wrong-Pass-2026!").await;
    }
    assert_eq!(t.client().login("kimi", PASSWORD).await.status, 200, "kimi locked for unknown browsers");

    // The usual browser still locks after five failures of its own (等保).
    logout(&usual).await;
    for _ in 0..5 {
        usual.login("joan", "Wrong-Pass-2026!").await;
    }
    assert_eq!(usual.login("joan", PASSWORD).await.status, 200, "locked in the usual browser too");
    t.clock.advance(TimeDelta::minutes(31));
    assert_eq!(usual.login("joan", PASSWORD).await.status, 303);
    assert_eq!(t.audit_count("auth.locked").await, 3);
}

async fn five_wrong_reauthentications_end_the_session(t: TestApp) {
    t.seed_tree().await;
    t.create_user("lee", "org_viewer", "S1").await;
    let browser = t.login("lee").await;
    assert_eq!(browser.get("/reauth?next=/people").await.status, 200);
    // A login name that is no name cannot reach the re-authentication counter.
    let lee = t.user_id("lee").await;
    for _ in 0..4 {
        t.client().login(&format!("reauth:{lee}"), "Wrong-Pass-2026!").await;
    }
    let once = browser.post("/reauth", &[("next", "/people"), ("password", "Wrong-Pass-2026!")]).await;
    assert_eq!(once.status, 422);
    assert_eq!(browser.get("/dashboard").await.status, 200, "one wrong answer of the owner's own ends nothing");
    let right = browser.post("/reauth", &[("next", "/people"), ("password", PASSWORD)]).await;
    assert_eq!(right.status, 303, "a right answer clears the count");
    for _ in 0..4 {
        let res = browser.post("/reauth", &[("next", "/people"), ("password", "Wrong-Pass-2026!")]).await;
        assert_eq!(res.status, 422);
    }
    assert_eq!(browser.get("/dashboard").await.status, 200);
    browser.post("/reauth", &[("next", "/people"), ("password", "Wrong-Pass-2026!")]).await;
    assert_eq!(browser.get("/dashboard").await.location(), Some("/login"), "the fifth wrong answer ends the session");
}
