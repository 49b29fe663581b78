//! Responsibility letters: targets measure themselves from the records and move when the records
//! change; qualitative targets count when the issuer scores them; the district's figures average
//! the letters; letters stay within their scope; bad input and hostile uploads change nothing.

use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    a_letters_targets_measure_themselves_and_move_with_the_records,
    letters_stay_in_their_scope,
    bad_letters_targets_and_documents_are_refused_and_change_nothing,
    letters_and_their_targets_come_in_from_a_spreadsheet_all_or_nothing,
    inspections_raise_rectification_items_that_owners_close_and_the_figures_follow,
    inspection_photos_are_images_kept_with_the_inspection_and_its_scope,
);

/// Signs a letter through the form; returns its id. The test clock stands at 2026-03-02.
async fn sign(admin: &TestClient, org: &str, fields: &[(&str, &str)]) -> i64 {
    admin.get("/letters").await;
    let mut form = vec![("org_code", org), ("year", "2026"), ("signed_on", "2026-02-20")];
    form.extend_from_slice(fields);
    let res = admin.post("/letters", &form).await;
    assert_eq!(res.status, 303, "{}", res.text());
    res.location().and_then(|l| l.rsplit('/').next()).and_then(|id| id.parse().ok()).expect("letter id")
}

async fn add_target(admin: &TestClient, letter: i64, fields: &[(&str, &str)]) -> qingtuan_testkit::TestResponse {
    admin.get(&format!("/letters/{letter}")).await;
    admin.post(&format!("/letters/{letter}/targets"), fields).await
}

async fn completion(reader: &TestClient, letter: i64) -> String {
    let page = reader.get(&format!("/letters/{letter}")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let text = page.text_of_id("letter-completion").expect("completion shown");
    text.split_whitespace().find(|w| w.ends_with('%')).expect("a percentage").to_owned()
}

async fn team(admin: &TestClient, org: &str, name: &str, formed_on: &str) {
    admin.get("/volunteering").await;
    let res = admin.post("/volunteering/teams", &[("org_code", org), ("name", name), ("formed_on", formed_on)]).await;
    assert_eq!(res.status, 303, "{}", res.text());
}

/// The id of the first target on a letter's page, from its judge or remove form.
async fn target_ids(reader: &TestClient, letter: i64, action: &str) -> Vec<i64> {
    let html = reader.get(&format!("/letters/{letter}")).await.text();
    html.match_indices("/letters/targets/")
        .filter_map(|(at, _)| {
            let rest = &html[at + "/letters/targets/".len()..];
            let (id, tail) = rest.split_once('/')?;
            tail.starts_with(action).then(|| id.parse().ok()).flatten()
        })
        .collect()
}

async fn a_letters_targets_measure_themselves_and_move_with_the_records(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let letter = sign(&admin, "S1", &[]).await;
    let teams =
        add_target(&admin, letter, &[("indicator", "volunteer.teams.count"), ("target_value", "2"), ("weight", "60")])
            .await;
    assert_eq!(teams.status, 303, "{}", teams.text());
    let routine = add_target(&admin, letter, &[("description", "落实“三会两制一课”"), ("weight", "40")]).await;
    assert_eq!(routine.status, 303, "{}", routine.text());
    let page = admin.get(&format!("/letters/{letter}")).await.text();
    assert!(page.contains("青年突击队 ≥ 2支") && page.contains("待上级评定"), "{page}");
    assert_eq!(completion(&admin, letter).await, "0.0%");

    // A team under the street counts; one under the other street does not.
    team(&admin, "C11", "一社区青年突击队", "2026-03-01").await;
    team(&admin, "C21", "二街道青年突击队", "2026-03-01").await;
    assert_eq!(completion(&admin, letter).await, "30.0%", "1 of 2 teams × 60");

    // The qualitative target counts once the district scores it.
    let judged = target_ids(&admin, letter, "judge").await;
    assert_eq!(judged.len(), 1, "only the qualitative target is scored by hand");
    let res = admin
        .post(&format!("/letters/targets/{}/judge", judged[0]), &[("score", "50"), ("note", "台账基本规范")])
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(completion(&admin, letter).await, "50.0%");

    // More teams: reached, and over-reaching does not count for more.
    team(&admin, "C12", "二社区青年突击队", "2026-03-01").await;
    assert_eq!(completion(&admin, letter).await, "80.0%");
    team(&admin, "S1", "街道青年突击队", "2026-03-01").await;
    assert_eq!(completion(&admin, letter).await, "80.0%");

    // The district's figures average the letters signed in the period; the list and the org's page agree.
    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&scope=D").await.json();
    assert_eq!(r["accountability.letters.signed"]["value"], 1);
    assert_eq!(r["accountability.letters.completion"]["value"], 80);
    assert!(admin.get("/letters").await.text().contains("80.0%"));
    let api = admin.get("/api/v1/letters?year=2026&org=S1").await.json();
    assert_eq!(api["items"][0]["completion_pct"], 80.0, "{api}");
    assert_eq!(admin.get("/api/v1/letters?year=1999").await.status, 422);
    assert_eq!(admin.get("/api/v1/letters?org=NOPE").await.status, 404, "an unknown org, as for reports");
    let s1 = t.org_id("S1").await;
    assert!(admin.get(&format!("/orgs/{s1}")).await.text().contains("80.0%"));
    // Before the letter was signed there is no completion to show.
    let before = admin.get("/api/v1/reports?as_of=2026-02-10&baseline=2025-12-31&scope=D").await.json();
    assert!(before["accountability.letters.completion"]["unavailable"].is_string(), "{before}");

    // Removing the qualitative target leaves the teams alone: fully reached.
    let removed = target_ids(&admin, letter, "remove").await;
    assert_eq!(removed.len(), 2);
    let confirm = admin.post(&format!("/letters/targets/{}/remove", removed[1]), &[]).await;
    assert_eq!(confirm.status, 200, "nothing is removed before it is confirmed");
    let impact = confirm.text_of_id("removal-impact").expect("what it would change");
    assert!(impact.contains("从 80.0% 变为 100.0%"), "{impact}");
    assert_eq!(completion(&admin, letter).await, "80.0%");
    let res = admin.post(&format!("/letters/targets/{}/remove", removed[1]), &[("confirm", "yes")]).await;
    assert_eq!(res.status, 303);
    assert_eq!(completion(&admin, letter).await, "100.0%");
    assert_eq!(t.audit_count("letter.sign").await, 1);
    assert_eq!(t.audit_count("letter.target").await, 2);
    assert_eq!(t.audit_count("letter.judge").await, 1);
    assert_eq!(t.audit_count("letter.target_removed").await, 1);
}

async fn letters_stay_in_their_scope(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let s1_letter = sign(&admin, "S1", &[]).await;
    let s2_letter = sign(&admin, "S2", &[]).await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;

    let list = street.get("/letters").await.text();
    assert!(list.contains("一街道团工委") && !list.contains("二街道团工委"), "{list}");
    assert_eq!(street.get(&format!("/letters/{s2_letter}")).await.status, 404);
    assert_eq!(street.get(&format!("/letters/{s2_letter}/document")).await.status, 404);
    // The street reads its own letter but cannot change what the district set it.
    let own = street.get(&format!("/letters/{s1_letter}")).await;
    assert_eq!(own.status, 200);
    assert!(!own.text().contains("添加目标"));
    let res = street
        .post(&format!("/letters/{s1_letter}/targets"), &[("description", "自己降低目标"), ("weight", "100")])
        .await;
    assert_eq!(res.status, 404);
    let export = street.get("/letters/export.xlsx").await;
    assert_eq!(export.status, 200);
    // A filter by another street's org says nothing of it: missing, as an unknown code.
    assert_eq!(street.get("/letters?org=S2").await.status, 404);
    assert_eq!(street.get("/letters?org=NOPE").await.status, 404);
    assert_eq!(street.get("/rectifications?org=C21").await.status, 404);
    let api = street.get("/api/v1/letters").await.json();
    assert_eq!(api["total"], 1, "{api}");
    assert_eq!(api["items"][0]["org_code"], "S1");
    // Nor can it remove what the district set.
    admin.get(&format!("/letters/{s1_letter}")).await;
    let set =
        admin.post(&format!("/letters/{s1_letter}/targets"), &[("description", "台账规范"), ("weight", "10")]).await;
    assert_eq!(set.status, 303);
    let target = target_ids(&admin, s1_letter, "remove").await[0];
    for confirm in ["", "yes"] {
        let res = street.post(&format!("/letters/targets/{target}/remove"), &[("confirm", confirm)]).await;
        assert_eq!(res.status, 404);
        let res = street.post(&format!("/letters/targets/{target}/judge"), &[("score", "100")]).await;
        assert_eq!(res.status, 404);
    }

    // A street signs with its own communities, not with another street's.
    let own_branch = sign(&street, "C11", &[]).await;
    assert!(street.get(&format!("/letters/{own_branch}")).await.text().contains("添加目标"));
    let res = street.post("/letters", &[("org_code", "C21"), ("year", "2026"), ("signed_on", "2026-02-20")]).await;
    assert_eq!(res.status, 404);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM responsibility_letters").await, 3);
}

async fn bad_letters_targets_and_documents_are_refused_and_change_nothing(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let letter = sign(&admin, "S1", &[]).await;
    for (fields, message) in [
        (
            vec![("org_code", "S1"), ("year", "2026"), ("signed_on", "2026-02-21")],
            "一街道团工委的 2026 年度责任状已经签订",
        ),
        (
            vec![("org_code", "S2"), ("year", "20x6"), ("signed_on", "2026-02-21")],
            "年度应为 2000 到 2027 之间的四位数字",
        ),
        (vec![("org_code", "S2"), ("year", "2026"), ("signed_on", "2026-03-03")], "签订日期不能晚于今天"),
        (
            vec![("org_code", "S2"), ("year", "2026"), ("signed_on", "2024-12-31")],
            "2026 年度的责任状应在 2025 年或 2026 年内签订",
        ),
        (vec![("org_code", "D"), ("year", "2026"), ("signed_on", "2026-02-21")], "没有上级组织"),
        (
            vec![("org_code", "S2"), ("issuer_code", "C11"), ("year", "2026"), ("signed_on", "2026-02-21")],
            "责任单位应是考核单位的下级组织",
        ),
        (vec![("org_code", "NOPE"), ("year", "2026"), ("signed_on", "2026-02-21")], "没有找到组织“NOPE”"),
    ] {
        admin.get("/letters").await;
        let res = admin.post("/letters", &fields).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM responsibility_letters").await, 1);

    for (fields, message) in [
        (
            vec![("indicator", "volunteer.teams.count"), ("target_value", "2"), ("weight", "0")],
            "权重应为 1 到 100 的整数",
        ),
        (
            vec![("indicator", "volunteer.teams.count"), ("target_value", "0"), ("weight", "10")],
            "目标值应为大于 0 的整数",
        ),
        (vec![("indicator", "no.such"), ("target_value", "2"), ("weight", "10")], "未知的指标“no.such”"),
        (
            vec![("indicator", "accountability.letters.completion"), ("target_value", "90"), ("weight", "10")],
            "不能作为责任状的目标",
        ),
        (vec![("description", " "), ("weight", "10")], "定性目标请填写目标内容"),
        (
            vec![("description", "台账"), ("weight", "10"), ("starts_on", "2026-06-01"), ("due_on", "2026-05-01")],
            "截止日期不能早于开始日期",
        ),
    ] {
        let res = add_target(&admin, letter, &fields).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM letter_targets").await, 0);
    let res =
        add_target(&admin, letter, &[("indicator", "新成立社区团支部"), ("target_value", "3"), ("weight", "10")]).await;
    assert_eq!(res.status, 303, "an indicator may be named by its Chinese name: {}", res.text());
    let quantitative = target_ids(&admin, letter, "remove").await[0];
    let res = admin
        .post(&format!("/letters/targets/{quantitative}/judge"), &[("score", "90"), ("letter", &letter.to_string())])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("定量目标按统计数据自动计算"));

    // Uploads: known by their content, within 8 MB; anything else is refused and nothing stored.
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let admin = &admin;
        async move {
            admin.get(&format!("/letters/{letter}")).await;
            admin.post_multipart(&format!("/letters/{letter}/upload"), &[], ("document", name, &bytes)).await
        }
    };
    let html = upload("letter.pdf", b"<html><script>alert(1)</script></html>".to_vec()).await;
    assert_eq!(html.status, 422);
    assert!(html.text().contains("签字文本只能是 PDF、PNG 或 JPEG 文件"));
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(8 * 1024 * 1024 + 1, b' ');
    let too_big = upload("big.pdf", big).await;
    assert_eq!(too_big.status, 422);
    assert!(too_big.text().contains("签字文本不能超过 8 MB"));
    let huge = upload("huge.pdf", vec![b'%'; 9 * 1024 * 1024]).await;
    assert_eq!(huge.status, 413);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM letter_documents").await, 0);
    assert_eq!(admin.get(&format!("/letters/{letter}/document")).await.status, 404);

    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let ok = upload("2026 一街道\"; evil.html", pdf.clone()).await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    let got = admin.get(&format!("/letters/{letter}/document")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    let disposition = got.header("content-disposition").expect("a download").to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"letter-") && !disposition.contains("evil.html\""),
        "{disposition}"
    );
    assert_eq!(got.body.as_ref(), pdf.as_slice());
    assert_eq!(t.audit_count("letter.document").await, 1);
}

async fn letters_and_their_targets_come_in_from_a_spreadsheet_all_or_nothing(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let header = "责任单位代码,考核单位代码,年度,签订日期,标题,指标,目标值,目标内容,权重,开始日期,截止日期\n";
    let import = |csv: String| {
        let admin = &admin;
        async move {
            admin.get("/imports").await;
            admin.post_multipart("/imports", &[("kind", "letters")], ("file", "letters.csv", csv.as_bytes())).await
        }
    };
    // Problems anywhere: nothing is written, every problem is named by row and column.
    let bad = format!(
        "{header}S1,,2026,2026-02-20,,青年突击队,2,,60,,\nS1,,2026,2026-02-21,,,,台账规范,40,,\nS2,,2026,2026-02-20,,青年突击队,2,,0,,\nC11,S2,2026,2026-02-20,,,,台账规范,40,,\n"
    );
    let res = import(bad).await;
    assert_eq!(res.status, 422, "{}", res.text());
    let html = res.text();
    for message in [
        "一街道团工委的 2026 年度责任状已于 2026-02-20 签订，签订日期应一致",
        "权重应为 1 到 100 的整数",
        "责任单位应是考核单位的下级组织",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM responsibility_letters").await, 0);
    let differing = format!("{header}S1,,2026,2026-02-20,甲,,,台账,60,,\nS1,,2026,,乙,,,会议,40,,\n");
    let res = import(differing).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("与已签订的责任状的标题“甲”不一致"), "{}", res.text());

    let good = format!(
        "{header}S1,,2026,2026-02-20,,青年突击队,2,,60,,\nS1,,2026,,,,,台账规范,40,,\nS2,D,2026,2026-02-20,二街道责任状,volunteer.teams.count,3,,100,2026-03-01,2026-06-30\n"
    );
    let res = import(good).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.text().contains("已导入 3 行责任状目标数据"), "{}", res.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM responsibility_letters").await, 2);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM letter_targets").await, 3);
    let list = admin.get("/letters").await.text();
    assert!(list.contains("二街道责任状") && list.contains("2026年度基层团建工作责任状"), "{list}");

    // A street imports only for letters it issues.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    street.get("/imports").await;
    let csv = format!("{header}C21,,2026,2026-02-20,,,,台账规范,40,,\n");
    let res = street.post_multipart("/imports", &[("kind", "letters")], ("file", "l.csv", csv.as_bytes())).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("该组织的责任状不在您的数据范围内"), "{}", res.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM responsibility_letters").await, 2);
}

async fn inspections_raise_rectification_items_that_owners_close_and_the_figures_follow(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/inspections").await;
    let bad = admin
        .post(
            "/inspections",
            &[("org_code", "S1"), ("held_on", "2026-03-01"), ("items", "三会两制一课 18/20\n台账 25/20")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("检查项目第 2 行应写成“项目名称 得分/满分”"), "{}", bad.text());
    let res = admin
        .post(
            "/inspections",
            &[
                ("org_code", "S1"),
                ("held_on", "2026-03-01"),
                ("visitors", "二街道团工委"),
                ("items", "三会两制一课 18/20\n团费收缴 9/10"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let inspection = res.location().expect("to the inspection").to_owned();
    let page = admin.get(&inspection).await;
    assert_eq!(page.text_of_id("inspection-score").as_deref(), Some("27 / 30"));

    for (fields, message) in [
        (
            vec![("finding", "台账不全"), ("org_code", "C21"), ("due_on", "2026-03-10")],
            "整改责任单位应是被检查组织或其下级组织",
        ),
        (vec![("finding", "台账不全"), ("due_on", "2026-02-28")], "整改期限不能早于检查日期 2026-03-01"),
        (vec![("finding", " "), ("due_on", "2026-03-10")], "请填写发现的问题"),
    ] {
        admin.get(&inspection).await;
        let res = admin.post(&format!("{inspection}/rectifications"), &fields).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    admin.get(&inspection).await;
    let res = admin
        .post(
            &format!("{inspection}/rectifications"),
            &[("finding", "三会两制一课记录缺失"), ("org_code", "C11"), ("due_on", "2026-03-10")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let report = |as_of: &'static str| {
        let admin = &admin;
        async move {
            admin
                .get(&format!("/api/v1/reports?as_of={as_of}&baseline=2025-12-31&from=2026-01-01&scope=S1"))
                .await
                .json()
        }
    };
    let r = report("2026-03-31").await;
    assert_eq!(r["accountability.inspections"]["value"], 1);
    assert_eq!(r["accountability.rectifications.open"]["value"], 1);
    assert_eq!(r["accountability.rectifications.overdue"]["value"], 1, "past its deadline on the 31st");
    assert_eq!(report("2026-03-05").await["accountability.rectifications.overdue"]["value"], 0);

    // Another street sees none of it.
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&inspection).await.status, 404);
    assert!(!other.get("/rectifications").await.text().contains("三会两制一课记录缺失"));

    // The street's admin finds it in the overdue work list once past the deadline, and closes it.
    t.clock.advance(chrono::TimeDelta::days(10));
    let other = t.login("s2admin").await;
    other.get("/rectifications").await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let overdue = street.get("/rectifications?state=overdue").await.text();
    assert!(overdue.contains("三会两制一课记录缺失") && overdue.contains("逾期未完成"), "{overdue}");
    let id: i64 = overdue
        .split("/rectifications/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .expect("the close form");
    assert_eq!(
        other
            .post(&format!("/rectifications/{id}/close"), &[("closed_on", "2026-03-12"), ("evidence", "x")])
            .await
            .status,
        404
    );
    let empty =
        street.post(&format!("/rectifications/{id}/close"), &[("closed_on", "2026-03-12"), ("evidence", "")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.text().contains("请填写整改情况"));
    let done = street
        .post(&format!("/rectifications/{id}/close"), &[("closed_on", "2026-03-12"), ("evidence", "已补齐会议记录")])
        .await;
    assert_eq!(done.status, 303, "{}", done.text());
    street.get("/rectifications").await;
    let again =
        street.post(&format!("/rectifications/{id}/close"), &[("closed_on", "2026-03-12"), ("evidence", "再次")]).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("该整改事项已于 2026-03-12 完成"));
    let admin = t.login("root").await;
    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&from=2026-01-01&scope=S1").await.json();
    assert_eq!(r["accountability.rectifications.open"]["value"], 0);
    assert_eq!(r["accountability.rectifications.overdue"]["value"], 0);
    assert_eq!(r["accountability.rectifications.closed"]["value"], 1);
    assert_eq!(t.audit_count("rectification.close").await, 1);
}

async fn inspection_photos_are_images_kept_with_the_inspection_and_its_scope(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/inspections").await;
    let res =
        admin.post("/inspections", &[("org_code", "S1"), ("held_on", "2026-03-01"), ("items", "台账 9/10")]).await;
    let inspection = res.location().expect("inspection").to_owned();
    admin.get(&inspection).await;
    let png = b"\x89PNG\r\n\x1a\n-a-photo-";
    let res = admin.post_multipart(&format!("{inspection}/photos"), &[], ("document", "现场.png", png)).await;
    assert_eq!(res.status, 303, "{}", res.text());
    for (file, bytes, message) in [
        ("scan.pdf", &b"%PDF-1.7"[..], "照片只能是 PNG 或 JPEG 文件"),
        ("x.png", &b"<svg onload=alert(1)>"[..], "照片只能是 PNG 或 JPEG 文件"),
    ] {
        admin.get(&inspection).await;
        let res = admin.post_multipart(&format!("{inspection}/photos"), &[], ("document", file, bytes)).await;
        assert_eq!(res.status, 422, "{file}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    let page = admin.get(&inspection).await.text();
    let photo =
        page.split("/inspections/photos/").nth(1).and_then(|r| r.split('"').next()).expect("a photo").to_owned();
    let shown = admin.get(&format!("/inspections/photos/{photo}")).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.header("content-type"), Some("image/png"));
    assert_eq!(shown.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(shown.body.as_ref(), png);
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&format!("/inspections/photos/{photo}")).await.status, 404);
    other.get("/inspections").await;
    assert_eq!(
        other.post_multipart(&format!("{inspection}/photos"), &[], ("document", "y.png", png)).await.status,
        404
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM inspection_photos").await, 1);
    assert_eq!(t.audit_count("inspection.photo").await, 1);
}
