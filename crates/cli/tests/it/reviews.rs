//! Duty-report reviews: raters grade through private links within the window, once, with the cap
//! on 好; results wait for every group's quorum; reporters see their own results and never who
//! graded what; the figures count rounds held and the share of 好.

use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    a_review_round_is_graded_through_private_links_and_concluded_at_quorum,
    bad_review_rounds_are_refused_and_change_nothing,
);

/// Organises the round of the test district (held today, 2026-03-02, closing on the 5th): the
/// four communities report, two groups of equal weight, 好 capped at 30 % (one of four).
async fn organise(admin: &TestClient) -> String {
    admin.get("/reviews").await;
    let res = admin
        .post(
            "/reviews",
            &[
                ("org_code", "D"),
                ("held_on", "2026-03-02"),
                ("closes_on", "2026-03-05"),
                ("reporters", "C11 C12\nC21，C22"),
                ("groups", "团区委 50 67\n青年代表 50 50%"),
                ("good_cap", "30"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    res.location().expect("to the round").to_owned()
}

/// Adds raters to the group named `group`; returns their private links' paths, in order.
async fn add_raters(admin: &TestClient, round: &str, group: &str, names: &str) -> Vec<String> {
    let page = admin.get(round).await.text();
    let at = page.find(&format!(">{group}</option>")).expect("the group's option");
    let id = page[..at].rsplit("value=\"").next().and_then(|v| v.split('"').next()).expect("group id").to_owned();
    let res = admin.post(&format!("{round}/raters"), &[("group", id.as_str()), ("names", names)]).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.text()
        .match_indices("http://localhost/portal/reviews/")
        .map(|(i, _)| {
            let rest = &res.text()[i + "http://localhost".len()..];
            rest[..rest.find('<').expect("end of link")].to_owned()
        })
        .collect()
}

/// The reporters' ids on a ballot, in order (C11, C12, C21, C22).
async fn reporters(rater: &TestClient, link: &str) -> Vec<String> {
    let page = rater.get(link).await;
    assert_eq!(page.status, 200, "{}", page.text());
    page.text()
        .match_indices("id=\"reporter-")
        .map(|(i, _)| page.text()[i + 13..].split('"').next().expect("id").to_owned())
        .collect()
}

async fn vote(rater: &TestClient, link: &str, grades: [&str; 4]) -> qingtuan_testkit::TestResponse {
    let ids = reporters(rater, link).await;
    let fields: Vec<(String, &str)> = ids.iter().zip(grades).map(|(id, g)| (format!("g{id}"), g)).collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    rater.post(link, &fields).await
}

async fn a_review_round_is_graded_through_private_links_and_concluded_at_quorum(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let round = organise(&admin).await;
    let committee = add_raters(&admin, &round, "团区委", "甲\n乙\n丙").await;
    let youth = add_raters(&admin, &round, "青年代表", "丁\n戊").await;
    assert_eq!((committee.len(), youth.len()), (3, 2));
    assert!(admin.get(&round).await.text().contains("每位评议人评“好”不超过 30%，即 1 个"));

    // On a phone, without an account: the cap on 好 and a grade for everyone, at their edges.
    let phone = t.client();
    let two_good = vote(&phone, &committee[0], ["good", "good", "average", "poor"]).await;
    assert_eq!(two_good.status, 422);
    assert!(two_good.text().contains("评为“好”的不能超过 1 个（您选了 2 个）"), "{}", two_good.text());
    assert!(two_good.text().contains("value=\"good\" checked"), "what was chosen stays chosen");
    let ids = reporters(&phone, &committee[0]).await;
    let partial = phone.post(&committee[0], &[(format!("g{}", ids[0]).as_str(), "good")]).await;
    assert_eq!(partial.status, 422);
    assert!(partial.text().contains("尚未选择：一街道二社区团支部、二街道一社区团支部、二街道二社区团支部"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM review_ballots").await, 0);

    for (link, grades) in [
        (&committee[0], ["good", "fairly_good", "average", "poor"]),
        (&committee[1], ["good", "fairly_good", "average", "poor"]),
        (&youth[0], ["fairly_good", "good", "average", "poor"]),
    ] {
        let res = vote(&phone, link, grades).await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert!(res.text().contains("评议票已提交"));
    }
    let again = vote(&phone, &committee[0], ["poor", "poor", "poor", "poor"]).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("您已提交评议票"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM review_ballots").await, 12);
    assert_eq!(phone.get("/portal/reviews/not-a-link").await.status, 404);

    // Two of three is not over two thirds (quorum 67 %): nothing is published yet.
    let page = admin.get(&round).await;
    assert!(page.text().contains("2 / 3") && page.text().contains("未达到"), "{}", page.text());
    let early = admin.post(&format!("{round}/conclude"), &[]).await;
    assert_eq!(early.status, 422);
    assert!(early.text().contains("团区委提交的评议票未达到法定比例"), "{}", early.text());

    // The reporters' staff see the round, but neither results before publication nor raters.
    t.create_user("s2admin", "org_admin", "S2").await;
    let street = t.login("s2admin").await;
    assert!(street.get("/reviews").await.text().contains(&round));
    let seen = street.get(&round).await;
    assert_eq!(seen.status, 200);
    assert!(seen.text().contains("结果公布后可见") && !seen.text().contains("甲"), "{}", seen.text());
    assert!(seen.text_of_id("result-C21").is_none());
    assert_eq!(street.post(&format!("{round}/conclude"), &[]).await.status, 404);
    assert_eq!(street.post(&format!("{round}/raters"), &[("group", "1"), ("names", "冒充")]).await.status, 404);

    let res = vote(&phone, &committee[2], ["good", "fairly_good", "fairly_good", "poor"]).await;
    assert_eq!(res.status, 200);
    // The window closes: the last youth rater is too late.
    t.clock.advance(chrono::TimeDelta::days(4));
    let late = vote(&phone, &youth[1], ["poor", "poor", "poor", "poor"]).await;
    assert_eq!(late.status, 422);
    assert!(late.text().contains("评议已截止"));

    let admin = t.login("root").await;
    admin.get(&round).await;
    let res = admin.post(&format!("{round}/conclude"), &[]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let page = admin.get(&round).await;
    assert_eq!(page.text_of_id("review-state").as_deref(), Some("已公布结果"));
    // C11: 团区委 100, 青年代表 80 → 90 好; C12: 80 and 100 → 90 好; C21: 66.7 and 60 → 63.3 一般.
    for (code, score, grade) in
        [("C11", "90.0", "好"), ("C12", "90.0", "好"), ("C21", "63.3", "一般"), ("C22", "40.0", "差")]
    {
        let row = page
            .text()
            .split(&format!("id=\"result-{code}\""))
            .nth(1)
            .expect("row")
            .split("</tr>")
            .next()
            .unwrap_or("")
            .to_owned();
        assert!(row.contains(&format!("<td>{score}</td><td class=\"grade\">{grade}</td>")), "{code}: {row}");
    }
    assert_eq!(admin.post(&format!("{round}/conclude"), &[]).await.status, 422, "published once");
    assert!(phone.get(&youth[1]).await.text().contains("评议结果已经公布"));

    // Published: the street sees its own communities' results, nobody else's, and no rater.
    let street = t.login("s2admin").await;
    let seen = street.get(&round).await.text();
    assert!(seen.contains("id=\"result-C21\"") && seen.contains("id=\"result-C22\""), "{seen}");
    assert!(!seen.contains("result-C11") && !seen.contains("甲") && !seen.contains("好/票数"), "{seen}");
    t.create_user("c11admin", "org_admin", "C11").await;
    let c11 = t.login("c11admin").await;
    assert!(!c11.get(&round).await.text().contains("result-C21"));

    // The figures: one round held by the district; half of the graded reporters 好.
    let report = |scope: &'static str| {
        let admin = &admin;
        async move {
            admin
                .get(&format!("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&from=2026-01-01&scope={scope}"))
                .await
                .json()
        }
    };
    let district = report("D").await;
    assert_eq!(district["accountability.reviews"]["value"], 1);
    assert_eq!(district["accountability.reviews.good_share"]["value"], 50);
    assert_eq!(report("S1").await["accountability.reviews.good_share"]["value"], 100);
    assert_eq!(report("S2").await["accountability.reviews.good_share"]["value"], 0);
    assert_eq!(report("S2").await["accountability.reviews"]["value"], 0, "the district held it");

    // Anonymous to the reporters, the audit trail included: four ballots, no names, no grades.
    assert_eq!(t.audit_count("review.ballot").await, 4);
    let ballots = t
        .strings("SELECT COALESCE(after_json, '') || actor_name FROM audit_events WHERE action = 'review.ballot'")
        .await;
    assert!(ballots.iter().all(|a| !a.contains("甲") && !a.contains("good")), "{ballots:?}");
}

async fn bad_review_rounds_are_refused_and_change_nothing(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    for (fields, message) in [
        (vec![("reporters", "C11 NOPE")], "述职单位“NOPE”不存在或不是组织单位的下级组织"),
        (vec![("groups", "团区委 20\n青年代表 20 50")], "评议组第 1 行应写成“名称 权重 法定比例%”"),
        (vec![("groups", "团区委 20 67\n团区委 30 67")], "评议组第 2 行：“团区委”重复"),
        (vec![("good_cap", "0")], "“好”的比例上限应为 1–100 之间的整数"),
        (vec![("closes_on", "2026-03-01")], "评议截止日期应在评议日期后 60 天之内"),
        (vec![("held_on", "2028-03-02")], "评议日期不能晚于一年以后"),
    ] {
        admin.get("/reviews").await;
        let mut form = vec![("org_code", "S1"), ("held_on", "2026-03-02"), ("groups", "团区委 100 67")];
        form.retain(|(k, _)| fields.iter().all(|(f, _)| f != k));
        form.extend(fields.iter().copied());
        let res = admin.post("/reviews", &form).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    // A street organises for its own communities only; another street's org is not below it.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    street.get("/reviews").await;
    let res = street.post("/reviews", &[("org_code", "D"), ("held_on", "2026-03-02")]).await;
    assert_eq!(res.status, 404);
    let res = street.post("/reviews", &[("org_code", "S1"), ("held_on", "2026-03-02"), ("reporters", "C21")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM review_rounds").await, 0);
    // With no reporters named, the street's communities report.
    let res = street.post("/reviews", &[("org_code", "S1"), ("held_on", "2026-03-02")]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let round = res.location().expect("round").to_owned();
    let page = street.get(&round).await.text();
    assert!(page.contains("一街道一社区团支部") && page.contains("一街道二社区团支部") && !page.contains("二街道"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM review_groups").await, 4, "the default groups");
    let res = street.post(&format!("{round}/raters"), &[("group", "999999"), ("names", "甲")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM review_raters").await, 0);
}
