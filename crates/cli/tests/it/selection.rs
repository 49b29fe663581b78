//! Open selection: applications on the portal within the window (the age limit and duplicates at
//! their edges, hostile attachments refused), the qualification check, scores and ranking, the
//! public notice with an objection, the appointment that makes the post and moves C4's figure,
//! the applicants told on their private pages, scope, and the purge.

use crate::kit::id_number;
use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(an_opening_goes_from_applications_to_posts_through_notice_and_objection);

async fn apply(
    portal: &TestClient,
    opening: &str,
    name: &str,
    id: &str,
    file: (&str, &[u8]),
) -> qingtuan_testkit::TestResponse {
    portal.get(&format!("/portal/openings/{opening}")).await;
    portal
        .post_multipart(
            &format!("/portal/openings/{opening}/apply"),
            &[
                ("name", name),
                ("id_number", id),
                ("phone", "13800001234"),
                ("education", "大学本科"),
                ("political_status", "league_member"),
                ("resume", "2018 年毕业于青岛大学，现在社区服务中心工作。"),
            ],
            ("document", file.0, file.1),
        )
        .await
}

/// The private link's path on a receipt.
fn link(receipt: &qingtuan_testkit::TestResponse) -> String {
    let text = receipt.text();
    let at = text.find("/portal/applications/").expect("the private link");
    text[at..].split('"').next().expect("link").to_owned()
}

/// An application's id on the opening's page, by the applicant's name.
fn application_id(page: &str, name: &str) -> String {
    let at = page.find(&format!("<td>{name}</td>")).expect("the applicant's row");
    page[..at].rsplit("id=\"application-").next().and_then(|r| r.split('"').next()).expect("id").to_owned()
}

async fn an_opening_goes_from_applications_to_posts_through_notice_and_objection(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/openings").await;
    let res = admin
        .post(
            "/openings",
            &[
                ("org_code", "S1"),
                ("serving_level", "street"),
                ("employment", "seconded"),
                ("post_title", "member"),
                ("places", "2"),
                ("max_age", "35"),
                ("age_on", "2026-03-10"),
                ("requirements", "共青团员，大学本科及以上学历"),
                ("term_months", "12"),
                ("opens_on", "2026-03-02"),
                ("closes_on", "2026-03-10"),
                ("written_weight", "40"),
                ("interview_weight", "60"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let page_path = res.location().expect("opening").to_owned();
    let opening = page_path.rsplit('/').next().expect("id").to_owned();
    let audited =
        format!("SELECT COUNT(*) FROM audit_events WHERE action = 'opening.create' AND object_id = '{opening}'");
    assert_eq!(t.scalar(&audited).await, 1, "the audit row names the opening, not its org");
    let portal = t.client();
    assert!(portal.get("/portal").await.text().contains(&format!("/portal/openings/{opening}")));

    // The age on the opening's day, at its edge: 35 the day before the 36th birthday, not on it.
    let none: (&str, &[u8]) = ("", b"");
    let older = apply(&portal, &opening, "丁某", &id_number("19900310", 11), none).await;
    assert_eq!(older.status, 422);
    assert!(older.text().contains("报名要求 2026-03-10 时年龄不超过 35 周岁，您当时 36 周岁"), "{}", older.text());
    let child = apply(&portal, &opening, "小某", &id_number("20110101", 11), none).await;
    assert_eq!(child.status, 422);
    assert!(child.text().contains("报名要求 2026-03-10 时年满 16 周岁"), "{}", child.text());
    let hostile = apply(&portal, &opening, "甲某", &id_number("19900311", 11), ("cv.pdf", b"<html><script>")).await;
    assert_eq!(hostile.status, 422);
    assert!(hostile.text().contains("附件只能是 PDF、PNG 或 JPEG 文件"));
    assert!(hostile.text().contains("value=\"甲某\""), "what was typed stays");
    let a = apply(&portal, &opening, "甲某", &id_number("19900311", 11), ("简历.pdf", b"%PDF-1.7 resume")).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let a_link = link(&a);
    let again = apply(&portal, &opening, "甲某", &id_number("19900311", 11), none).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("此身份证号码已报名本次选拔"));
    let mut links = vec![a_link.clone()];
    for (name, birth) in [("乙某", "19950101"), ("丙某", "19960101"), ("戊某", "19970101")] {
        let res = apply(&portal, &opening, name, &id_number(birth, 21), none).await;
        assert_eq!(res.status, 200, "{}", res.text());
        links.push(link(&res));
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM applications").await, 4);
    assert!(portal.get(&a_link).await.text().contains("正在进行资格审查"));

    // Another street sees nothing of it.
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&page_path).await.status, 404);

    // The window closes.
    t.clock.advance(chrono::TimeDelta::days(9));
    let late = apply(&portal, &opening, "己某", &id_number("19980101", 31), none).await;
    assert_eq!(late.status, 422);
    assert!(late.text().contains("报名已于 2026-03-10 截止"));
    let admin = t.login("root").await;
    let page = admin.get(&page_path).await.text();
    assert!(page.contains("370214********"), "ID numbers masked: {page}");
    let res = admin.post(&format!("{page_path}/notice"), &[]).await;
    assert!(res.text().contains("尚未进行资格审查"), "{}", res.text());
    let ids: Vec<String> = ["甲某", "乙某", "丙某", "戊某"].iter().map(|n| application_id(&page, n)).collect();
    let refuse_blank = admin.post(&format!("/applications/{}/check", ids[2]), &[("pass", "no"), ("note", "")]).await;
    assert_eq!(refuse_blank.status, 422);
    admin.get(&page_path).await;
    let res =
        admin.post(&format!("/applications/{}/check", ids[2]), &[("pass", "no"), ("note", "学历不符合要求")]).await;
    assert_eq!(res.status, 303);
    for id in [&ids[0], &ids[1], &ids[3]] {
        admin.get(&page_path).await;
        assert_eq!(admin.post(&format!("/applications/{id}/check"), &[("pass", "yes")]).await.status, 303);
    }
    admin.get(&page_path).await;
    assert!(admin.post(&format!("{page_path}/notice"), &[]).await.text().contains("尚未登记笔试和面试成绩"));
    let bad = admin.post(&format!("/applications/{}/scores", ids[0]), &[("written", "101"), ("interview", "90")]).await;
    assert_eq!(bad.status, 422);
    // 甲 40×80 + 60×90 → 86.0; 乙 40×90 + 60×70 → 78.0; 戊 70.0: the two places go to 甲 and 乙.
    for (id, w, i) in [(&ids[0], "80", "90"), (&ids[1], "90", "70"), (&ids[3], "70", "70")] {
        admin.get(&page_path).await;
        let res = admin.post(&format!("/applications/{id}/scores"), &[("written", w), ("interview", i)]).await;
        assert_eq!(res.status, 303, "{}", res.text());
    }
    admin.get(&page_path).await;
    assert_eq!(admin.post(&format!("{page_path}/notice"), &[]).await.status, 303);
    assert!(portal.get(&links[0]).await.text().contains("正在公示（2026-03-11 至 2026-03-17）"));
    assert!(portal.get(&links[2]).await.text().contains("资格审查未通过：学历不符合要求"));
    assert!(portal.get(&links[3]).await.text().contains("您未进入拟任用人选"));

    // During the notice anyone may object, with the facts.
    let notice = format!("/portal/openings/{opening}/notice");
    let board = portal.get(&notice).await.text();
    assert!(board.contains("甲某") && board.contains("乙某") && !board.contains("戊某"), "{board}");
    let b_option = board
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains(">乙某<"))
        .and_then(|o| o.split('"').next())
        .expect("乙")
        .to_owned();
    let short = portal.post(&notice, &[("application", b_option.as_str()), ("content", "不合适")]).await;
    assert_eq!(short.status, 422);
    let res = portal
        .post(
            &notice,
            &[
                ("application", b_option.as_str()),
                ("content", "乙某目前仍在外地全职工作，无法按要求到岗挂职。"),
                ("contact", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.text().contains("异议已收到"));
    admin.get(&page_path).await;
    let early = admin.post(&format!("{page_path}/appoint"), &[("on", "2026-03-11")]).await;
    assert!(early.text().contains("公示 2026-03-17 结束后才能任用"), "{}", early.text());

    t.clock.advance(chrono::TimeDelta::days(7));
    let admin = t.login("root").await;
    let page = admin.get(&page_path).await.text();
    let pending = admin.post(&format!("{page_path}/appoint"), &[("on", "2026-03-18")]).await;
    assert!(pending.text().contains("乙某有尚未处理的公示异议"), "{}", pending.text());
    let objection = page.split("/objections/").nth(1).and_then(|r| r.split('/').next()).expect("objection").to_owned();
    let res = admin
        .post(
            &format!("/objections/{objection}/resolve"),
            &[("upheld", "yes"), ("resolution", "经核实，本人确在外地全职工作")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let before = t.scalar("SELECT COUNT(*) FROM positions").await;
    admin.get(&page_path).await;
    let res = admin.post(&format!("{page_path}/appoint"), &[("on", "2026-03-18")]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM positions").await, before + 1);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM positions WHERE source = 'social_selection' AND employment = 'seconded' AND serving_level = 'street' AND start_on = '2026-03-18'").await,
        1
    );
    assert!(portal.get(&links[0]).await.text().contains("您已被任用，任职日期 2026-03-18"));
    assert!(portal.get(&links[1]).await.text().contains("未能任用"));
    assert!(portal.get(&links[3]).await.text().contains("未能任用"));
    assert_eq!(admin.post(&format!("{page_path}/appoint"), &[("on", "2026-03-18")]).await.status, 422, "once");

    // The figures come from these records.
    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&from=2026-01-01&scope=S1").await.json();
    assert_eq!(r["selection.openings"]["value"], 1);
    assert_eq!(r["selection.applications"]["value"], 4);
    assert_eq!(r["selection.appointments"]["value"], 1);
    assert_eq!(r["selection.appointments.street_seconded"]["value"], 1);
    assert_eq!(r["selection.appointments.street_part_time"]["value"], 0);
    assert_eq!(r["selection.appointments.district_seconded"]["value"], 0);
    assert_eq!(r["cadres.seconded_part_time.street"]["value"], 1);
    assert_eq!(r["cadres.seconded_part_time.street"]["baseline_value"], 0);

    // The purge: nothing is due within the year; with no retention, the three not appointed go.
    let purge = |days: &str| {
        let url = t.db.url.clone();
        let days = days.to_owned();
        std::process::Command::new(env!("CARGO_BIN_EXE_qingtuan"))
            .args(["purge", "--retention-days", &days, "--database", &url])
            .env("QINGTUAN_SECRET_KEY", qingtuan_testkit::TEST_KEY)
            .env("QINGTUAN_LOG", "error")
            .output()
            .expect("run qingtuan")
    };
    let kept = purge("365");
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    assert!(String::from_utf8_lossy(&kept.stdout).contains("已删除 0 份"));
    let purged = purge("0");
    assert!(
        String::from_utf8_lossy(&purged.stdout).contains("已删除 3 份"),
        "{}",
        String::from_utf8_lossy(&purged.stdout)
    );
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM applications WHERE id_number_enc IS NULL AND name = '（已删除）'").await,
        3
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM application_documents").await, 1, "the appointed one's attachment stays");
    assert_eq!(portal.get(&links[1]).await.status, 404);
    assert_eq!(t.audit_count("application.purge").await, 1);
}
