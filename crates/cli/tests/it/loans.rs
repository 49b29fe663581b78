//! Youth entrepreneurship loans through HTTP and the portal: the pipeline's states and who may move
//! them (the league recommends, only the bank decides and disburses, either follows up); a bank's
//! account sees only what was recommended to its bank, the ID number masked until it states a
//! credit check (audited); bad input (age over the product's limit on the day, amounts, dates out
//! of order); the figures of the period; scope.

use crate::kit::{credit_code, id_number, post_form};
use qingtuan_testkit::{TestApp, TestClient, TestResponse, db_tests};

db_tests!(
    a_loan_goes_from_application_to_disbursement_with_each_side_doing_its_part,
    loan_products_change_for_new_applications_and_close_without_ending_the_old
);

fn value(report: &serde_json::Value, key: &str) -> i64 {
    report[key]["value"].as_i64().unwrap_or_else(|| panic!("{key}: {report}"))
}

async fn step(client: &TestClient, id: i64, fields: &[(&str, &str)]) -> TestResponse {
    post_form(client, &format!("/loans/{id}"), &format!("/loans/{id}/act"), fields).await
}

async fn a_loan_goes_from_application_to_disbursement_with_each_side_doing_its_part(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let bank = credit_code("91370200MA3P4T6K1");
    let other_bank = credit_code("91370200MA3P5U7L2");
    let company = credit_code("91370214MA3C8E1X5");
    for (name, code, kind) in [
        ("青岛农商银行城阳支行", &bank, "bank"),
        ("另一家银行", &other_bank, "bank"),
        ("某科技公司", &company, "enterprise"),
    ] {
        let form = [
            ("org_code", "D"),
            ("name", name),
            ("credit_code", code.as_str()),
            ("kind", kind),
            ("contact_name", "李经理"),
            ("contact_phone", "13800004444"),
        ];
        assert_eq!(post_form(&admin, "/partners", "/partners", &form).await.status, 303);
    }
    let product = |bank: String, max_age: &'static str| {
        let admin = &admin;
        async move {
            let form = [
                ("org_code", "D"),
                ("bank_code", bank.as_str()),
                ("name", "青创先锋贷"),
                ("max_age", max_age),
                ("max_amount", "500000"),
            ];
            post_form(admin, "/loans", "/loan-products", &form).await
        }
    };
    assert!(product(company.clone(), "35").await.text().contains("“某科技公司”不是银行类合作伙伴"));
    assert!(product(bank.clone(), "99").await.text().contains("年龄上限应为 18 到 60 的整数"));
    assert_eq!(product(bank.clone(), "35").await.status, 303);
    assert_eq!(product(other_bank.clone(), "35").await.status, 303);
    let p1 = t.scalar("SELECT MIN(id) FROM loan_products").await.to_string();

    // The street records an application; bad input is refused with what to fix.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let young = id_number("19950301", 12);
    let apply = |id: String, amount: &'static str, org: &'static str| {
        let street = &street;
        let p1 = p1.clone();
        async move {
            let form = [
                ("org_code", org),
                ("product_id", p1.as_str()),
                ("name", "赵青"),
                ("id_number", id.as_str()),
                ("phone", "13800006666"),
                ("business_name", "青禾电商工作室"),
                ("business_credit_code", ""),
                ("sector", "ecommerce"),
                ("jobs_before", "2"),
                ("amount", amount),
                ("purpose", "购置直播设备"),
                ("applied_on", "2026-02-01"),
            ];
            post_form(street, "/loans", "/loans", &form).await
        }
    };
    let old = apply(id_number("19850301", 13), "100000", "C11").await;
    assert_eq!(old.status, 422);
    assert!(
        old.text().contains("青创先锋贷要求申请时年龄不超过 35 周岁，申请人 2026-02-01 时 40 周岁"),
        "{}",
        old.text()
    );
    assert!(apply(young.clone(), "0", "C11").await.text().contains("请填写大于 0 的金额"));
    assert!(apply(young.clone(), "600000", "C11").await.text().contains("青创先锋贷每笔最多 500000.00 元"));
    assert_eq!(apply(young.clone(), "200000", "S2").await.status, 404, "another street's org");
    assert_eq!(apply(young.clone(), "200000", "C11").await.status, 303);
    assert_eq!(apply(id_number("19960101", 14), "50000", "C11").await.status, 303);
    let first = t.scalar("SELECT MIN(id) FROM loan_applications").await;
    let second = t.scalar("SELECT MAX(id) FROM loan_applications").await;
    assert_eq!(t.strings("SELECT state FROM loan_applications").await, vec!["applied", "applied"]);
    assert!(!t.strings("SELECT id_number_enc FROM loan_applications").await[0].contains(&young), "encrypted");

    // On the portal, with a private link.
    let portal = t.client();
    assert!(portal.get("/portal/loans").await.text().contains("青创先锋贷"));
    let form = [
        ("org_code", "S1"),
        ("product_id", p1.as_str()),
        ("name", "钱青"),
        ("id_number", &id_number("19980505", 15)),
        ("phone", "13800007777"),
        ("business_name", "青田民宿"),
        ("sector", "catering"),
        ("jobs_before", "0"),
        ("amount", "80000"),
        ("purpose", "装修客房"),
    ];
    let made = post_form(&portal, "/portal/loans", "/portal/loans", &form).await;
    assert_eq!(made.status, 200, "{}", made.text());
    let link = made.text_of_id("private-link").expect("the private link");
    let private = link[link.find("/portal/loans/").expect("path")..].to_owned();
    assert_eq!(portal.get(&private).await.text_of_id("loan-state").as_deref(), Some("待推荐"));
    let again = post_form(&portal, "/portal/loans", "/portal/loans", &form).await;
    assert!(again.text().contains("已有一笔正在办理的申请"), "{}", again.text());
    let third = t.scalar("SELECT MAX(id) FROM loan_applications").await;

    // The bank's account sees nothing until the league recommends.
    let account = qingtuan_app::access::users::NewUser {
        username: "credit1".into(),
        display_name: "孙经理".into(),
        role_code: "bank_staff".into(),
        partner_code: bank.clone(),
        password: Some(qingtuan_testkit::PASSWORD.into()),
        ..Default::default()
    };
    qingtuan_app::access::users::create(&t.app, &qingtuan_app::Actor::system(), &account).await.expect("bank");
    let other = qingtuan_app::access::users::NewUser {
        username: "credit2".into(),
        partner_code: other_bank.clone(),
        ..account.clone()
    };
    qingtuan_app::access::users::create(&t.app, &qingtuan_app::Actor::system(), &other).await.expect("bank 2");
    let teller = t.login("credit1").await;
    let home = teller.get("/dashboard").await;
    assert_eq!(home.header("location"), Some("/loans"), "a bank's account starts at its loans");
    assert!(teller.get("/loans").await.text().contains("没有符合条件的贷款申请"));
    assert_eq!(teller.get(&format!("/loans/{first}")).await.status, 404);

    // The league recommends one, declines one (saying why); it cannot decide for the bank.
    assert!(
        step(&street, second, &[("action", "decline"), ("on_date", "2026-02-10")]).await.text().contains("请填写原因")
    );
    let declined = [("action", "decline"), ("on_date", "2026-02-10"), ("note", "经营计划不完整")];
    assert_eq!(step(&street, second, &declined).await.status, 303);
    let early = step(&street, first, &[("action", "recommend"), ("on_date", "2026-01-20")]).await;
    assert!(early.text().contains("早于上一步的日期 2026-02-01"), "{}", early.text());
    assert_eq!(step(&street, first, &[("action", "recommend"), ("on_date", "2026-02-10")]).await.status, 303);
    let usurp =
        [("action", "approve"), ("on_date", "2026-02-20"), ("amount", "1"), ("rate", "3"), ("term_months", "12")];
    assert_eq!(step(&street, first, &usurp).await.status, 403, "the league cannot approve for the bank");
    assert_eq!(step(&admin, third, &[("action", "recommend"), ("on_date", "2026-03-02")]).await.status, 303);

    // The bank sees what was recommended to it, the ID number masked until a credit check.
    let list = teller.get("/loans").await.text();
    assert!(list.contains("青禾电商工作室") && list.contains("青田民宿"), "both recommended to it: {list}");
    assert!(list.contains("共 2 条"), "a declined one is not the bank's");
    let shown = teller.get(&format!("/loans/{first}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.text_of_id("loan-id-number").is_some_and(|n| n.contains('*') && !n.contains(&young)));
    assert_eq!(teller.get(&format!("/loans/{second}")).await.status, 404, "declined: never the bank's");
    let unmasked =
        post_form(&teller, &format!("/loans/{first}"), &format!("/loans/{first}/unmask"), &[("reason", "征信查询")])
            .await;
    assert_eq!(unmasked.text_of_id("loan-id-number").as_deref(), Some(young.as_str()));
    assert_eq!(t.audit_count("loan.unmask").await, 1);
    let stranger = t.login("credit2").await;
    assert_eq!(stranger.get(&format!("/loans/{first}")).await.status, 404, "another bank's application");
    assert!(stranger.get("/loans").await.text().contains("没有符合条件的贷款申请"));
    assert_eq!(stranger.get("/orgs").await.status, 403, "nothing of the registry");

    // The bank approves within what was asked, then disburses within what it approved.
    let approve = |amount: &'static str| {
        [("action", "approve"), ("on_date", "2026-02-20"), ("amount", amount), ("rate", "3.85"), ("term_months", "36")]
    };
    assert!(step(&teller, first, &approve("250000")).await.text().contains("批准金额不能超过 200000.00 元"));
    assert_eq!(step(&teller, first, &approve("180000")).await.status, 303);
    let before = [("action", "disburse"), ("on_date", "2026-02-19"), ("amount", "180000")];
    assert!(step(&teller, first, &before).await.text().contains("早于上一步的日期 2026-02-20"));
    let more = [("action", "disburse"), ("on_date", "2026-02-25"), ("amount", "190000")];
    assert!(step(&teller, first, &more).await.text().contains("放款金额不能超过 180000.00 元"));
    assert_eq!(
        step(&teller, first, &[("action", "disburse"), ("on_date", "2026-02-25"), ("amount", "180000")]).await.status,
        303
    );
    let twice = step(&teller, first, &[("action", "disburse"), ("on_date", "2026-02-26"), ("amount", "1")]).await;
    assert!(twice.text().contains("该申请当前为“已放款”"), "{}", twice.text());
    let refuse = [("action", "refuse"), ("on_date", "2026-03-02"), ("note", "征信记录不符合要求")];
    assert_eq!(step(&teller, third, &refuse).await.status, 303);
    assert_eq!(portal.get(&private).await.text_of_id("loan-state").as_deref(), Some("银行未批准"));

    // Follow-ups: by the league (jobs created), by the bank (repayment).
    let follow = [("action", "follow_up"), ("on_date", "2026-03-01"), ("repayment", "current"), ("jobs_created", "4")];
    assert_eq!(step(&street, first, &follow).await.status, 303);
    let negative =
        [("action", "follow_up"), ("on_date", "2026-03-02"), ("repayment", "overdue"), ("jobs_created", "-1")];
    assert!(step(&teller, first, &negative).await.text().contains("带动就业人数应为 0 到 100000 的整数"));
    let overdue = [("action", "follow_up"), ("on_date", "2026-03-02"), ("repayment", "overdue"), ("jobs_created", "5")];
    assert_eq!(step(&teller, first, &overdue).await.status, 303);
    let page = street.get(&format!("/loans/{first}")).await.text();
    assert!(page.contains("180000.00 元 · 年利率 3.85% · 36 个月") && page.contains("逾期 · 带动就业 5 人"), "{page}");

    // The figures of the period, and the sums of the list.
    let r = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2025-12-31&from=2026-01-01").await.json();
    let keys = ["loans.applications", "loans.recommended", "loans.approved", "loans.disbursed"];
    assert_eq!(keys.map(|k| value(&r, k)), [3, 2, 1, 1]);
    assert_eq!((value(&r, "loans.amount_yuan"), value(&r, "loans.jobs")), (180_000, 5));
    assert_eq!(value(&r, "loans.conversion.recommended"), 67, "2 of 3");
    assert_eq!(value(&r, "loans.conversion.approved"), 50, "1 of 2");
    let s2 = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2025-12-31&from=2026-01-01&scope=S2").await.json();
    assert_eq!(value(&s2, "loans.applications"), 0);
    let list = admin.get("/loans").await.text();
    assert!(
        list.contains("<td>青岛农商银行城阳支行</td><td class=\"num\">1</td><td class=\"num\">180000</td>"),
        "{list}"
    );
    assert!(list.contains("<td>一街道团工委</td><td class=\"num\">1</td>"), "by street");
    assert_eq!(admin.get("/loans/export.xlsx?state=disbursed").await.status, 200);

    // Another street sees none of it.
    t.create_user("s2admin", "org_admin", "S2").await;
    let s2admin = t.login("s2admin").await;
    assert_eq!(s2admin.get(&format!("/loans/{first}")).await.status, 404);
    assert!(s2admin.get("/loans").await.text().contains("没有符合条件的贷款申请"));
}

/// A product's terms change for applications from then on; closed, it leaves the portal and the
/// desk's form after a confirmation, while its applications go on. Only its org's staff may.
async fn loan_products_change_for_new_applications_and_close_without_ending_the_old(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let bank = credit_code("91370200MA3P4T6K1");
    let form = [
        ("org_code", "D"),
        ("name", "青岛农商银行城阳支行"),
        ("credit_code", bank.as_str()),
        ("kind", "bank"),
        ("contact_name", "李经理"),
        ("contact_phone", "13800004444"),
    ];
    assert_eq!(post_form(&admin, "/partners", "/partners", &form).await.status, 303);
    let product = [
        ("org_code", "D"),
        ("bank_code", bank.as_str()),
        ("name", "青创先锋贷"),
        ("max_age", "35"),
        ("max_amount", "500000"),
    ];
    assert_eq!(post_form(&admin, "/loans", "/loan-products", &product).await.status, 303);
    let id = t.scalar("SELECT id FROM loan_products").await;
    let edit = format!("/loan-products/{id}");
    let bad =
        post_form(&admin, "/loans", &edit, &[("name", "青创先锋贷"), ("max_age", "70"), ("max_amount", "300000")])
            .await;
    assert!(bad.status == 422 && bad.text().contains("年龄上限应为 18 到 60 的整数"), "{}", bad.text());
    let changed = [("name", "青创先锋贷（2026版）"), ("max_age", "40"), ("max_amount", "300000")];
    assert_eq!(post_form(&admin, "/loans", &edit, &changed).await.status, 303);
    assert!(admin.get("/loans").await.text().contains("青创先锋贷（2026版）（青岛农商银行城阳支行，40 周岁以下"));
    let apply = |amount: &'static str| {
        let admin = &admin;
        async move {
            let id = id.to_string();
            let form = [
                ("org_code", "C11"),
                ("product_id", id.as_str()),
                ("name", "赵青"),
                ("id_number", &id_number("19880301", 12)),
                ("phone", "13800006666"),
                ("business_name", "青禾电商工作室"),
                ("sector", "ecommerce"),
                ("jobs_before", "2"),
                ("amount", amount),
                ("purpose", "购置直播设备"),
                ("applied_on", "2026-02-01"),
            ];
            post_form(admin, "/loans", "/loans", &form).await
        }
    };
    let over = apply("400000").await;
    assert!(over.text().contains("每笔最多 300000.00 元"), "the new top amount: {}", over.text());
    assert_eq!(apply("200000").await.status, 303, "37 years old: within the new age limit");
    // Another street's admin may neither change nor close the district's product.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    assert!(matches!(post_form(&street, "/loans", &edit, &changed).await.status, 403 | 404));
    // Closing asks first, then the product leaves the portal and the form; its application stays.
    let close = format!("/loan-products/{id}/close");
    let asked = post_form(&admin, "/loans", &close, &[]).await;
    assert!(asked.status == 200 && asked.text().contains("已受理的申请照常办理至结束"), "{}", asked.text());
    assert_eq!(post_form(&admin, "/loans", &close, &[("confirm", "yes")]).await.status, 303);
    assert!(!t.client().get("/portal/loans").await.text().contains("青创先锋贷"));
    let page = admin.get("/loans").await.text();
    assert!(page.contains("2026-03-02 停办") && !page.contains("40 周岁以下"), "{page}");
    let refused = apply("100000").await;
    assert!(refused.status == 422 && refused.text().contains("该贷款产品已于 2026-03-02 停办"), "{}", refused.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM loan_applications").await, 1);
    assert_eq!((t.audit_count("loan.product_changed").await, t.audit_count("loan.product_closed").await), (1, 1));

    // A street's own product takes applications only through orgs of that street.
    let street_product = [
        ("org_code", "S2"),
        ("bank_code", bank.as_str()),
        ("name", "二街道创业贷"),
        ("max_age", "35"),
        ("max_amount", "100000"),
    ];
    assert_eq!(post_form(&admin, "/loans", "/loan-products", &street_product).await.status, 303);
    let p2 = t.scalar("SELECT MAX(id) FROM loan_products").await.to_string();
    let form = [
        ("org_code", "C11"),
        ("product_id", p2.as_str()),
        ("name", "孙青"),
        ("id_number", &id_number("19980301", 21)),
        ("phone", "13800008888"),
        ("business_name", "青禾花店"),
        ("sector", "catering"),
        ("jobs_before", "1"),
        ("amount", "50000"),
        ("purpose", "进货"),
        ("applied_on", "2026-02-01"),
    ];
    let elsewhere = post_form(&admin, "/loans", "/loans", &form).await;
    assert!(
        elsewhere.status == 422 && elsewhere.text().contains("“二街道创业贷”由二街道团工委办理"),
        "{}",
        elsewhere.text()
    );
    // The portal offers the streets' league committees wherever they sit in the tree.
    let regions = "区域代码,区域名称,区域类型,上级区域代码\nTD,测试区,district,\nTD01,一街道,street,TD\n";
    admin.get("/imports").await;
    let imported =
        admin.post_multipart("/imports", &[("kind", "regions")], ("file", "regions.csv", regions.as_bytes())).await;
    assert!(imported.text().contains("已导入 2 行"), "{}", imported.text());
    let nested = [
        ("parent_code", "S1"),
        ("name", "一街道青年工作委员会"),
        ("code", "S1W"),
        ("kind", "working_committee"),
        ("region_code", "TD01"),
    ];
    assert_eq!(post_form(&admin, "/orgs/new", "/orgs", &nested).await.status, 303);
    let portal = t.client().get("/portal/loans").await.text();
    assert!(portal.contains("一街道青年工作委员会") && !portal.contains(">二街道团工委<"), "{portal}");
}
