//! The JSON API: personal access tokens, scope, the OpenAPI document, health probes.

use qingtuan_testkit::{Backend, PASSWORD, TestApp, db_tests};

db_tests!(
    tokens_act_as_their_owner_until_revoked,
    probes_answer,
    tokens_expire_and_end_with_the_owners_password_account_and_roles,
    the_api_writes_orgs_people_and_posts_once_per_key,
    the_api_publishes_activities_and_calls_and_records_turnouts,
    organisers_add_shifts_and_sign_volunteers_up_at_the_desk_and_through_the_api,
    bad_requests_are_answered_in_chinese,
);

async fn tokens_act_as_their_owner_until_revoked(t: TestApp) {
    t.seed_tree().await;
    t.create_user("pat", "org_admin", "S1").await;
    let pat = t.login("pat").await;
    pat.get("/account").await;

    let created = pat.post("/account/tokens", &[("name", "报表脚本")]).await;

    assert_eq!(created.status, 200);
    let token = created.text_of_id("new-token").expect("token shown once");
    assert!(token.starts_with("qt_"));
    let api = t.client();
    let me = api.get_with_bearer("/api/v1/me", &token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["username"], "pat");
    assert_eq!(me.json()["grants"][0]["role"], "org_admin");
    let orgs = api.get_with_bearer("/api/v1/orgs", &token).await.json();
    let codes: Vec<&str> = orgs.as_array().expect("list").iter().map(|o| o["code"].as_str().expect("code")).collect();
    assert_eq!(codes, ["S1", "C11", "C12"]);
    assert_eq!(api.get_with_bearer("/api/v1/audit-events", &token).await.status, 200);

    let page = pat.get("/account").await.text();
    assert!(!page.contains(&token), "the secret is never shown again");
    let marker = "/account/tokens/";
    let start = page.find(marker).expect("revoke form") + marker.len();
    let id: String = page[start..].chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(pat.post(&format!("/account/tokens/{id}/revoke"), &[]).await.status, 303);

    let after = api.get_with_bearer("/api/v1/me", &token).await;
    assert_eq!(after.status, 401);
    assert_eq!(api.get_with_bearer("/api/v1/me", "qt_forged").await.status, 401);
    assert_eq!(t.audit_count("token.create").await, 1);
    assert_eq!(t.audit_count("token.revoke").await, 1);
}

async fn probes_answer(t: TestApp) {
    let c = t.client();
    assert_eq!(c.get("/healthz").await.status, 200);
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.text(), "ready");
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/api/v1/me",
        "/api/v1/orgs",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/audit-events",
        "/api/v1/figures/{key}/records",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Filters are query parameters, and every error the API gives is declared (schemathesis:
    // scripts/check-openapi).
    for (path, name) in [
        ("/api/v1/reports", "as_of"),
        ("/api/v1/users", "page"),
        ("/api/v1/audit-events", "page"),
        ("/api/v1/figures/{key}/records", "side"),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().expect("parameters");
        let param = params.iter().find(|p| p["name"] == name).expect(name);
        assert_eq!(param["in"], "query", "{path} {name}");
        for status in ["401", "422", "503"] {
            assert!(doc["paths"][path]["get"]["responses"][status].is_object(), "{path} {status}");
        }
    }
    assert_eq!(doc["paths"]["/api/v1/users"]["get"]["parameters"][2]["schema"]["maximum"], 100_000);
}

/// Bad parameters answer 422 in JSON, naming what was wrong — never a plain-text 400 — and a page
/// beyond the declared maximum is refused.
#[tokio::test]
async fn bad_parameters_answer_422_in_json() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let admin = t.admin().await;
    for path in [
        "/api/v1/users?page=0",
        "/api/v1/users?page=100001",
        "/api/v1/users?page=abc",
        "/api/v1/users?status=deleted",
        "/api/v1/audit-events?from=2026-13-01",
        "/api/v1/reports?as_of=2022-05-31",
        "/api/v1/reports?as_of=2020-01-01&baseline=2022-05-31",
        "/api/v1/users/abc",
    ] {
        let res = admin.get(path).await;
        assert_eq!(res.status, 422, "{path}: {}", res.text());
        assert!(res.json()["error"].as_str().is_some_and(|e| !e.is_empty()), "{path}");
    }
    let res = admin.get("/api/v1/users?page=1&status=active").await;
    assert_eq!(res.status, 200);
    admin.get("/account").await;
    let wrong_method = admin
        .request(
            axum::http::Request::delete("/api/v1/orgs")
                .header("x-csrf-token", admin.csrf().unwrap_or_default())
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.json()["error"].is_string());
    let missing = admin.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].is_string());
}

#[tokio::test]
async fn session_writes_through_the_api_need_the_csrf_header() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let admin = t.admin().await;
    let res = admin.post_raw("/api/v1/me", &[]).await;
    assert_eq!(res.status, 403, "unsafe request with a session cookie and no token");
}

/// A token lives as long as its owner chose (90 days by default, at most a year) and ends with
/// every other token of its owner when the password changes or is reset, the account is disabled
/// or a role is taken away.
async fn tokens_expire_and_end_with_the_owners_password_account_and_roles(t: TestApp) {
    t.seed_tree().await;
    let owner_id = t.create_user("scripter", "org_admin", "S1").await;
    t.create_user("root", "district_admin", "D").await;
    async fn live(t: &TestApp, owner_id: i64) -> i64 {
        t.scalar(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens WHERE user_id = {owner_id} AND revoked_at IS NULL"
        ))
        .await
    }
    async fn make(t: &TestApp, password: &str, days: &str) -> (u16, Option<String>) {
        let owner = t.client();
        assert_eq!(owner.login("scripter", password).await.status, 303);
        owner.get("/account").await;
        let res = owner.post("/account/tokens", &[("name", "脚本"), ("days", days)]).await;
        (res.status, res.text_of_id("new-token"))
    }
    let (status, _) = make(&t, PASSWORD, "400").await;
    assert_eq!(status, 422, "at most a year");
    let api = t.client();

    // A password change ends the owner's tokens.
    let token = make(&t, PASSWORD, "90").await.1.expect("token");
    assert_eq!(api.get_with_bearer("/api/v1/me", &token).await.status, 200);
    let owner = t.login("scripter").await;
    owner.get("/account/password").await;
    let changed = owner
        .post(
            "/account/password",
            &[("current", PASSWORD), ("new", "Another-Strong-77!"), ("confirm", "Another-Strong-77!")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text());
    assert_eq!(api.get_with_bearer("/api/v1/me", &token).await.status, 401);
    assert_eq!(live(&t, owner_id).await, 0);

    // So do a reset, disabling, and a role taken away (by the district admin).
    let root = t.login("root").await;
    root.get("/users").await;
    assert_eq!(make(&t, "Another-Strong-77!", "90").await.0, 200);
    assert_eq!(live(&t, owner_id).await, 1);
    assert_eq!(root.post(&format!("/users/{owner_id}/disable"), &[]).await.status, 303);
    assert_eq!(live(&t, owner_id).await, 0, "disabling revokes");
    assert_eq!(root.post(&format!("/users/{owner_id}/enable"), &[]).await.status, 303);
    assert_eq!(make(&t, "Another-Strong-77!", "90").await.0, 200);
    let page = root.get(&format!("/users/{owner_id}")).await.text();
    let marker = format!("/users/{owner_id}/roles/");
    let start = page.find(&marker).expect("revoke-role form") + marker.len();
    let assignment: String = page[start..].chars().take_while(char::is_ascii_digit).collect();
    root.post(&format!("/users/{owner_id}/roles"), &[("role_code", "org_viewer"), ("scope_code", "S1")]).await;
    let res = root.post(&format!("/users/{owner_id}/roles/{assignment}/revoke"), &[]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(live(&t, owner_id).await, 0, "losing a role revokes");
    assert_eq!(make(&t, "Another-Strong-77!", "90").await.0, 200);
    assert_eq!(root.post(&format!("/users/{owner_id}/reset-password"), &[]).await.status, 200);
    assert_eq!(live(&t, owner_id).await, 0, "a reset revokes");

    // Expiry at its edge: a 30-day token works on day 29 and not on day 30.
    let c = t.client();
    t.create_user("expiring", "org_viewer", "S1").await;
    assert_eq!(c.login("expiring", PASSWORD).await.status, 303);
    c.get("/account").await;
    let token =
        c.post("/account/tokens", &[("name", "月度"), ("days", "30")]).await.text_of_id("new-token").expect("token");
    let page = c.get("/account").await.text();
    assert!(page.contains("到期时间"), "the expiry is shown");
    t.clock.advance(chrono::TimeDelta::days(29));
    assert_eq!(api.get_with_bearer("/api/v1/me", &token).await.status, 200, "day 29");
    t.clock.advance(chrono::TimeDelta::days(1));
    assert_eq!(api.get_with_bearer("/api/v1/me", &token).await.status, 401, "day 30");
}

/// A token of `user`, made on their account page.
async fn token_of(t: &TestApp, user: &str) -> String {
    let client = t.login(user).await;
    client.get("/account").await;
    let created = client.post("/account/tokens", &[("name", "同步脚本")]).await;
    created.text_of_id("new-token").expect("token shown once")
}

/// The writing API goes through the same use-cases as the pages: scoped, checked with the same
/// Chinese field messages, audited; a retry under the same Idempotency-Key writes once.
async fn the_api_writes_orgs_people_and_posts_once_per_key(t: TestApp) {
    use serde_json::json;
    t.seed_tree().await;
    t.create_user("street1", "org_admin", "S1").await;
    let token = token_of(&t, "street1").await;
    let api = t.client();
    let org = json!({ "code": "C13", "name": "一街道三社区团支部", "kind": "branch", "parent": "一街道团工委", "founded_on": "2026-01-05" });
    let key = [("idempotency-key", "sync-2026-03-02-001")];
    let made = api.json_with_bearer("POST", "/api/v1/orgs", &token, &key, &org).await;
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(made.json()["code"], "C13");
    // The same request again: the same answer, nothing written twice.
    let again = api.json_with_bearer("POST", "/api/v1/orgs", &token, &key, &org).await;
    assert_eq!((again.status, again.header("idempotent-replayed")), (201, Some("true")));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM orgs WHERE code = 'C13'").await, 1);
    assert_eq!(t.audit_count("org.create").await, 8, "seven seeded, one through the API");
    // The key for another request is refused.
    let other = json!({ "code": "C14", "name": "一街道四社区团支部", "kind": "branch", "parent": "S1" });
    let reused = api.json_with_bearer("POST", "/api/v1/orgs", &token, &key, &other).await;
    assert_eq!(reused.status, 422);
    assert!(reused.json()["error"].as_str().is_some_and(|e| e.contains("已用于另一个请求")));
    // Bad input: the same field messages as the form, as JSON; nothing written.
    let bad = api
        .json_with_bearer(
            "POST",
            "/api/v1/orgs",
            &token,
            &[],
            &json!({ "code": "C15", "name": "", "kind": "nope", "parent": "S1" }),
        )
        .await;
    assert_eq!(bad.status, 422);
    let body = bad.json();
    let fields: Vec<&str> =
        body["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"kind"), "{fields:?}");
    let not_json = api.json_with_bearer("POST", "/api/v1/orgs", &token, &[], &json!(["a list"])).await;
    assert_eq!(not_json.status, 422);
    // Another street's org: missing.
    let outside = api
        .json_with_bearer(
            "POST",
            "/api/v1/orgs",
            &token,
            &[],
            &json!({ "code": "C23", "name": "二街道三社区团支部", "kind": "branch", "parent": "S2" }),
        )
        .await;
    assert_eq!(outside.status, 404);
    // Changed, then a person registered with a first post, then a second post by person id, ended.
    let renamed = api
        .json_with_bearer("PUT", "/api/v1/orgs/C13", &token, &[], &json!({ "name": "一街道三社区团支部（新）", "kind": "branch", "basis": "unit", "founded_on": "2026-01-05" }))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let number = crate::kit::id_number("19990202", 5);
    let person = json!({ "name": "孙悦", "id_number": number, "phone": "13700001111",
        "post": { "org": "C13", "title": "secretary", "employment": "part_time", "start_on": "2026-02-01" } });
    let registered = api.json_with_bearer("POST", "/api/v1/people", &token, &[], &person).await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let person_id = registered.json()["id"].as_i64().expect("id");
    let second = json!({ "person_id": person_id, "org": "一街道一社区团支部", "title": "member", "employment": "part_time", "start_on": "2026-02-15" });
    let posted = api.json_with_bearer("POST", "/api/v1/posts", &token, &[("idempotency-key", "post-1")], &second).await;
    assert_eq!(posted.status, 201, "{}", posted.text());
    assert_eq!(
        api.json_with_bearer("POST", "/api/v1/posts", &token, &[("idempotency-key", "post-1")], &second).await.status,
        201
    );
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM positions WHERE person_id = {person_id}")).await, 2);
    // Another street's admin cannot give them a post by their id: outside that scope they are missing.
    t.create_user("street2", "org_admin", "S2").await;
    let other = token_of(&t, "street2").await;
    let foreign = json!({ "person_id": person_id, "org": "C21", "title": "member", "employment": "part_time", "start_on": "2026-02-20" });
    assert_eq!(api.json_with_bearer("POST", "/api/v1/posts", &other, &[], &foreign).await.status, 404);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM positions WHERE person_id = {person_id}")).await, 2);
    let post_id =
        t.scalar(&format!("SELECT id FROM positions WHERE person_id = {person_id} AND title = 'member'")).await;
    let early = api
        .json_with_bearer(
            "POST",
            &format!("/api/v1/posts/{post_id}/end"),
            &token,
            &[],
            &json!({ "end_on": "2026-02-01" }),
        )
        .await;
    assert!(early.status == 422 && early.text().contains("离任日期应晚于任职日期"), "{}", early.text());
    let ended = api
        .json_with_bearer(
            "POST",
            &format!("/api/v1/posts/{post_id}/end"),
            &token,
            &[],
            &json!({ "end_on": "2026-03-01" }),
        )
        .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    let dissolved = api
        .json_with_bearer(
            "POST",
            "/api/v1/orgs/C13/dissolve",
            &token,
            &[],
            &json!({ "on": "2026-03-02", "with_subtree": true }),
        )
        .await;
    assert_eq!(dissolved.status, 200, "{}", dissolved.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM orgs WHERE code = 'C13' AND dissolved_on IS NOT NULL").await, 1);
    // Without a token: 401.
    let anonymous = t.client().json_with_bearer("POST", "/api/v1/orgs", "qt_forged", &[], &org).await;
    assert_eq!(anonymous.status, 401);
}

/// Activities and volunteering through the API: a call published with its shifts, a volunteer's
/// sign-up on the portal, the turn-out taken down by hand with the hours credited, the call
/// closed; an activity published, its sign-up admitted and its attendance marked.
async fn the_api_publishes_activities_and_calls_and_records_turnouts(t: TestApp) {
    use chrono::TimeDelta;
    use serde_json::json;
    t.seed_tree().await;
    t.create_user("street1", "org_admin", "S1").await;
    let token = token_of(&t, "street1").await;
    let api = t.client();
    let call = json!({ "org": "一街道一社区团支部", "title": "社区防疫志愿者招募令", "task": "核酸检测",
        "shifts": [{ "on_date": "2026-03-02", "start": "10:00", "end": "12:00", "place": "社区广场", "places": 3 }] });
    let key = [("idempotency-key", "call-1")];
    let made = api.json_with_bearer("POST", "/api/v1/calls", &token, &key, &call).await;
    assert_eq!(made.status, 201, "{}", made.text());
    let (call_id, shift) = (made.json()["id"].as_i64().expect("id"), made.json()["shifts"][0].as_i64().expect("shift"));
    assert_eq!(api.json_with_bearer("POST", "/api/v1/calls", &token, &key, &call).await.status, 201);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM recruitment_calls").await, 1, "a retry publishes once");
    let no_shift = json!({ "org": "C11", "title": "无班次", "task": "核酸检测", "shifts": [] });
    let refused = api.json_with_bearer("POST", "/api/v1/calls", &token, &[], &no_shift).await;
    assert!(refused.status == 422 && refused.text().contains("请至少填写一个班次"), "{}", refused.text());
    let elsewhere = json!({ "org": "C21", "title": "二街道招募令", "task": "核酸检测",
        "shifts": [{ "on_date": "2026-03-02", "start": "10:00", "end": "12:00", "place": "广场", "places": 3 }] });
    assert_eq!(api.json_with_bearer("POST", "/api/v1/calls", &token, &[], &elsewhere).await.status, 404);

    // A volunteer signs up on the portal; the phone at the shift is flat, so the organiser types
    // the times in afterwards.
    let visitor = t.client();
    visitor.get(&format!("/portal/calls/{call_id}")).await;
    let signed = visitor
        .post(
            &format!("/portal/shifts/{shift}/signup"),
            &[("name", "林晓"), ("phone", "13912345678"), ("gender", "female"), ("birth_on", "2000-05-04")],
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    let second = t.client();
    second.get(&format!("/portal/calls/{call_id}")).await;
    let form = [("name", "高远"), ("phone", "13912340000"), ("gender", "male"), ("birth_on", "1999-05-04")];
    assert_eq!(second.post(&format!("/portal/shifts/{shift}/signup"), &form).await.status, 200);
    let signups = api.get_with_bearer(&format!("/api/v1/shifts/{shift}/signups"), &token).await.json();
    assert_eq!((signups[0]["name"].as_str(), signups[0]["status"].as_str()), (Some("林晓"), Some("已报名")));
    assert_eq!(signups[0]["phone"], "139****5678");
    let signup = signups[0]["id"].as_i64().expect("signup id");
    let turnouts =
        |a: &str, b: &str, id: i64| json!({ "turnouts": [{ "signup_id": id, "check_in": a, "check_out": b }] });
    let path = format!("/api/v1/shifts/{shift}/turnouts");
    let future = api.json_with_bearer("POST", &path, &token, &[], &turnouts("10:00", "12:00", signup)).await;
    assert!(future.status == 422 && future.text().contains("尚未到来"), "{}", future.text());
    t.clock.advance(TimeDelta::hours(4));
    let reversed = api.json_with_bearer("POST", &path, &token, &[], &turnouts("12:00", "10:00", signup)).await;
    assert!(reversed.status == 422 && reversed.text().contains("签退时间应晚于签到时间"), "{}", reversed.text());
    let stray = api.json_with_bearer("POST", &path, &token, &[], &turnouts("10:00", "12:00", signup + 99)).await;
    assert!(stray.status == 422 && stray.text().contains("不是该班次的报名"), "{}", stray.text());
    let recorded = api.json_with_bearer("POST", &path, &token, &[], &turnouts("10:05", "12:00", signup)).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text());
    assert_eq!(recorded.json()["recorded"], 1);
    let twice = api.json_with_bearer("POST", &path, &token, &[], &turnouts("10:05", "12:00", signup)).await;
    assert!(twice.status == 422 && twice.text().contains("已签到"), "{}", twice.text());
    let signups = api.get_with_bearer(&format!("/api/v1/shifts/{shift}/signups"), &token).await.json();
    assert_eq!((signups[0]["status"].as_str(), signups[0]["minutes"].as_i64()), (Some("已签退"), Some(115)));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people WHERE name = '林晓'").await, 1, "the volunteer is registered");
    // The organiser's page offers the same for the other sign-up.
    let organiser = t.login("street1").await;
    let page = organiser.get(&format!("/volunteering/shifts/{shift}")).await;
    let other_signup = signups[1]["id"].as_i64().expect("second sign-up");
    let form_path = format!("/volunteering/shifts/{shift}/signups/{other_signup}/turnout");
    assert!(page.text().contains(&form_path) && !page.text().contains(&format!("signups/{signup}/turnout")));
    let typed = organiser.post(&form_path, &[("check_in", "10:00"), ("check_out", "11:00")]).await;
    assert_eq!(typed.status, 303, "{}", typed.text());
    let signups = api.get_with_bearer(&format!("/api/v1/shifts/{shift}/signups"), &token).await.json();
    assert_eq!(
        (signups[1]["status"].as_str(), signups[1]["minutes"].as_i64()),
        (Some("已签退"), Some(0)),
        "half the shift is under the 60 % rule"
    );
    assert_eq!(t.audit_count("volunteer.turnouts").await, 2);
    let report = api
        .get_with_bearer("/api/v1/reports?as_of=2026-03-31&baseline=2026-01-01&from=2026-03-01&scope=S1", &token)
        .await;
    assert_eq!(report.json()["volunteer.turnouts"]["value"], 2, "{}", report.text());
    // Another street's admin does not see the shift.
    t.create_user("street2", "org_admin", "S2").await;
    let other = token_of(&t, "street2").await;
    assert_eq!(api.get_with_bearer(&format!("/api/v1/shifts/{shift}/signups"), &other).await.status, 404);
    assert_eq!(api.json_with_bearer("POST", &path, &other, &[], &turnouts("10:05", "12:00", signup)).await.status, 404);
    // Closed, the call takes no more sign-ups.
    let close = format!("/api/v1/calls/{call_id}/close");
    let closed = api.json_with_bearer("POST", &close, &token, &[("idempotency-key", "close-1")], &json!({})).await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let again = api.json_with_bearer("POST", &close, &token, &[("idempotency-key", "close-1")], &json!({})).await;
    assert_eq!((again.status, again.header("idempotent-replayed")), (200, Some("true")));
    let other_path = format!("/api/v1/shift-signups/{signup}/cancel");
    let reused = api.json_with_bearer("POST", &other_path, &token, &[("idempotency-key", "close-1")], &json!({})).await;
    assert_eq!(reused.status, 422, "a key bound to another path: {}", reused.text());
    let shown = api.get_with_bearer(&format!("/api/v1/calls/{call_id}"), &token).await.json();
    assert_eq!(shown["closed_on"], "2026-03-02");
    assert_eq!(shown["shifts"][0]["turnouts"], 2);
    let listed = api.get_with_bearer("/api/v1/calls?org=C11", &token).await.json();
    assert_eq!((listed["total"].as_u64(), listed["items"][0]["id"].as_i64()), (Some(1), Some(call_id)));
    assert_eq!(api.get_with_bearer("/api/v1/calls?org=C11", &other).await.status, 404);

    // An activity needing approval: published, signed up for, admitted, attended.
    let activity = json!({ "org": "C11", "title": "青年读书会", "category": "ideology", "audience": "youth",
        "on_date": "2026-03-10", "start": "14:00", "end": "16:00", "place": "社区书屋", "capacity": 5,
        "signup_opens_on": "2026-03-01", "signup_closes_on": "2026-03-09", "needs_approval": true });
    let published = api.json_with_bearer("POST", "/api/v1/activities", &token, &[], &activity).await;
    assert_eq!(published.status, 201, "{}", published.text());
    let activity_id = published.json()["id"].as_i64().expect("id");
    let bad = json!({ "org": "C11", "title": "", "category": "ideology", "audience": "youth", "on_date": "3月10日" });
    let bad = api.json_with_bearer("POST", "/api/v1/activities", &token, &[], &bad).await;
    assert!(bad.status == 422 && bad.text().contains("请填写活动日期"), "{}", bad.text());
    visitor.get(&format!("/portal/activities/{activity_id}")).await;
    let joined = visitor
        .post(
            &format!("/portal/activities/{activity_id}/signup"),
            &[("name", "周航"), ("phone", "13800002222"), ("gender", "male"), ("birth_on", "1998-01-02")],
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.text());
    let pending = api.get_with_bearer(&format!("/api/v1/activities/{activity_id}/signups"), &token).await.json();
    assert_eq!(pending[0]["status"], "pending");
    let sid = pending[0]["id"].as_i64().expect("signup id");
    let decided = api
        .json_with_bearer(
            "POST",
            &format!("/api/v1/activity-signups/{sid}/decision"),
            &token,
            &[],
            &json!({ "approve": true }),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text());
    let marked = api
        .json_with_bearer(
            "POST",
            &format!("/api/v1/activities/{activity_id}/attendance"),
            &token,
            &[],
            &json!({ "attended": [sid], "people_served": 30 }),
        )
        .await;
    assert_eq!((marked.status, marked.json()["attended"].as_u64()), (200, Some(1)), "{}", marked.text());
    let signups = api.get_with_bearer(&format!("/api/v1/activities/{activity_id}/signups"), &token).await.json();
    assert_eq!((signups[0]["status"].as_str(), signups[0]["attended"].as_bool()), (Some("approved"), Some(true)));
    assert_eq!(t.scalar(&format!("SELECT people_served FROM activities WHERE id = {activity_id}")).await, 30);
    let foreign = api
        .json_with_bearer(
            "POST",
            &format!("/api/v1/activity-signups/{sid}/decision"),
            &other,
            &[],
            &json!({ "approve": false }),
        )
        .await;
    assert_eq!(foreign.status, 404);
}

/// A client that goes away while its write waits (here for a commit held by another transaction)
/// leaves the write and the keeping of its answer to run to their end: the retry under the same
/// key gets the answer, and nothing is written twice. PostgreSQL: there a commit can be held while
/// the key is claimed.
#[tokio::test]
async fn a_write_whose_client_went_away_answers_its_retry() {
    use std::io::Write as _;
    let t = TestApp::spawn(Backend::Postgres).await;
    t.seed_tree().await;
    t.create_user("street1", "org_admin", "S1").await;
    let token = token_of(&t, "street1").await;
    let addr = t.serve().await;
    let org = serde_json::json!({ "code": "C13", "name": "一街道三社区团支部", "kind": "branch", "parent": "S1" });
    let body = org.to_string();
    let held = t.hold_commits().await;
    let request = format!(
        "POST /api/v1/orgs HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\nidempotency-key: gone-1\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(addr).expect("connect");
        socket.write_all(request.as_bytes()).expect("send");
        std::thread::sleep(std::time::Duration::from_millis(300));
        // The client goes away before the answer.
    })
    .await
    .expect("client");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    held.rollback().await.expect("release");
    let api = t.client();
    let mut retry = api.json_with_bearer("POST", "/api/v1/orgs", &token, &[("idempotency-key", "gone-1")], &org).await;
    for _ in 0..50 {
        if retry.status != 409 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        retry = api.json_with_bearer("POST", "/api/v1/orgs", &token, &[("idempotency-key", "gone-1")], &org).await;
    }
    assert_eq!((retry.status, retry.header("idempotent-replayed")), (201, Some("true")), "{}", retry.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM orgs WHERE code = 'C13'").await, 1);
}

/// The organisers' desk: a shift added to a call, volunteers who phoned in signed up (on the
/// shift's page and through the API, with the portal's checks but not its rate limits), a sign-up
/// cancelled after a confirmation naming the volunteer, the call's text changed; an activity's
/// paper list registered through the API.
async fn organisers_add_shifts_and_sign_volunteers_up_at_the_desk_and_through_the_api(t: TestApp) {
    use serde_json::json;
    t.seed_tree().await;
    t.create_user("street1", "org_admin", "S1").await;
    let token = token_of(&t, "street1").await;
    let api = t.client();
    let call = json!({ "org": "C11", "title": "周末巡河志愿者招募令", "task": "核酸检测",
        "shifts": [{ "on_date": "2026-03-07", "start": "09:00", "end": "11:00", "place": "河心岛", "places": 2 }] });
    let made = api.json_with_bearer("POST", "/api/v1/calls", &token, &[], &call).await;
    let call_id = made.json()["id"].as_i64().expect("call");
    // A shift added on the call's page, refused first with what was typed kept.
    let organiser = t.login("street1").await;
    let page = organiser.get(&format!("/volunteering/calls/{call_id}")).await;
    assert!(page.text().contains("增加班次"));
    let shift = |end: &'static str| {
        [("on_date", "2026-03-08"), ("start", "14:00"), ("end", end), ("place", "河心岛东岸"), ("places", "1")]
    };
    let refused = organiser.post(&format!("/volunteering/calls/{call_id}/shifts"), &shift("13:00")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("结束时间应晚于开始时间") && refused.text().contains("河心岛东岸"));
    let added = organiser.post(&format!("/volunteering/calls/{call_id}/shifts"), &shift("16:00")).await;
    assert_eq!(added.status, 303, "{}", added.text());
    let new_shift = json!({ "on_date": "2026-03-09", "start": "09:00", "end": "10:00", "place": "码头", "places": 5 });
    let by_api =
        api.json_with_bearer("POST", &format!("/api/v1/calls/{call_id}/shifts"), &token, &[], &new_shift).await;
    assert_eq!(by_api.status, 201, "{}", by_api.text());
    let shifts_path = format!("/api/v1/calls/{call_id}/shifts");
    let huge =
        json!({ "on_date": "2026-03-09", "start": "09:00", "end": "10:00", "place": "码头", "places": 2147483647 });
    let refused = api.json_with_bearer("POST", &shifts_path, &token, &[], &huge).await;
    assert!(refused.status == 422 && refused.text().contains("名额应在 1 到 10000 之间"), "{}", refused.text());
    let long =
        json!({ "on_date": "2026-03-09", "start": "09:00", "end": "10:00", "place": "码".repeat(201), "places": 5 });
    let refused = api.json_with_bearer("POST", &shifts_path, &token, &[], &long).await;
    assert!(refused.status == 422 && refused.text().contains("班次地点不超过 200 个字"), "{}", refused.text());
    let shown = api.get_with_bearer(&format!("/api/v1/calls/{call_id}"), &token).await.json();
    let shifts: Vec<i64> =
        shown["shifts"].as_array().expect("shifts").iter().filter_map(|s| s["id"].as_i64()).collect();
    assert_eq!(shifts.len(), 3);
    assert_eq!(t.audit_count("volunteer.call_changed").await, 2);
    let (second, third) = (shifts[1], shifts[2]);

    // At the desk: the shift's page signs up a volunteer who phoned in; the one place is then taken.
    let path = format!("/volunteering/shifts/{second}/signups");
    organiser.get(&format!("/volunteering/shifts/{second}")).await;
    let person = [("name", "郑洁"), ("phone", "13600001111"), ("gender", "female"), ("birth_on", "1999-09-09")];
    let bad = organiser.post(&path, &[("name", "郑洁"), ("phone", "136")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("value=\"郑洁\""), "what was typed is kept");
    assert_eq!(organiser.post(&path, &person).await.status, 303);
    let full = organiser
        .post(&path, &[("name", "冯涛"), ("phone", "13600002222"), ("gender", "male"), ("birth_on", "1998-01-01")])
        .await;
    assert!(full.status == 422 && full.text().contains("名额已满"), "{}", full.text());
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'signup_confirmed'").await,
        1,
        "the volunteer is told the code"
    );
    // Cancelling asks first, naming the volunteer, then frees the place.
    let signup = api.get_with_bearer(&format!("/api/v1/shifts/{second}/signups"), &token).await.json()[0]["id"]
        .as_i64()
        .expect("id");
    let cancel = format!("/volunteering/shifts/{second}/signups/{signup}/cancel");
    let asked = organiser.post(&cancel, &[]).await;
    assert!(asked.status == 200 && asked.text().contains("取消郑洁（136****1111）"), "{}", asked.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM signups WHERE cancelled_at IS NOT NULL").await, 0);
    assert_eq!(organiser.post(&cancel, &[("confirm", "yes")]).await.status, 303);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM signups WHERE cancelled_at IS NOT NULL").await, 1);
    assert_eq!(
        organiser
            .post(&path, &[("name", "冯涛"), ("phone", "13600002222"), ("gender", "male"), ("birth_on", "1998-01-01")])
            .await
            .status,
        303
    );

    // Through the API: signed up, the same person twice refused, cancelled, cancelled again refused.
    let volunteer =
        json!({ "name": "韩雪", "phone": "13600003333", "id_number": crate::kit::id_number("20000101", 7) });
    let signed =
        api.json_with_bearer("POST", &format!("/api/v1/shifts/{third}/signups"), &token, &[], &volunteer).await;
    assert_eq!(signed.status, 201, "{}", signed.text());
    assert_eq!(signed.json()["code"].as_str().map(str::len), Some(8));
    let again = api.json_with_bearer("POST", &format!("/api/v1/shifts/{third}/signups"), &token, &[], &volunteer).await;
    assert!(again.status == 422 && again.text().contains("已为该姓名报名"), "{}", again.text());
    let id = api.get_with_bearer(&format!("/api/v1/shifts/{third}/signups"), &token).await.json()[0]["id"]
        .as_i64()
        .expect("id");
    let cancelled =
        api.json_with_bearer("POST", &format!("/api/v1/shift-signups/{id}/cancel"), &token, &[], &json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text());
    let twice =
        api.json_with_bearer("POST", &format!("/api/v1/shift-signups/{id}/cancel"), &token, &[], &json!({})).await;
    assert!(twice.status == 422 && twice.text().contains("已取消"), "{}", twice.text());
    // Another street: the shift and the sign-up are missing.
    t.create_user("street2", "org_admin", "S2").await;
    let other = token_of(&t, "street2").await;
    assert_eq!(
        api.json_with_bearer("POST", &format!("/api/v1/shifts/{third}/signups"), &other, &[], &volunteer).await.status,
        404
    );
    assert_eq!(
        api.json_with_bearer("POST", &format!("/api/v1/shift-signups/{id}/cancel"), &other, &[], &json!({}))
            .await
            .status,
        404
    );
    assert_eq!(
        api.json_with_bearer("POST", &format!("/api/v1/calls/{call_id}/shifts"), &other, &[], &new_shift).await.status,
        404
    );
    // The call's text changed.
    let text = json!({ "title": "周末巡河护河志愿者招募令", "task": "核酸检测", "contact": "王老师 0532-88886666" });
    assert_eq!(api.json_with_bearer("PUT", &format!("/api/v1/calls/{call_id}"), &token, &[], &text).await.status, 200);
    let shown = api.get_with_bearer(&format!("/api/v1/calls/{call_id}"), &token).await.json();
    assert_eq!(
        (shown["call"]["title"].as_str(), shown["contact"].as_str()),
        (Some("周末巡河护河志愿者招募令"), Some("王老师 0532-88886666"))
    );

    // An activity's paper list through the API: all or none.
    let activity = json!({ "org": "C11", "title": "亲子阅读", "category": "ideology", "audience": "youth",
        "on_date": "2026-03-10", "start": "14:00", "end": "16:00", "place": "社区书屋", "capacity": 2,
        "signup_opens_on": "2026-03-01", "signup_closes_on": "2026-03-09" });
    let activity_id = api.json_with_bearer("POST", "/api/v1/activities", &token, &[], &activity).await.json()["id"]
        .as_i64()
        .expect("id");
    let people = |n: usize| json!({ "signups": (0..n).map(|i| json!({ "name": format!("读者{i}"), "phone": format!("1350000000{i}"), "gender": "female", "birth_on": "1995-05-05" })).collect::<Vec<_>>() });
    let over = api
        .json_with_bearer("POST", &format!("/api/v1/activities/{activity_id}/signups"), &token, &[], &people(3))
        .await;
    assert!(over.status == 422 && over.text().contains("名额不足"), "{}", over.text());
    let listed = api
        .json_with_bearer("POST", &format!("/api/v1/activities/{activity_id}/signups"), &token, &[], &people(2))
        .await;
    assert_eq!((listed.status, listed.json()["registered"].as_u64()), (201, Some(2)), "{}", listed.text());
    let signups = api.get_with_bearer(&format!("/api/v1/activities/{activity_id}/signups"), &token).await.json();
    assert_eq!(signups.as_array().map(Vec::len), Some(2));
}

/// A body or a parameter the API cannot take is answered in Chinese JSON, naming what is wrong:
/// never the framework's English line.
async fn bad_requests_are_answered_in_chinese(t: TestApp) {
    use axum::body::Body;
    use axum::http::Request;
    t.seed_tree().await;
    t.create_user("street1", "org_admin", "S1").await;
    let token = token_of(&t, "street1").await;
    let api = t.client();
    let send = |body: Vec<u8>| {
        Request::post("/api/v1/orgs")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let error = |text: String| -> String {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        v["error"].as_str().unwrap_or_default().to_owned() + &v["fields"].to_string()
    };

    let unknown = api.request(send(br#"{"code": "C13", "bogus": 1}"#.to_vec())).await;
    assert_eq!(unknown.status, 422);
    let said = error(unknown.text());
    assert!(said.contains("没有名为“bogus”的字段") && !said.contains("unknown field"), "{said}");

    let broken = api.request(send(br#"{"code": "C13",,}"#.to_vec())).await;
    assert_eq!(broken.status, 422);
    assert!(error(broken.text()).contains("JSON 语法错误（第 1 行"), "{}", broken.text());

    let huge = api.request(send(vec![b' '; 2 * 1024 * 1024])).await;
    assert_eq!(huge.status, 413);
    assert!(error(huge.text()).contains("提交的内容过大"), "{}", huge.text());

    let page = api.get_with_bearer("/api/v1/users?page=abc", &token).await;
    assert_eq!(page.status, 422);
    assert!(error(page.text()).contains("查询参数“page”"), "{}", page.text());
    let path = api.get_with_bearer("/api/v1/calls/abc", &token).await;
    assert_eq!(path.status, 422);
    assert!(error(path.text()).contains("路径中的编号应为整数"), "{}", path.text());

    // A page's oversized form gets a Chinese page.
    let c = t.client();
    c.get("/login").await;
    let form = c.post("/login", &[("username", &"x".repeat(2 * 1024 * 1024)), ("password", "x")]).await;
    assert_eq!(form.status, 413);
    assert!(form.text().contains("提交的内容过大"), "{}", form.text());
}
