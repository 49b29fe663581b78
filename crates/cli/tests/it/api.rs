//! The JSON API: personal access tokens, scope, the OpenAPI document, health probes.

use qingtuan_testkit::{Backend, PASSWORD, TestApp, db_tests};

db_tests!(
    tokens_act_as_their_owner_until_revoked,
    probes_answer,
    tokens_expire_and_end_with_the_owners_password_account_and_roles
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
