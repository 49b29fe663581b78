//! People in headless Chromium: a new user logs in with a one-time password, changes it and reaches
//! the dashboard; a volunteer signs up on the portal, checks in by QR link and sees the hours; a new
//! district's admin imports its registry, names regions and parents by typing and reads the figures.

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

/// Waits until the element's text contains `needle` (the page after a submit has loaded), and
/// returns the text.
fn text_once(b: &Browser, css: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let text = b.text(css);
        if text.contains(needle) || std::time::Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Uploads a file on the imports page and returns the result line (or the problems' heading).
fn import(b: &Browser, base: &str, kind: &str, path: &std::path::Path) -> String {
    b.goto(&format!("{base}/imports"));
    b.click(&format!("select[name=kind] option[value={kind}]"));
    b.type_into("input[type=file]", &path.display().to_string());
    b.click(".actions button");
    text_once(b, "#import-result, #import-problems", "行")
}

/// A new district in the browser, as the README sets it up: the root from the command line
/// without a region, then its admin at the first login changes the one-time password, imports
/// regions, populations, orgs (one dissolved), people and posts on the imports page, gives the root
/// its region by typing the region's name, adds a community branch with names typed for the
/// parent and the region — and the dashboard shows the figures computed by hand.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_district_sets_itself_up_in_the_browser() {
    use qingtuan_app::Actor;
    use qingtuan_app::access::users::{self, NewUser};
    use qingtuan_app::registry::orgs::{self, NewOrg};

    let t = TestApp::spawn(Backend::Sqlite).await;
    let root = NewOrg {
        code: "CY".into(),
        name: "共青团城阳区委员会".into(),
        kind: "district_committee".into(),
        sector_code: "government".into(),
        ..NewOrg::default()
    };
    orgs::create(&t.app, &Actor::system(), &root).await.expect("root");
    let admin = NewUser {
        username: "wang".into(),
        display_name: "王书记".into(),
        role_code: "district_admin".into(),
        scope_code: "CY".into(),
        partner_code: String::new(),
        password: None,
    };
    let otp = users::create(&t.app, &Actor::system(), &admin).await.expect("admin").one_time_password.expect("otp");
    let root_id = t.org_id("CY").await;
    let dir = std::env::temp_dir().join(format!("qingtuan-browser-district-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write csv");
        path
    };
    let files = [
        (
            "regions",
            file(
                "regions.csv",
                "区域代码,区域名称,区域类型,上级区域代码\nCY,城阳区,district,\nCY01,城阳街道,street,CY\nCY02,流亭街道,street,CY\nCY01-01,一社区,community,CY01\nCY02-01,二社区,community,CY02\n",
            ),
        ),
        // The district has no record of its own; 城阳街道 has one (its community's is not added to
        // it); 流亭街道 has none, so its community's stands for it.
        (
            "populations",
            file(
                "populations.csv",
                "区域代码,年份,青年人口,数据来源\nCY01,2020,6000,统计局\nCY01,2022,8000,统计局\nCY01-01,2022,7000,统计局\nCY02-01,2020,1000,统计局\nCY02-01,2022,2000,统计局\n",
            ),
        ),
        (
            "orgs",
            file(
                "orgs.csv",
                "组织代码,组织名称,组织类型,上级组织代码,领域代码,所在区域代码,组建方式,成立日期,撤销日期\nCY01T,城阳街道团工委,working_committee,CY,street_community,CY01,,2010-01-01,\nCY02T,流亭街道团工委,working_committee,CY,street_community,CY02,,2010-01-01,\nOLD,旧社区团支部,branch,CY01T,street_community,CY01-01,,2015-01-01,2021-06-01\n",
            ),
        ),
        (
            "people",
            file(
                "people.csv",
                "姓名,性别,身份证号码\n甲,男,370214199505041232\n乙,女,370214199601012343\n丙,男,370214199702023455\n丁,女,370214199803034567\n",
            ),
        ),
        (
            "positions",
            file(
                "positions.csv",
                "身份证号码,组织代码,职务,任职方式,来源,挂兼职层级,任职日期,离任日期\n370214199505041232,CY,工作人员,挂职,社会化选拔,区级,2019-01-01,\n370214199601012343,CY01T,书记,兼职,两委委员,,2019-01-01,\n370214199702023455,CY02T,书记,兼职,两委委员,,2021-03-01,\n370214199803034567,OLD,书记,兼职,两委委员,,2016-01-01,2021-06-01\n",
            ),
        ),
    ];
    let addr = t.serve().await;
    let shots = std::env::temp_dir();

    let base = format!("http://{addr}");
    let figures = tokio::task::spawn_blocking(move || {
        let b = Browser::start();
        b.goto(&format!("{base}/login"));
        b.type_into("#username", "wang");
        b.type_into("#password", &otp);
        b.click("#login");
        b.wait_for_url("/account/password");
        b.type_into("#current", &otp);
        b.type_into("#new", "Spring-Volunteer-88");
        b.type_into("#confirm", "Spring-Volunteer-88");
        b.click("#save-password");
        let url = b.wait_for_url("/dashboard");
        assert!(url.ends_with("/dashboard"), "{url}: {}", b.text("main"));
        for (kind, path) in &files {
            let result = import(&b, &base, kind, path);
            assert!(result.starts_with("已导入"), "{kind}: {result}");
        }
        b.goto(&format!("{base}/orgs/{root_id}/edit"));
        b.type_into("input[name=region_code]", "城阳区");
        b.click(".form button[type=submit]");
        assert_eq!(text_once(&b, "#done", "已保存"), "已保存");
        b.goto(&format!("{base}/orgs/new"));
        b.type_into("input[name=parent_code]", "城阳街道团工委");
        b.type_into("input[name=name]", "城阳街道一社区团支部");
        b.type_into("input[name=code]", "CY01-01B");
        b.click("select[name=kind] option[value=branch]");
        b.type_into("input[name=region_code]", "一社区");
        b.click(".form button[type=submit]");
        assert_eq!(text_once(&b, "#done", "已创建"), "已创建");
        b.goto(&format!("{base}/dashboard?as_of=2022-05-31&baseline=2020-12-31"));
        let figure = |key: &str| b.text(&format!(r#"[id="fig-{key}"] .number"#));
        let read = ["workforce.count", "workforce.per_10k_youth", "cadres.seconded_part_time.district"].map(figure);
        b.screenshot(&shots.join("qingtuan-new-district.png"));
        read
    })
    .await
    .expect("browser scenario");
    // 乙 (城阳街道) and 丙 (流亭街道) in the social domain on 2022-05-31 — 丁's branch is gone; the
    // youth are 8,000 + 2,000 (the street's own record, the community's standing for its street):
    // 2 ÷ 10,000 × 10,000 = 2; 甲, seconded to the root, whose founding date is unknown.
    assert_eq!(figures, ["2", "2", "1"]);
    assert_eq!(t.strings("SELECT parent.code || ' ' || r.code FROM orgs o JOIN orgs parent ON parent.id = o.parent_id JOIN regions r ON r.id = o.region_id WHERE o.code = 'CY01-01B'").await, ["CY01T CY01-01"]);
    std::fs::remove_dir_all(&dir).ok();
}
