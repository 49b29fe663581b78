//! Projects and activities: publishing through the back office, the sign-up window, approval, the
//! waiting list (a cancelled place goes to the first waiting), bulk attendance, export; a
//! children's activity is signed up by a guardian; sign-ups and attendance by category and
//! audience, and project indicators, in the report; organisers see only their own activities.

use chrono::TimeDelta;
use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    organisers_publish_an_activity_and_it_fills_then_keeps_a_waiting_list,
    sign_ups_open_and_close_with_the_window_and_may_need_approval,
    a_childrens_activity_is_signed_up_by_a_guardian,
    projects_count_their_results_in_the_report,
);

/// Publishes an activity of C11 through the form; returns its id. The test clock stands at
/// 2026-03-02.
async fn publish(organiser: &TestClient, extra: &[(&str, &str)]) -> i64 {
    organiser.get("/activities/new").await;
    let mut fields = vec![
        ("org_code", "C11"),
        ("title", "青春有约·园区青年联谊会"),
        ("category", "matchmaking"),
        ("audience", "youth"),
        ("on_date", "2026-03-07"),
        ("start", "14:00"),
        ("end", "17:00"),
        ("place", "高新区青年之家"),
        ("capacity", "2"),
        ("signup_opens_on", "2026-03-01"),
        ("signup_closes_on", "2026-03-06"),
    ];
    for (k, v) in extra {
        fields.retain(|(key, _)| key != k);
        fields.push((k, v));
    }
    let res = organiser.post("/activities", &fields).await;
    assert_eq!(res.status, 303, "{}", res.text());
    res.location().and_then(|l| l.rsplit('/').next()).and_then(|id| id.parse().ok()).expect("activity id")
}

fn person<'a>(name: &'a str, phone: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![("name", name), ("phone", phone), ("gender", "female"), ("birth_on", "1996-08-01")]
}

/// Signs up on the portal; returns the response.
async fn sign_up(visitor: &TestClient, id: i64, form: &[(&str, &str)]) -> qingtuan_testkit::TestResponse {
    visitor.get(&format!("/portal/activities/{id}")).await;
    visitor.post(&format!("/portal/activities/{id}/signup"), form).await
}

async fn report(reader: &TestClient) -> serde_json::Value {
    let res = reader.get("/api/v1/reports?as_of=2026-03-31&baseline=2026-01-01&from=2026-03-01&scope=D").await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

async fn organisers_publish_an_activity_and_it_fills_then_keeps_a_waiting_list(t: TestApp) {
    t.seed_tree().await;
    t.create_user("c11admin", "org_admin", "C11").await;
    let organiser = t.login("c11admin").await;
    organiser.get("/activities/new").await;
    let bad = organiser.post("/activities", &[("org_code", "C11"), ("title", ""), ("capacity", "x")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("名额应为整数") && bad.text().contains("请填写活动日期"));
    let id = publish(&organiser, &[("waitlist", "on")]).await;
    // The list exports too: a title row, the header, the activity with its date as a date.
    let xlsx = organiser.get("/activities/export.xlsx").await;
    assert_eq!(xlsx.status, 200);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("活动").expect("sheet");
    let rows: Vec<&[calamine::Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][0].to_string(), "青春有约·园区青年联谊会");
    assert!(matches!(rows[2][4], calamine::Data::DateTime(_)));

    let visitor = t.client();
    assert!(visitor.get("/portal").await.text().contains("青春有约·园区青年联谊会"));
    let first = sign_up(&visitor, id, &person("小周", "13900000001")).await;
    assert_eq!(first.text_of_id("signup-status").as_deref(), Some("已录取"));
    let second = sign_up(&visitor, id, &person("小吴", "13900000002")).await;
    let second_link = second.text_of_id("private-link").expect("link");
    let third = sign_up(&visitor, id, &person("小郑", "13900000003")).await;
    assert_eq!(third.text_of_id("signup-status").as_deref(), Some("候补"));
    let third_link = third.text_of_id("private-link").expect("link");

    // A place freed by cancelling goes to the first on the waiting list.
    visitor.get(&second_link).await;
    assert_eq!(visitor.post(&format!("{second_link}/cancel"), &[("confirm", "yes")]).await.status, 303);
    assert_eq!(visitor.get(&second_link).await.text_of_id("signup-status").as_deref(), Some("已取消"));
    assert_eq!(visitor.get(&third_link).await.text_of_id("signup-status").as_deref(), Some("已录取"));

    // Bulk attendance: 小周 came, 小郑 did not.
    let page = organiser.get(&format!("/activities/{id}")).await;
    assert!(page.text().contains("139****0001") && !page.text().contains("13900000001"));
    let html = page.text();
    let ids: Vec<String> = html
        .match_indices("name=\"attended\" value=\"")
        .map(|(i, m)| html[i + m.len()..].chars().take_while(char::is_ascii_digit).collect())
        .collect();
    assert_eq!(ids.len(), 2, "two approved sign-ups can be marked");
    let saved = organiser.post(&format!("/activities/{id}/attendance"), &[("attended", ids[0].as_str())]).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let page = organiser.get(&format!("/activities/{id}")).await;
    assert!(page.text_of_id("counts").is_some_and(|c| c.contains("已录取 2") && c.contains("参加 1")));
    assert_eq!(organiser.get(&format!("/activities/{id}/signups.xlsx")).await.status, 200);
    assert_eq!(organiser.post(&format!("/activities/{id}/served"), &[("people_served", "30")]).await.status, 303);
    let share = organiser.get(&format!("/activities/{id}/share")).await;
    assert!(share.text().contains("<svg") && share.text().contains(&format!("/portal/activities/{id}")));

    let r = report(&t.admin().await).await;
    assert_eq!(r["activities.signups"]["value"], 2, "the cancelled sign-up does not count");
    assert_eq!(r["activities.attendance"]["value"], 1);
    assert_eq!(r["volunteer.people_served"]["value"], 30, "people served at activities count too");
    let matchmaking = r["activities.by_category"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["code"] == "matchmaking").cloned());
    assert_eq!(matchmaking.map(|m| (m["signups"].clone(), m["attended"].clone())), Some((2.into(), 1.into())));
    let youth =
        r["activities.by_audience"].as_array().and_then(|rows| rows.iter().find(|row| row["code"] == "youth").cloned());
    assert_eq!(youth.map(|y| y["signups"].clone()), Some(2.into()));

    // Another community's organisers see none of it.
    t.create_user("c12admin", "org_admin", "C12").await;
    let other = t.login("c12admin").await;
    assert_eq!(other.get(&format!("/activities/{id}")).await.status, 404);
    assert_eq!(other.get(&format!("/activities/{id}/signups.xlsx")).await.status, 404);
    assert!(!other.get("/activities").await.text().contains("青春有约"));
}

async fn sign_ups_open_and_close_with_the_window_and_may_need_approval(t: TestApp) {
    t.seed_tree().await;
    let organiser = t.admin().await;
    let id = publish(
        &organiser,
        &[("needs_approval", "on"), ("signup_opens_on", "2026-03-03"), ("capacity", "5"), ("category", "development")],
    )
    .await;
    let visitor = t.client();
    let early = visitor.get(&format!("/portal/activities/{id}")).await;
    assert_eq!(early.text_of_id("closed").as_deref(), Some("报名尚未开始"));

    t.clock.advance(TimeDelta::days(1));
    let organiser = t.login("root").await;
    let pending = sign_up(&visitor, id, &person("小周", "13900000001")).await;
    assert_eq!(pending.text_of_id("signup-status").as_deref(), Some("待审核"));
    let link = pending.text_of_id("private-link").expect("link");
    let twice = sign_up(&visitor, id, &person("小周", "13900000001")).await;
    assert!(twice.text().contains("此手机号已为该姓名报名该活动"));
    let other = sign_up(&visitor, id, &person("小吴", "13900000002")).await;
    let other_link = other.text_of_id("private-link").expect("link");

    let html = organiser.get(&format!("/activities/{id}")).await.text();
    let decisions: Vec<String> = html
        .match_indices("/activities/signups/")
        .map(|(i, m)| html[i + m.len()..].split('"').next().unwrap_or_default().to_owned())
        .collect();
    let approve = decisions.iter().find(|d| d.ends_with("/approve")).expect("approve");
    let reject = decisions.iter().rev().find(|d| d.ends_with("/reject")).expect("reject");
    assert_eq!(organiser.post(&format!("/activities/signups/{approve}"), &[]).await.status, 303);
    assert_eq!(organiser.post(&format!("/activities/signups/{reject}"), &[]).await.status, 303);
    assert_eq!(visitor.get(&link).await.text_of_id("signup-status").as_deref(), Some("已录取"));
    assert_eq!(visitor.get(&other_link).await.text_of_id("signup-status").as_deref(), Some("未录取"));
    assert_eq!(t.audit_count("activity.signup_decided").await, 2);

    // After the closing day the form is gone, and a submission (with the form token the visitor
    // still holds) is refused.
    t.clock.advance(TimeDelta::days(4));
    let late = sign_up(&visitor, id, &person("小郑", "13900000003")).await;
    assert_eq!(late.status, 422);
    assert_eq!(late.text_of_id("closed").as_deref(), Some("报名已截止"));
    assert!(late.text().contains("报名已截止"));
}

async fn a_childrens_activity_is_signed_up_by_a_guardian(t: TestApp) {
    t.seed_tree().await;
    let organiser = t.admin().await;
    let id = publish(
        &organiser,
        &[("title", "“四点半课堂”周末手工课"), ("audience", "children"), ("category", "care"), ("capacity", "20")],
    )
    .await;
    let parent = t.client();
    // Fifteen years old, but the activity is for children: a guardian signs up.
    let child = [("name", "小明"), ("phone", "13600003333"), ("gender", "male"), ("birth_on", "2011-01-01")];
    let refused = sign_up(&parent, id, &child).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("儿童活动须由监护人代为报名"), "{}", refused.text());
    let ok = sign_up(&parent, id, &[&child[..], &[("guardian_name", "王女士"), ("consent", "on")]].concat()).await;
    assert_eq!(ok.text_of_id("signup-status").as_deref(), Some("已录取"), "{}", ok.text());
    let link = ok.text_of_id("private-link").expect("link");
    assert!(parent.get(&link).await.text().contains("王女士（已同意）"));
    // The organisers register a child signed up on paper, after the class, as having come; a
    // paper form without the guardian is refused like the portal's.
    organiser.get(&format!("/activities/{id}")).await;
    let paper = [("name", "小亮"), ("phone", "13600006666"), ("gender", "male"), ("birth_on", "2016-05-05")];
    let refused = organiser.post(&format!("/activities/{id}/register"), &paper).await;
    assert!(refused.text().contains("儿童活动须由监护人代为报名"));
    let with_guardian = [&paper[..], &[("guardian_name", "李先生"), ("consent", "on"), ("present", "on")]].concat();
    assert_eq!(organiser.post(&format!("/activities/{id}/register"), &with_guardian).await.status, 303);
    let page = organiser.get(&format!("/activities/{id}")).await;
    assert!(page.text_of_id("counts").is_some_and(|c| c.contains("已录取 2") && c.contains("参加 1")));
    assert_eq!(t.audit_count("activity.signups_registered").await, 1);
    let r = report(&organiser).await;
    let children = r["activities.by_audience"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["code"] == "children").cloned());
    assert_eq!(children.map(|c| (c["signups"].clone(), c["attended"].clone())), Some((2.into(), 1.into())));
}

async fn projects_count_their_results_in_the_report(t: TestApp) {
    t.seed_tree().await;
    let organiser = t.admin().await;
    organiser.get("/projects").await;
    let made = organiser
        .post(
            "/projects",
            &[
                ("org_code", "S1"),
                ("name", "青春白鹭岛"),
                ("category", "governance"),
                ("brand", "on"),
                ("starts_on", "2026-01-10"),
                ("partners", "区生态环境局、青年志愿者协会"),
                ("indicator_name", "治理河心岛"),
                ("indicator_unit", "个"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.text());
    let html = organiser.get("/projects").await.text();
    assert!(html.contains("青春白鹭岛") && html.contains("未登记"));
    let start = html.find("/projects/indicators/").expect("value form") + "/projects/indicators/".len();
    let indicator: String = html[start..].chars().take_while(char::is_ascii_digit).collect();
    let path = format!("/projects/indicators/{indicator}/values");
    assert_eq!(organiser.post(&path, &[("on_date", "2026-02-01"), ("value", "-1")]).await.status, 422);
    for (on, v) in [("2025-12-20", "2"), ("2026-02-01", "7"), ("2026-03-20", "11")] {
        assert_eq!(organiser.post(&path, &[("on_date", on), ("value", v), ("note", "验收")]).await.status, 303);
    }
    assert!(organiser.get("/projects").await.text().contains("<strong>11</strong> 个"));

    let r = report(&organiser).await;
    let rows = r["projects.indicators"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["indicator"], "治理河心岛");
    assert_eq!(rows[0]["value"], 11.0);
    assert_eq!(rows[0]["baseline_value"], 2.0, "the latest value on or before the baseline");
    let dashboard = organiser.get("/dashboard?as_of=2026-03-31&baseline=2026-01-01").await;
    assert!(dashboard.text().contains("青春白鹭岛") && dashboard.text().contains("11 个"));
    // Another street's organisers do not see the project.
    t.create_user("s2admin", "org_admin", "S2").await;
    assert!(!t.login("s2admin").await.get("/projects").await.text().contains("青春白鹭岛"));
}
