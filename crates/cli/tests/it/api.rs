//! The JSON API: personal access tokens, scope, the OpenAPI document, health probes.

use qingtuan_testkit::{Backend, TestApp, db_tests};

db_tests!(tokens_act_as_their_owner_until_revoked, probes_answer);

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
    for path in ["/api/v1/me", "/api/v1/orgs", "/api/v1/users", "/api/v1/users/{id}", "/api/v1/audit-events"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn session_writes_through_the_api_need_the_csrf_header() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let admin = t.admin().await;
    let res = admin.post_raw("/api/v1/me", &[]).await;
    assert_eq!(res.status, 403, "unsafe request with a session cookie and no token");
}
