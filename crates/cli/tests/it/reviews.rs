//! Duty-report reviews: raters grade through private links within the window, once, with the cap
//! on 好; results wait for every group's quorum; reporters see their own results and never who
//! graded what; the figures count rounds held and the share of 好. The published assessment ranks
//! the orgs by their letters, reviews and inspections, frozen, and shows what changed since.

use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    a_review_round_is_graded_through_private_links_and_concluded_at_quorum,
    bad_review_rounds_are_refused_and_change_nothing,
    the_published_assessment_is_frozen_and_shows_what_changed_since,
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

/// Signs the 2026 letter of `org` with one qualitative target scored `score`.
async fn letter_scored(admin: &TestClient, org: &str, score: &str) {
    admin.get("/letters").await;
    let res = admin.post("/letters", &[("org_code", org), ("year", "2026"), ("signed_on", "2026-02-20")]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let letter = res.location().expect("letter").to_owned();
    admin.get(&letter).await;
    let res = admin.post(&format!("{letter}/targets"), &[("description", "台账规范"), ("weight", "100")]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let page = admin.get(&letter).await.text();
    let id = page.split("/letters/targets/").nth(1).and_then(|r| r.split('/').next()).expect("target").to_owned();
    let res = admin.post(&format!("/letters/targets/{id}/judge"), &[("score", score), ("note", "")]).await;
    assert_eq!(res.status, 303, "{}", res.text());
}

async fn inspect(admin: &TestClient, org: &str, held_on: &str, items: &str) {
    admin.get("/inspections").await;
    let res = admin.post("/inspections", &[("org_code", org), ("held_on", held_on), ("items", items)]).await;
    assert_eq!(res.status, 303, "{}", res.text());
}

async fn the_published_assessment_is_frozen_and_shows_what_changed_since(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    letter_scored(&admin, "S1", "90").await;
    letter_scored(&admin, "S2", "70").await;
    admin.get("/reviews").await;
    let res = admin
        .post(
            "/reviews",
            &[
                ("org_code", "D"),
                ("held_on", "2026-03-02"),
                ("reporters", "S1 S2"),
                ("groups", "团区委 80 50\n青年代表 20 50"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let round = res.location().expect("round").to_owned();
    let rater = add_raters(&admin, &round, "团区委", "甲").await.remove(0);
    let phone = t.client();
    let ids = reporters(&phone, &rater).await;
    let fields = [(format!("g{}", ids[0]), "good"), (format!("g{}", ids[1]), "fairly_good")];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(phone.post(&rater, &fields).await.status, 200);
    // A group nobody was asked to rate in neither blocks the result nor weighs in it.
    assert!(admin.get(&round).await.text().contains("未设评议人（不计）"));
    assert_eq!(admin.post(&format!("{round}/conclude"), &[]).await.status, 303);
    inspect(&admin, "S1", "2026-03-01", "三会两制一课 18/20").await;

    // The preview is computed, not saved: S1 (50×90 + 30×100 + 20×90)/100 = 93.0; S2 has no
    // inspection, so its total weighs the other two: (50×70 + 30×80)/80 = 73.8.
    let form = [
        ("org_code", "D"),
        ("year", "2026"),
        ("letter_weight", "50"),
        ("review_weight", "30"),
        ("inspection_weight", "20"),
    ];
    let query: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let preview = admin.get(&format!("/assessments/preview?{}", query.join("&"))).await;
    assert_eq!(preview.status, 200, "{}", preview.text());
    let line = |html: &str, code: &str| {
        html.split(&format!("id=\"line-{code}\"")).nth(1).and_then(|r| r.split("</tr>").next()).unwrap_or("").to_owned()
    };
    assert!(
        line(&preview.text(), "S1").contains(
            "<td>1</td><td>一街道团工委</td><td>90.0</td><td>100.0</td><td>90.0</td><td>93.0</td><td>优秀</td>"
        ),
        "{}",
        line(&preview.text(), "S1")
    );
    assert!(
        line(&preview.text(), "S2")
            .contains("<td>2</td><td>二街道团工委</td><td>70.0</td><td>80.0</td><td>—</td><td>73.8</td><td>合格</td>"),
        "{}",
        line(&preview.text(), "S2")
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM assessments").await, 0);

    let res = admin.post("/assessments", &form).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let published = res.location().expect("assessment").to_owned();
    admin.get("/assessments").await;
    let again = admin.post("/assessments", &form).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("2026 年度的考核通报已经发布"));
    assert_eq!(admin.get(&published).await.text_of_id("changed").as_deref(), Some("没有变化"));

    // The records move on: S2 is inspected and does poorly. The published line stays; the page
    // says what it would be now.
    inspect(&admin, "S2", "2026-03-02", "三会两制一课 10/20").await;
    let page = admin.get(&published).await.text();
    let s2 = line(&page, "S2");
    assert!(s2.contains("<td>73.8</td><td>合格</td>") && s2.contains("69.0（-4.8，合格）"), "{s2}");
    assert!(page.contains("1 个组织的得分有变化"), "{page}");
    // Each number opens what makes it up: the org's letters, reviews and inspections of the year.
    let s1 = line(&page, "S1");
    for list in ["letters", "reviews", "inspections"] {
        assert!(s1.contains(&format!("href=\"/{list}?year=2026&amp;org=S1\"")), "{list}: {s1}");
    }
    let inspections = admin.get("/inspections?year=2026&org=S1").await.text();
    assert!(inspections.contains("一街道团工委") && !inspections.contains("二街道团工委"), "{inspections}");
    let reviews = admin.get("/reviews?year=2026&org=S2").await.text();
    assert!(reviews.contains(&round), "S2 reported in the round: {reviews}");
    assert!(!admin.get("/reviews?year=2026&org=C11").await.text().contains(&round), "C11 did not");
    let print = admin.get(&format!("{published}/print")).await;
    assert!(print.text().contains("2026年度基层团建工作考核通报") && print.text().contains("73.8"));
    let xlsx = admin.get(&format!("{published}/export.xlsx")).await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(t.audit_count("data.export").await, 1);

    // Published to those it ranks: a street reads it; a community it does not rank does not.
    t.create_user("s2admin", "org_admin", "S2").await;
    let street = t.login("s2admin").await;
    assert!(street.get("/assessments").await.text().contains(&published));
    let seen = street.get(&published).await.text();
    assert!(line(&seen, "S1").contains("93.0"));
    assert!(
        !seen.contains("现在重新计算") && !seen.contains("69.0"),
        "the others' figures since are not published: {seen}"
    );
    street.get("/assessments").await;
    assert_eq!(street.post("/assessments", &[("org_code", "D"), ("year", "2025")]).await.status, 404);
    t.create_user("c11admin", "org_admin", "C11").await;
    assert_eq!(t.login("c11admin").await.get(&published).await.status, 404);

    // Bad asks change nothing.
    for (fields, message) in [
        (vec![("letter_weight", "0"), ("review_weight", "0"), ("inspection_weight", "0")], "三项权重不能都为 0"),
        (vec![("year", "2025")], "2025 年度没有可考核的组织"),
        (vec![("year", "25")], "年度应为四位数字"),
    ] {
        admin.get("/assessments").await;
        let mut asked: Vec<(&str, &str)> =
            form.iter().copied().filter(|(k, _)| fields.iter().all(|(f, _)| f != k)).collect();
        asked.extend(fields.iter().copied());
        let res = admin.post("/assessments", &asked).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM assessments").await, 1);
    assert_eq!(t.audit_count("assessment.publish").await, 1);
}
