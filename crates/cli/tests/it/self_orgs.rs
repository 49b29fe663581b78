//! Youth self-organisations: registered under a guiding org through the form or a spreadsheet,
//! counted on the dates they exist, dissolved only on the confirmed form, kept within the scope;
//! the contact's phone is shown masked.

use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(self_organisations_are_registered_counted_and_dissolved_within_the_scope);

async fn register(client: &TestClient, fields: &[(&str, &str)]) -> qingtuan_testkit::TestResponse {
    client.get("/self-orgs").await;
    let mut form = vec![
        ("org_code", "C11"),
        ("name", "一社区青年跑团"),
        ("kind", "culture_sports"),
        ("contact_name", "王晓"),
        ("contact_phone", "13800001234"),
        ("members", "40"),
        ("founded_on", "2026-01-10"),
    ];
    for (k, v) in fields {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    client.post("/self-orgs", &form).await
}

async fn count(client: &TestClient, as_of: &str) -> i64 {
    let r = client.get(&format!("/api/v1/reports?as_of={as_of}&baseline=2025-12-31&scope=S1")).await.json();
    r["self_organisations.count"]["value"].as_i64().expect("the figure")
}

async fn self_organisations_are_registered_counted_and_dissolved_within_the_scope(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    for (fields, message) in [
        (vec![("contact_phone", "1380000")], "手机号码应为 11 位数字"),
        (vec![("kind", "party")], "未知的自组织类型“party”"),
        (vec![("members", "0")], "成员人数应为 1 到 100000 的整数"),
        (vec![("founded_on", "2026-03-03")], "成立日期不能晚于今天"),
        (vec![("name", "")], "自组织名称不能为空"),
    ] {
        let res = register(&street, &fields).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(register(&street, &[("org_code", "C21")]).await.status, 404, "another street's org");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM self_organisations").await, 0);

    let res = register(&street, &[]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let again = register(&street, &[]).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("已登记名为“一社区青年跑团”的青年自组织"));
    let list = street.get("/self-orgs").await.text();
    assert!(list.contains("一社区青年跑团") && list.contains("138****1234") && !list.contains("13800001234"), "{list}");

    // A spreadsheet: all rows or none.
    let header = "联系指导组织代码,自组织名称,类型,所在区域代码,联系人,联系电话,成员人数,成立日期\n";
    let bad = format!(
        "{header}S1,街道读书会,学习交流,,李华,13900002222,,2026-02-01\nC21,二街道跑团,文体活动,,赵敏,13900003333,,2026-02-01\n"
    );
    street.get("/imports").await;
    let res = street.post_multipart("/imports", &[("kind", "self_orgs")], ("file", "s.csv", bad.as_bytes())).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("联系指导组织不在您的数据范围内"), "{}", res.text());
    let good = format!("{header}S1,街道读书会,学习交流,,李华,13900002222,,2026-02-01\n");
    let res = street.post_multipart("/imports", &[("kind", "self_orgs")], ("file", "s.csv", good.as_bytes())).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM self_organisations").await, 2);

    // Counted on the dates they exist.
    let admin = t.admin().await;
    assert_eq!(count(&admin, "2026-01-09").await, 0);
    assert_eq!(count(&admin, "2026-01-10").await, 1);
    assert_eq!(count(&admin, "2026-03-02").await, 2);

    // Dissolving first says what it changes; only the confirmed form changes anything.
    let id = t.scalar("SELECT id FROM self_organisations WHERE name = '一社区青年跑团'").await;
    street.get("/self-orgs").await;
    let confirm = street.post(&format!("/self-orgs/{id}/dissolve"), &[("dissolved_on", "2026-03-01")]).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text_of_id("dissolve-impact").expect("impact").contains("自 2026-03-01 起不再计入青年自组织数"));
    assert_eq!(count(&admin, "2026-03-02").await, 2);
    let early =
        street.post(&format!("/self-orgs/{id}/dissolve"), &[("dissolved_on", "2026-01-10"), ("confirm", "yes")]).await;
    assert_eq!(early.status, 422);
    assert!(early.text().contains("解散日期应晚于成立日期 2026-01-10"));
    let done =
        street.post(&format!("/self-orgs/{id}/dissolve"), &[("dissolved_on", "2026-03-01"), ("confirm", "yes")]).await;
    assert_eq!(done.status, 303);
    assert_eq!(count(&admin, "2026-02-28").await, 2);
    assert_eq!(count(&admin, "2026-03-02").await, 1);
    assert!(!street.get("/self-orgs").await.text().contains("一社区青年跑团"), "the list shows those existing");
    assert!(street.get("/self-orgs?all=true").await.text().contains("已于 2026-03-01 解散"));

    // Another street sees none of them and cannot dissolve them.
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert!(!other.get("/self-orgs?all=true").await.text().contains("街道读书会"));
    assert_eq!(other.get("/self-orgs?org=S1").await.status, 404);
    let reading = t.scalar("SELECT id FROM self_organisations WHERE name = '街道读书会'").await;
    let res = other
        .post(&format!("/self-orgs/{reading}/dissolve"), &[("dissolved_on", "2026-03-01"), ("confirm", "yes")])
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(t.audit_count("self_org.create").await, 2);
    assert_eq!(t.audit_count("self_org.dissolve").await, 1);
}
