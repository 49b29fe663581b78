//! The public portal: browse and sign up without an account, a private link to see and cancel,
//! full shifts, bad input, rate limits per phone; no page shows another person's data.

use chrono::{NaiveDate, NaiveTime};
use qingtuan_app::Actor;
use qingtuan_app::volunteering::{self, NewCall, NewShift};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(anyone_signs_up_and_keeps_a_private_link);

/// The sign-up form of an adult without an ID number.
fn adult<'a>(name: &'a str, phone: &'a str) -> [(&'static str, &'a str); 4] {
    [("name", name), ("phone", phone), ("gender", "male"), ("birth_on", "1998-01-01")]
}

async fn anyone_signs_up_and_keeps_a_private_link(t: TestApp) {
    t.seed_tree().await;
    // The test clock stands at 2026-03-02; the shift is the next day, with two places.
    let day = NaiveDate::from_ymd_opt(2026, 3, 3).expect("date");
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let form = NewCall {
        org_code: "C11".into(),
        title: "社区环境消杀志愿者招募令".into(),
        task: "环境消杀".into(),
        published_on: day,
        real_name: false,
        shifts: vec![NewShift {
            on_date: day, start: time(9), end: time(11), place: "一社区广场".into(), places: 2
        }],
        ..Default::default()
    };
    let (call, shifts) = volunteering::create_call(&t.app, &Actor::system(), &form).await.expect("call");
    let visitor = t.client();

    let list = visitor.get("/portal").await;
    assert_eq!(list.status, 200, "no account needed");
    assert!(list.text().contains("社区环境消杀志愿者招募令"));
    visitor.get(&format!("/portal/calls/{call}")).await;
    let path = format!("/portal/shifts/{}/signup", shifts[0]);

    let bad = visitor.post(&path, &[("name", "小王"), ("phone", "12345")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("手机号码应为 11 位数字"));
    assert!(bad.text().contains("value=\"小王\"") && bad.text().contains("value=\"12345\""), "what was typed is kept");
    let receipt = visitor.post(&path, &adult("小王", "13912345678")).await;
    assert_eq!(receipt.status, 200, "{}", receipt.text());
    let link = receipt.text_of_id("private-link").expect("private link");
    assert!(receipt.text_of_id("signup-code").is_some_and(|c| c.len() == 8));
    let again = visitor.post(&path, &adult("小王", "13912345678")).await;
    assert!(again.text().contains("此手机号已为该姓名报名该班次"));

    let mine = t.client().get(&link).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.text_of_id("signup-status").as_deref(), Some("已报名"));
    assert!(mine.text().contains("139****5678") && !mine.text().contains("13912345678"));
    assert_eq!(t.client().get("/portal/me/not-a-real-token").await.status, 404);

    let other = visitor.post(&path, &adult("小李", "13800001111")).await;
    assert_eq!(other.status, 200);
    let full = visitor.post(&path, &adult("小张", "13700002222")).await;
    assert!(full.text().contains("该班次名额已满"));

    let owner = t.client();
    owner.get(&link).await;
    // Cancelling is confirmed first, the page saying what is cancelled; nothing changes until then.
    let asked = owner.post(&format!("{link}/cancel"), &[]).await;
    assert_eq!(asked.status, 200);
    assert!(
        asked.text_of_id("confirm").is_some_and(|m| m.contains("社区环境消杀志愿者招募令") && m.contains("不能恢复"))
    );
    assert_eq!(owner.get(&link).await.text_of_id("signup-status").as_deref(), Some("已报名"));
    let cancelled = owner.post(&format!("{link}/cancel"), &[("confirm", "yes")]).await;
    assert_eq!(cancelled.status, 303);
    assert_eq!(owner.get(&link).await.text_of_id("signup-status").as_deref(), Some("已取消"));
    assert!(!owner.get(&format!("/portal/calls/{call}")).await.text().contains("小李"), "no one else's data");

    // Five attempts an hour per phone; the sixth is refused and logged.
    for _ in 0..3 {
        visitor.post(&path, &adult("小王", "13912345678")).await;
    }
    let limited = visitor.post(&path, &adult("小王", "13912345678")).await;
    assert!(limited.text().contains("提交过于频繁"), "{}", limited.text());
    assert_eq!(t.audit_count("security.rate_limited").await, 1);
    // 小王, 小李, and 小王 again after cancelling (the freed place).
    assert_eq!(t.audit_count("portal.signup").await, 3);
}
