//! Consultation cases through HTTP: a case's content is seen only by its consultant (an account of
//! a partner) and by case handlers over its org — each showing audited — while the street's staff
//! see that it exists and how it ended; a consultant sees only their own cases; bad input; the
//! figures by category and outcome.

use crate::kit::{credit_code, post_form};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(
    a_case_is_seen_in_full_only_by_its_consultant_and_the_case_handlers,
    earlier_cases_are_imported_with_how_they_ended
);

async fn a_case_is_seen_in_full_only_by_its_consultant_and_the_case_handlers(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let firm = credit_code("31370000MD0123456");
    let form = [
        ("org_code", "D"),
        ("name", "青岛某律师事务所"),
        ("credit_code", firm.as_str()),
        ("kind", "social_organisation"),
        ("contact_name", "周律师"),
        ("contact_phone", "13800008888"),
    ];
    assert_eq!(post_form(&admin, "/partners", "/partners", &form).await.status, 303);
    for (username, name) in [("lawyer1", "周律师"), ("lawyer2", "吴律师")] {
        let account = qingtuan_app::access::users::NewUser {
            username: username.into(),
            display_name: name.into(),
            role_code: "consultant".into(),
            partner_code: firm.clone(),
            password: Some(qingtuan_testkit::PASSWORD.into()),
            ..Default::default()
        };
        qingtuan_app::access::users::create(&t.app, &qingtuan_app::Actor::system(), &account).await.expect("account");
    }
    let lawyer1 = t.user_id("lawyer1").await.to_string();

    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let case = |category: &'static str, summary: &'static str, consultant: String| {
        let street = &street;
        async move {
            let form = [
                ("org_code", "C11"),
                ("category", category),
                ("channel", "visit"),
                ("asker_name", ""),
                ("asker_phone", "13800009999"),
                ("summary", summary),
                ("opened_on", "2026-02-10"),
                ("consultant", consultant.as_str()),
            ];
            post_form(street, "/consultations", "/consultations", &form).await
        }
    };
    assert!(case("tax", "x", String::new()).await.text().contains("未知的咨询类别"));
    assert!(case("legal", " ", String::new()).await.text().contains("咨询内容不能为空"));
    let me = t.user_id("s1admin").await.to_string();
    assert!(case("legal", "x", me).await.text().contains("请选择合作单位的咨询师"), "only a partner's consultant");
    let secret = "公司拖欠三个月工资，劳动合同未签";
    assert_eq!(case("legal", secret, lawyer1.clone()).await.status, 303);
    assert_eq!(case("psychological", "考研失利后情绪低落", String::new()).await.status, 303);
    let id = t.scalar("SELECT MIN(id) FROM consultation_cases").await;
    assert!(!t.strings("SELECT summary_enc FROM consultation_cases").await[0].contains("工资"), "encrypted");

    // The street's staff see that it exists, not what was asked.
    let seen = street.get(&format!("/consultations/{id}")).await;
    assert_eq!(seen.status, 200);
    assert!(seen.text().contains("个案内容仅限承办的咨询师") && !seen.text().contains("拖欠"), "{}", seen.text());
    let list = street.get("/consultations").await.text();
    assert!(list.contains("<td>法律咨询</td><td class=\"num\">1</td>") && !list.contains("拖欠"));
    let second = t.scalar("SELECT MAX(id) FROM consultation_cases").await;
    let give = [("consultant", lawyer1.as_str())];
    let handed =
        post_form(&street, &format!("/consultations/{second}"), &format!("/consultations/{second}/assign"), &give)
            .await;
    assert_eq!(handed.status, 403, "only a case handler hands a case's content over");
    let note = [("on_date", "2026-02-11"), ("note", "已联系")];
    assert_eq!(
        post_form(&street, &format!("/consultations/{id}"), &format!("/consultations/{id}/step"), &note).await.status,
        403
    );

    // Its consultant sees it in full, follows up and closes it; the other consultant finds nothing.
    let lawyer = t.login("lawyer1").await;
    assert_eq!(lawyer.get("/dashboard").await.header("location"), Some("/consultations"));
    let own = lawyer.get("/consultations").await.text();
    assert!(own.contains("共 1 条"), "only the cases given to them: {own}");
    let full = lawyer.get(&format!("/consultations/{id}")).await.text();
    assert!(full.contains(secret) && full.contains("匿名") && full.contains("138****9999"), "{full}");
    let page = format!("/consultations/{id}");
    let early = post_form(&lawyer, &page, &format!("{page}/step"), &[("on_date", "2026-02-01"), ("note", "x")]).await;
    assert!(early.text().contains("早于上一次记录的日期 2026-02-10"));
    assert!(
        post_form(&lawyer, &page, &format!("{page}/step"), &[("on_date", "2026-02-11")])
            .await
            .text()
            .contains("请填写跟进情况")
    );
    let follow = [("on_date", "2026-02-12"), ("note", "已出具律师函")];
    assert_eq!(post_form(&lawyer, &page, &format!("{page}/step"), &follow).await.status, 303);
    let close = [("on_date", "2026-02-20"), ("note", "公司已补发工资"), ("outcome", "resolved")];
    assert_eq!(post_form(&lawyer, &page, &format!("{page}/step"), &close).await.status, 303);
    let again = post_form(&lawyer, &page, &format!("{page}/step"), &close).await;
    assert!(again.text().contains("该个案已结案"));
    let other = t.login("lawyer2").await;
    assert_eq!(other.get(&page).await.status, 404);
    assert!(other.get("/consultations").await.text().contains("没有符合条件的咨询个案"));
    assert_eq!(other.get("/orgs").await.status, 403, "nothing of the registry");

    // A case handler over its org (the district admin) sees it too; every showing is audited.
    let handled = admin.get(&page).await.text();
    assert!(handled.contains("已出具律师函") && handled.contains("已解决"), "{handled}");
    assert!(t.audit_count("case.view").await >= 3);

    let r = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2025-12-31&from=2026-01-01").await.json();
    let v = |k: &str| r[k]["value"].as_i64().unwrap_or_else(|| panic!("{k}"));
    assert_eq!((v("consultations.count"), v("consultations.legal"), v("consultations.psychological")), (2, 1, 1));
    assert_eq!(v("consultations.resolved"), 1);

    t.create_user("s2admin", "org_admin", "S2").await;
    let s2 = t.login("s2admin").await;
    assert_eq!(s2.get(&page).await.status, 404);
    assert_eq!(street.get("/consultations/export.xlsx").await.status, 200);
}

/// A district bringing its earlier cases: a sheet of cases, some closed with their outcome, all or
/// none; the figures count them by their dates; the content stays sealed like a case taken today.
async fn earlier_cases_are_imported_with_how_they_ended(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let template = admin.get("/imports/templates/consultations.xlsx").await;
    assert_eq!(template.status, 200);
    let header = "受理组织代码,类别,渠道,咨询人姓名,咨询人手机号码,咨询内容,受理日期,办理结果,结案日期\n";
    let upload = |rows: &str| {
        let body = format!("{header}{rows}");
        let admin = &admin;
        async move {
            admin.get("/imports").await;
            admin.post_multipart("/imports", &[("kind", "consultations")], ("file", "cases.csv", body.as_bytes())).await
        }
    };
    let bad =
        upload("S1,法律咨询,电话,,,劳动合同纠纷,2026-01-10,已解决,2026-01-05\nS1,占卜,电话,,,问运势,2026-01-10,,\n")
            .await;
    assert_eq!(bad.status, 422);
    let text = bad.text();
    assert!(text.contains("结案日期 2026-01-05 早于受理日期 2026-01-10") && text.contains("占卜"), "{text}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM consultation_cases").await, 0);
    let rows = "S1,法律咨询,电话,王先生,13800001111,劳动合同纠纷,2026-01-10,已解决,2026-01-20\n\
                C11,就业咨询,来访,,,求职简历指导,2026-02-01,,\n\
                C12,psychological,online,,,学业压力,2026-02-03,referred,2026-02-10\n";
    let done = upload(rows).await;
    assert!(done.text().contains("已导入 3 行咨询个案数据"), "{}", done.text());
    let report = admin.get("/api/v1/reports?as_of=2026-02-28&baseline=2025-12-31&from=2026-01-01").await.json();
    let v = |k: &str| report[k]["value"].as_i64().unwrap_or_else(|| panic!("{k}: {}", report[k]));
    assert_eq!((v("consultations.count"), v("consultations.legal"), v("consultations.resolved")), (3, 1, 1));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM consultation_cases WHERE closed_on IS NULL").await, 1);
    let sealed = t.strings("SELECT summary_enc FROM consultation_cases").await;
    assert!(sealed.iter().all(|s| !s.contains("劳动合同")), "the content is encrypted");
    let audit = t.strings("SELECT after_json FROM audit_events WHERE action = 'case.open'").await;
    assert!(audit.len() == 3 && audit.iter().all(|a| !a.contains("劳动合同") && !a.contains("王先生")), "{audit:?}");
}
