//! Purchased services: partners known by a checked, unique credit code; contracts signed by a
//! street with a partner; the social workers they place hold posts that count; what was delivered;
//! scope.

use crate::kit::credit_code;
use qingtuan_app::Actor;
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_testkit::{TestApp, TestClient, TestResponse, db_tests};

db_tests!(a_street_buys_services_and_the_social_workers_it_places_count);

async fn post(client: &TestClient, path: &str, fields: Vec<(&str, String)>) -> TestResponse {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(path, &fields).await
}

async fn a_street_buys_services_and_the_social_workers_it_places_count(t: TestApp) {
    t.seed_tree().await;
    let worker_id = {
        let first17 = "37021419950101001";
        format!("{first17}{}", qingtuan_domain::person::check_char(first17).expect("check"))
    };
    let second_id = {
        let first17 = "37021419960202002";
        format!("{first17}{}", qingtuan_domain::person::check_char(first17).expect("check"))
    };
    let forms = [
        NewPerson { name: "孙敏".into(), id_number: worker_id.clone(), ..NewPerson::default() },
        NewPerson { name: "周婷".into(), id_number: second_id.clone(), ..NewPerson::default() },
    ];
    people::create_batch(&t.app, &Actor::system(), &forms).await.expect("people");
    let admin = t.admin().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;

    let code = credit_code("52370214MJD74313X");
    let partner = |credit: String| {
        vec![
            ("org_code", "S1".to_owned()),
            ("name", "城阳区青少年事务社会工作服务中心".to_owned()),
            ("credit_code", credit),
            ("kind", "social_organisation".to_owned()),
            ("contact_name", "李敏".to_owned()),
            ("contact_phone", "13800001111".to_owned()),
        ]
    };
    street.get("/partners").await;
    let wrong = format!("{}{}", &code[..17], if code.ends_with('0') { '1' } else { '0' });
    let bad = post(&street, "/partners", partner(wrong)).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("统一社会信用代码") && bad.text().contains("末位校验码"), "{}", bad.text());
    assert_eq!(post(&street, "/partners", partner(code.clone())).await.status, 303);
    street.get("/partners").await;
    let again = post(&street, "/partners", partner(code.to_lowercase())).await;
    assert!(again.text().contains("已登记（同一代码即同一合作伙伴）"), "{}", again.text());
    assert!(street.get("/partners").await.text().contains("138****1111"), "the contact's phone masked");

    street.get("/contracts").await;
    let contract = |partner: &str| {
        vec![
            ("org_code", "S1".to_owned()),
            ("partner_code", partner.to_owned()),
            ("title", "一街道青少年事务社工服务".to_owned()),
            ("amount", "120000".to_owned()),
            ("starts_on", "2026-01-01".to_owned()),
            ("ends_on", "2026-12-31".to_owned()),
            ("deliverables", "每月开展青少年活动不少于 2 次".to_owned()),
        ]
    };
    let unknown = post(&street, "/contracts", contract(&credit_code("91370214MA3C5XK20"))).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.text().contains("请先在合作伙伴中登记"));
    let res = post(&street, "/contracts", contract(&code)).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let page = res.location().expect("contract").to_owned();

    street.get(&page).await;
    let place =
        |org: &str| vec![("id_number", worker_id.clone()), ("name", "孙敏".to_owned()), ("org_code", org.to_owned())];
    let outside = post(&street, "/contracts/0/workers", place("")).await;
    assert_eq!(outside.status, 404);
    let path = format!("{page}/workers");
    let path = path.as_str();
    let elsewhere = post(&street, path, place("C21")).await;
    assert_eq!(elsewhere.status, 422);
    assert!(elsewhere.text().contains("派驻组织应是购买方或其下级组织"));
    let misnamed = post(&street, path, vec![("id_number", worker_id.clone()), ("name", "孙某".to_owned())]).await;
    assert_eq!(misnamed.status, 422);
    assert!(misnamed.text().contains("姓名与该身份证号码登记的姓名不一致"));
    assert_eq!(post(&street, path, place("C11")).await.status, 303);
    street.get(&page).await;
    assert!(post(&street, path, place("C11")).await.text().contains("此人已是该合同派驻的社工"));
    // Placed twice at the same moment: one post, one link, the other told so.
    street.get(&page).await;
    let twice = vec![("id_number", second_id.clone()), ("name", "周婷".to_owned())];
    let (a, b) = tokio::join!(post(&street, path, twice.clone()), post(&street, path, twice));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422], "{} / {}", a.text(), b.text());
    let held = "SELECT COUNT(*) FROM positions p JOIN people x ON x.id = p.person_id WHERE x.name = '周婷'";
    assert_eq!(t.scalar(held).await, 1);
    let shown = street.get(&page).await.text();
    assert!(shown.contains("孙敏") && shown.contains("一街道一社区团支部"), "{shown}");

    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&from=2026-01-01&scope=S1").await.json();
    assert_eq!(r["services.contracts"]["value"], 1);
    assert_eq!(r["services.contract_amount"]["value"], 120000);
    assert_eq!(r["services.social_workers"]["value"], 2);
    assert_eq!(r["services.social_workers"]["baseline_value"], 0);
    let other = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&from=2026-01-01&scope=S2").await.json();
    assert_eq!(other["services.contracts"]["value"], 0);

    // Another street sees neither the partner nor the contract.
    t.create_user("s2admin", "org_admin", "S2").await;
    let s2 = t.login("s2admin").await;
    assert!(!s2.get("/partners").await.text().contains("社会工作服务中心"));
    assert_eq!(s2.get(&page).await.status, 404);
    assert_eq!(post(&s2, path, place("")).await.status, 404);
    assert_eq!(t.audit_count("contract.worker").await, 2);
}
