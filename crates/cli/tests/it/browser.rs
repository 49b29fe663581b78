//! People in headless Chromium: a new user logs in with a one-time password, changes it and reaches
//! the dashboard; a volunteer signs up on the portal, checks in by QR link and sees the hours.

use qingtuan_testkit::webdriver::Browser;
use qingtuan_testkit::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread")]
async fn first_login_with_a_one_time_password_reaches_the_dashboard() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let created = qingtuan_app::access::users::create(
        &t.app,
        &qingtuan_app::Actor::system(),
        &qingtuan_app::access::users::NewUser {
            username: "newbie".into(),
            display_name: "新同志".into(),
            role_code: "org_admin".into(),
            scope_code: "S1".into(),
            partner_code: String::new(),
            password: None,
        },
    )
    .await
    .expect("create user");
    let otp = created.one_time_password.expect("one-time password");
    let addr = t.serve().await;

    let shots = std::env::temp_dir();
    tokio::task::spawn_blocking(move || {
        let b = Browser::start();
        b.goto(&format!("http://{addr}/dashboard"));
        let url = b.wait_for_url("/login");
        assert!(url.ends_with("/login"), "{url}");
        b.type_into("#username", "newbie");
        b.type_into("#password", &otp);
        b.click("#login");
        let url = b.wait_for_url("/account/password");
        assert!(url.ends_with("/account/password"), "{url}");
        b.type_into("#current", &otp);
        b.type_into("#new", "Spring-Volunteer-88");
        b.type_into("#confirm", "Spring-Volunteer-88");
        b.click("#save-password");
        let url = b.wait_for_url("/dashboard");
        assert!(url.ends_with("/dashboard"), "{url}");
        assert_eq!(b.text("#current-user"), "新同志");
        assert_eq!(b.text(r#"[id="fig-org.social_domain.count"] .number"#), "0");
        b.screenshot(&shots.join("qingtuan-dashboard.png"));
    })
    .await
    .expect("browser scenario");
}

/// Runs browser steps off the async runtime, handing the browser back with what they read.
async fn steps<R: Send + 'static>(b: Browser, f: impl FnOnce(&Browser) -> R + Send + 'static) -> (Browser, R) {
    tokio::task::spawn_blocking(move || {
        let r = f(&b);
        (b, r)
    })
    .await
    .expect("browser steps")
}

/// A volunteer on their phone: signs up on the portal, checks in and out by opening the QR
/// code's link, and sees the hours on their own page.
#[tokio::test(flavor = "multi_thread")]
async fn a_volunteer_signs_up_checks_in_by_qr_and_sees_the_hours() {
    use chrono::{NaiveDate, NaiveTime, TimeDelta};
    use qingtuan_app::volunteering::{self, NewCall, NewShift};

    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let form = NewCall {
        org_code: "C11".into(),
        title: "社区核酸检测志愿者招募令".into(),
        task: "核酸检测".into(),
        published_on: day,
        real_name: true,
        shifts: vec![NewShift { on_date: day, start: time(9), end: time(11), place: "社区广场".into(), places: 5 }],
        ..Default::default()
    };
    let (_, shifts) = volunteering::create_call(&t.app, &qingtuan_app::Actor::system(), &form).await.expect("call");
    let shift = shifts[0];
    let organiser = t.admin().await;
    let addr = t.serve().await;
    let base = format!("http://{addr}");
    let qr_link = |html: String| {
        let start = html.find("/portal/checkin/").expect("check-in link in the QR code");
        let end = start + html[start..].find('"').expect("end of link");
        html[start..end].to_owned()
    };

    let b = tokio::task::spawn_blocking(Browser::start).await.expect("browser");
    let site = base.clone();
    let (b, private_link) = steps(b, move |b| {
        b.goto(&format!("{site}/portal"));
        b.click(r#"a[href^="/portal/calls/"]"#);
        b.wait_for_url("/portal/calls/1");
        b.type_into(r#"input[name="name"]"#, "王晓燕");
        b.type_into(r#"input[name="phone"]"#, "13912345678");
        b.type_into(r#"input[name="id_number"]"#, "11010519491231002X");
        b.click("form.form button[type=submit]");
        assert_eq!(b.text("#signup-code").len(), 8);
        assert!(b.text("#booked").contains("·"), "the receipt repeats what was booked");
        b.text("#private-link")
    })
    .await;

    let checkin = qr_link(organiser.get(&format!("/volunteering/shifts/{shift}/qr/in")).await.text());
    let site = base.clone();
    let (b, ()) = steps(b, move |b| {
        b.goto(&format!("{site}{checkin}"));
        assert_eq!(b.text("#known-name"), "王晓燕");
        b.click("#confirm");
        assert!(b.text("#checkin-result").contains("签到成功"));
    })
    .await;

    // The organiser's screen reloads every 30 seconds; 100 minutes later the volunteer leaves.
    for _ in 0..4 {
        t.clock.advance(TimeDelta::minutes(25));
        organiser.get(&format!("/volunteering/shifts/{shift}")).await;
    }
    let checkout = qr_link(organiser.get(&format!("/volunteering/shifts/{shift}/qr/out")).await.text());
    let site = base.clone();
    let shots = std::env::temp_dir();
    steps(b, move |b| {
        b.goto(&format!("{site}{checkout}"));
        b.click("#confirm");
        assert!(b.text("#checkin-result").contains("本次计入服务时长 100 分钟"));
        // The receipt's link is absolute, on this server.
        assert!(private_link.starts_with(&format!("{site}/portal/me/")), "{private_link}");
        b.goto(&private_link);
        assert_eq!(b.text("#signup-status"), "已签退");
        assert_eq!(b.text("#total-hours"), "1.7");
        b.screenshot(&shots.join("qingtuan-portal-hours.png"));
        b.click("#record-link");
        assert_eq!(b.text("#record-hours"), "1.7");
        b.screenshot(&shots.join("qingtuan-service-record.png"));
    })
    .await;
}
