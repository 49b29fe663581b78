//! Roles × position in the org tree × action, through HTTP: allowed, 404 (outside the scope) or
//! 403 (no such permission anywhere).

use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    permission_matrix,
    lists_show_only_the_scope,
    revoking_a_role_takes_effect_on_the_next_request,
    nobody_grants_more_than_they_hold,
    role_permissions_are_data_the_district_admin_edits,
);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Allow,
    NotFound,
    Forbidden,
}
use Want::{Allow as A, Forbidden as F, NotFound as N};

/// Targets: the org's own page, a user of the org, a new child org, disabling that user.
const TARGETS: [&str; 5] = ["D", "S1", "C11", "S2", "C21"];

/// (role, scope, action, expectation per target in `TARGETS` order)
const MATRIX: &[(&str, &str, &str, [Want; 5])] = &[
    ("district_admin", "D", "show_org", [A, A, A, A, A]),
    ("district_admin", "D", "show_user", [A, A, A, A, A]),
    ("district_admin", "D", "create_child", [A, A, A, A, A]),
    ("district_admin", "D", "disable_user", [A, A, A, A, A]),
    ("org_admin", "S1", "show_org", [N, A, A, N, N]),
    ("org_admin", "S1", "show_user", [N, A, A, N, N]),
    ("org_admin", "S1", "create_child", [N, A, A, N, N]),
    ("org_admin", "S1", "disable_user", [N, A, A, N, N]),
    ("org_viewer", "S1", "show_org", [N, A, A, N, N]),
    ("org_viewer", "S1", "show_user", [F, F, F, F, F]),
    ("org_viewer", "S1", "create_child", [F, F, F, F, F]),
    ("org_viewer", "S1", "disable_user", [F, F, F, F, F]),
];

fn outcome(status: u16) -> Want {
    match status {
        200 | 303 => Want::Allow,
        404 => Want::NotFound,
        403 => Want::Forbidden,
        other => panic!("unexpected status {other}"),
    }
}

async fn act(t: &TestApp, client: &TestClient, action: &str, target: &str, n: usize) -> u16 {
    let org = t.org_id(target).await;
    let member = format!("member_{}", target.to_lowercase());
    let member_id = t.user_id(&member).await;
    match action {
        "show_org" => client.get(&format!("/orgs/{org}")).await.status,
        "show_user" => client.get(&format!("/users/{member_id}")).await.status,
        "create_child" => {
            client.get("/account").await;
            let code = format!("N{n}");
            client
                .post("/orgs", &[("parent_code", target), ("code", &code), ("name", "新团支部"), ("kind", "branch")])
                .await
                .status
        }
        "disable_user" => {
            client.get("/account").await;
            client.post(&format!("/users/{member_id}/disable"), &[]).await.status
        }
        other => panic!("unknown action {other}"),
    }
}

async fn permission_matrix(t: TestApp) {
    t.seed_tree().await;
    for target in TARGETS {
        t.create_user(&format!("member_{}", target.to_lowercase()), "org_viewer", target).await;
    }
    let denials_before = t.audit_count("security.denied").await;
    let mut n = 0;
    let mut expected_denials = 0;
    for (i, (role, scope, action, wants)) in MATRIX.iter().enumerate() {
        let name = format!("actor{i}");
        t.create_user(&name, role, scope).await;
        let client = t.login(&name).await;
        for (target, want) in TARGETS.iter().zip(wants) {
            n += 1;
            let got = outcome(act(&t, &client, action, target, n).await);
            assert_eq!(got, *want, "{role}@{scope} {action} {target}");
            if got != Want::Allow {
                expected_denials += 1;
            }
        }
    }
    assert_eq!(t.audit_count("security.denied").await - denials_before, expected_denials, "every denial is audited");
}

async fn lists_show_only_the_scope(t: TestApp) {
    t.seed_tree().await;
    for target in TARGETS {
        t.create_user(&format!("member_{}", target.to_lowercase()), "org_viewer", target).await;
    }
    t.create_user("street1", "org_admin", "S1").await;
    let street = t.login("street1").await;

    let users = street.get("/users").await.text();
    let orgs = street.get("/orgs").await.text();
    let api: Vec<String> = street.get("/api/v1/users").await.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["username"].as_str().expect("name").to_owned())
        .collect();

    for visible in ["member_s1", "member_c11", "street1"] {
        assert!(users.contains(visible), "{visible}");
        assert!(api.contains(&visible.to_owned()), "{visible}");
    }
    for hidden in ["member_d", "member_s2", "member_c21"] {
        assert!(!users.contains(hidden), "{hidden}");
        assert!(!api.contains(&hidden.to_owned()), "{hidden}");
    }
    assert!(orgs.contains("一街道一社区团支部") && !orgs.contains("二街道") && !orgs.contains("测试区团委"));
    assert_eq!(street.get("/users/export.xlsx").await.status, 403, "org admins hold no users.export");
    let admin = t.admin().await;
    let xlsx = admin.get("/users/export.xlsx").await;
    assert_eq!(xlsx.status, 200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.to_vec())).expect("xlsx");
    use calamine::Reader;
    let rows = book.worksheet_range("用户").expect("sheet").rows().count();
    assert_eq!(rows, 2 + 7, "title, header, five members, street1 and root");
    let outside = t.user_id("member_c21").await;
    let res = street.get(&format!("/api/v1/users/{outside}")).await;
    assert_eq!(res.status, 404);
    assert!(!res.text().contains("member_c21"));
}

async fn revoking_a_role_takes_effect_on_the_next_request(t: TestApp) {
    t.seed_tree().await;
    let ivy = t.create_user("ivy", "org_admin", "S1").await;
    let ivy_browser = t.login("ivy").await;
    assert_eq!(ivy_browser.get("/users").await.status, 200);
    let admin = t.admin().await;
    let page = admin.get(&format!("/users/{ivy}")).await.text();
    let marker = format!("/users/{ivy}/roles/");
    let start = page.find(&marker).expect("revoke form") + marker.len();
    let assignment: String = page[start..].chars().take_while(char::is_ascii_digit).collect();

    let res = admin.post(&format!("/users/{ivy}/roles/{assignment}/revoke"), &[]).await;

    assert_eq!(res.status, 303);
    assert_eq!(ivy_browser.get("/users").await.status, 403);
    assert_eq!(t.audit_count("user.role_revoked").await, 1);
}

async fn nobody_grants_more_than_they_hold(t: TestApp) {
    t.seed_tree().await;
    t.create_user("jack", "org_admin", "S1").await;
    let target = t.create_user("kim", "org_viewer", "C11").await;
    let jack = t.login("jack").await;
    let page = jack.get(&format!("/users/{target}")).await.text();
    // The picker offers only what jack could grant.
    assert!(page.contains("value=\"org_admin\"") && !page.contains("value=\"district_admin\""), "{page}");

    let escalate =
        jack.post(&format!("/users/{target}/roles"), &[("role_code", "district_admin"), ("scope_code", "S1")]).await;
    assert_eq!(escalate.status, 422);
    assert!(escalate.text().contains("不能授予超出您自身权限的角色"));
    let elsewhere =
        jack.post(&format!("/users/{target}/roles"), &[("role_code", "org_viewer"), ("scope_code", "S2")]).await;
    assert_eq!(elsewhere.status, 404);
    let fine = jack.post(&format!("/users/{target}/roles"), &[("role_code", "org_admin"), ("scope_code", "C11")]).await;
    assert_eq!(fine.status, 303);
    let new_user = jack
        .post(
            "/users",
            &[("username", "lee"), ("display_name", "李"), ("role_code", "district_admin"), ("scope_code", "S1")],
        )
        .await;
    assert_eq!(new_user.status, 422);

    // Holding a role elsewhere puts kim beyond jack: no account actions and no revoke buttons.
    assert_eq!(jack.get(&format!("/users/{target}")).await.text().matches("/revoke\"").count(), 2);
    let sys = qingtuan_app::Actor::system();
    let s2_grant =
        qingtuan_app::access::users::NewAssignment { role_code: "org_viewer".into(), scope_code: "S2".into() };
    qingtuan_app::access::users::assign_role(&t.app, &sys, qingtuan_domain::ids::UserId(target), &s2_grant)
        .await
        .expect("grant");
    let page = jack.get(&format!("/users/{target}")).await.text();
    assert!(page.contains("组织查看员") && !page.contains("/revoke\"") && !page.contains("重置密码"), "{page}");
}

async fn role_permissions_are_data_the_district_admin_edits(t: TestApp) {
    t.seed_tree().await;
    t.create_user("mia", "org_viewer", "S1").await;
    t.create_user("ned", "org_admin", "S1").await;
    let mia = t.login("mia").await;
    mia.get("/account").await;
    let before =
        mia.post("/orgs", &[("parent_code", "S1"), ("code", "X1"), ("name", "新支部"), ("kind", "branch")]).await;
    assert_eq!(before.status, 403);

    let ned = t.login("ned").await;
    ned.get("/account").await;
    assert_eq!(ned.post("/roles/3", &[("permission", "orgs.read"), ("permission", "orgs.write")]).await.status, 403);
    let admin = t.admin().await;
    assert!(admin.get("/roles").await.text().contains("组织查看员"));
    admin.get("/roles/3/edit").await;
    let res = admin
        .post(
            "/roles/3",
            &[("permission", "dashboard.read"), ("permission", "orgs.read"), ("permission", "orgs.write")],
        )
        .await;
    assert_eq!(res.status, 303);

    let after =
        mia.post("/orgs", &[("parent_code", "S1"), ("code", "X1"), ("name", "新支部"), ("kind", "branch")]).await;
    assert_eq!(after.status, 303, "the new grant counts from the next request");
    assert_eq!(t.audit_count("role.permissions_changed").await, 1);

    // Volunteering is a module of its own: orgs.write does not form a team, volunteering.write does.
    let team = [("org_code", "S1"), ("name", "街道青年突击队"), ("formed_on", "2026-03-02")];
    assert_eq!(mia.post("/volunteering/teams", &team).await.status, 403);
    admin.get("/roles/3/edit").await;
    let grants =
        [("permission", "orgs.read"), ("permission", "volunteering.read"), ("permission", "volunteering.write")];
    assert_eq!(admin.post("/roles/3", &grants).await.status, 303);
    assert_eq!(mia.post("/volunteering/teams", &team).await.status, 303);
    // The built-in roles kept what they could do when the module was split off orgs (m0018).
    let kept = "SELECT COUNT(*) FROM role_permissions r JOIN roles o ON o.id = r.role_id \
                WHERE o.code = 'org_admin' AND r.permission IN ('volunteering.write', 'activities.write')";
    assert_eq!(t.scalar(kept).await, 2);
}

/// User administration follows the granting rule: resetting a password, disabling, enabling and
/// ending the sessions of an account need `users.write` over its org and, over every scope where
/// it holds a role, every permission of that role. A street admin cannot take over a district
/// admin whose home org lies in the street.
async fn nobody_administers_an_account_that_holds_more_than_they_do(t: TestApp) {
    t.seed_tree().await;
    let sys = qingtuan_app::Actor::system();
    // Targets: a district admin whose home org is a community of S1, a street admin, a viewer.
    t.create_user("t_boss", "org_admin", "C11").await;
    let boss_id = t.user_id("t_boss").await;
    let grant =
        qingtuan_app::access::users::NewAssignment { role_code: "district_admin".into(), scope_code: "D".into() };
    qingtuan_app::access::users::assign_role(&t.app, &sys, qingtuan_domain::ids::UserId(boss_id), &grant)
        .await
        .expect("grant");
    t.create_user("t_street", "org_admin", "S1").await;
    t.create_user("t_viewer", "org_viewer", "C11").await;
    // Actors.
    t.create_user("a_district", "district_admin", "D").await;
    t.create_user("a_street", "org_admin", "S1").await;
    t.create_user("a_community", "org_admin", "C11").await;
    t.create_user("a_viewer", "org_viewer", "S1").await;

    let targets = ["t_boss", "t_street", "t_viewer"];
    // What each actor gets for each target: allowed, 403 or 404.
    let expected: [(&str, [Want; 3]); 4] =
        [("a_district", [A, A, A]), ("a_street", [F, A, A]), ("a_community", [F, N, A]), ("a_viewer", [F, F, F])];
    for (actor, wants) in expected {
        let client = t.login(actor).await;
        client.get("/account").await;
        for (target, want) in targets.iter().zip(wants) {
            let id = t.user_id(target).await;
            for action in ["reset-password", "disable", "enable", "end-sessions"] {
                let status = client.post(&format!("/users/{id}/{action}"), &[]).await.status;
                let ok = matches!(status, 200 | 303);
                let got = match status {
                    403 => F,
                    404 => N,
                    _ if ok => A,
                    other => panic!("{actor} {action} {target}: {other}"),
                };
                assert_eq!(got, want, "{actor} {action} {target}: {status}");
            }
        }
    }
    assert!(t.audit_count("security.denied").await > 0, "refusals are audited");
}

db_tests!(nobody_administers_an_account_that_holds_more_than_they_do);
