//! Youth stations through HTTP and the portal: eligibility on the day of arrival (age, graduation,
//! free nights in all), a bed never double-booked (leaving on a day frees the bed for that night),
//! check-in and check-out with the services received, the employment follow-up inside the
//! station's window at its edge, the private link that cancels; figures; scope.

use crate::kit::{id_number, post_form};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(a_station_books_beds_without_overlap_and_counts_who_found_work_in_the_district);

async fn a_station_books_beds_without_overlap_and_counts_who_found_work_in_the_district(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let station = |beds: &'static str| {
        let street = &street;
        async move {
            let form = [
                ("org_code", "S1"),
                ("name", "一街道青年驿站"),
                ("address", "一街道正阳路 2 号"),
                ("beds", beds),
                ("max_age", "35"),
                ("graduated_within_years", "2"),
                ("max_free_nights", "7"),
                ("employment_window_days", "90"),
                ("opened_on", "2025-06-01"),
            ];
            post_form(street, "/stations", "/stations", &form).await
        }
    };
    assert!(station("0").await.text().contains("床位数应为 1 到 1000 的整数"));
    assert_eq!(station("2").await.status, 303);
    let id = t.scalar("SELECT id FROM youth_stations").await;
    let page = format!("/stations/{id}");

    let book = |who: (&'static str, String), graduated: &'static str, arrives: &'static str, leaves: &'static str| {
        let street = &street;
        let page = page.clone();
        async move {
            let form = [
                ("name", who.0),
                ("id_number", who.1.as_str()),
                ("phone", "13800001111"),
                ("school", "青岛某大学"),
                ("graduated", graduated),
                ("arrives_on", arrives),
                ("leaves_on", leaves),
            ];
            post_form(street, &page, &format!("{page}/stays"), &form).await
        }
    };
    let a = ("甲", id_number("19990101", 21));
    let b = ("乙", id_number("19990202", 22));
    let old = book(("丙", id_number("19850101", 23)), "2025-06", "2026-03-05", "2026-03-06").await;
    assert!(old.text().contains("接待入住时 35 周岁以下的青年，入住人 2026-03-05 时 41 周岁"), "{}", old.text());
    assert!(book(a.clone(), "2020-06", "2026-03-05", "2026-03-06").await.text().contains("接待毕业 2 年以内的青年"));
    let minor = book(("癸", id_number("20100101", 30)), "2025-06", "2026-03-05", "2026-03-06").await;
    assert!(minor.text().contains("接待 18 周岁以上的青年"), "{}", minor.text());
    assert!(book(a.clone(), "2025-06", "2026-03-06", "2026-03-05").await.text().contains("离站日期应晚于入住日期"));

    // Two beds: a third guest on the same nights finds none; leaving on a day frees that night.
    assert_eq!(book(b.clone(), "2025-06", "2026-03-05", "2026-03-08").await.status, 303);
    assert_eq!(book(("丁", id_number("19990303", 24)), "2025-06", "2026-03-06", "2026-03-09").await.status, 303);
    let full = book(("戊", id_number("19990404", 25)), "2025-06", "2026-03-07", "2026-03-08").await;
    assert!(full.text().contains("在 2026-03-07 至 2026-03-08 已无空床位"), "{}", full.text());
    assert_eq!(book(("己", id_number("19990505", 26)), "2025-06", "2026-03-08", "2026-03-10").await.status, 303);
    assert_eq!(
        t.strings("SELECT CAST(bed AS TEXT) FROM station_stays ORDER BY id").await,
        vec!["1", "2", "1"],
        "the bed left on the 8th is taken that night"
    );
    let greedy = book(b.clone(), "2025-06", "2026-03-10", "2026-03-15").await;
    assert!(greedy.text().contains("每人免费入住最多 7 晚，此人已预订或入住 3 晚，本次 5 晚"), "{}", greedy.text());

    // On the portal, from today on, with a private link that cancels.
    let portal = t.client();
    let on_portal = |arrives: &'static str| {
        let portal = &portal;
        async move {
            let form = [
                ("name", "庚"),
                ("id_number", &id_number("20000101", 27)),
                ("phone", "13800002222"),
                ("school", "潍坊某学院"),
                ("graduated", "2026-06"),
                ("arrives_on", arrives),
                ("leaves_on", "2026-03-23"),
            ];
            post_form(portal, &format!("/portal/stations/{id}"), &format!("/portal/stations/{id}"), &form).await
        }
    };
    assert!(on_portal("2026-03-01").await.text().contains("入住日期不能早于今天"));
    let made = on_portal("2026-03-20").await;
    assert_eq!(made.status, 200, "{}", made.text());
    let link = made.text_of_id("private-link").expect("link");
    let private = link[link.find("/portal/stays/").expect("path")..].to_owned();
    assert_eq!(portal.get(&private).await.text_of_id("stay-state").as_deref(), Some("已预订"));
    portal.get(&private).await;
    assert_eq!(portal.post(&format!("{private}/cancel"), &[("confirm", "yes")]).await.status, 303);
    assert_eq!(portal.get(&private).await.text_of_id("stay-state").as_deref(), Some("已取消"));

    // Past stays recorded at the desk: checked in and out, then followed up at the window's edge.
    let stays = [
        (a.clone(), "2026-02-20", "2026-02-25", "2026-02-24", "2026-03-01"),
        (("辛", id_number("19980606", 28)), "2025-10-01", "2025-10-05", "2025-10-05", "2026-01-04"),
        (("壬", id_number("19980707", 29)), "2025-11-01", "2025-11-03", "2025-11-03", "2026-02-01"),
    ];
    for (who, arrives, leaves, out, started) in stays {
        assert_eq!(book(who.clone(), "2025-06", arrives, leaves).await.status, 303);
        let stay = t.scalar("SELECT MAX(id) FROM station_stays").await;
        let act = |fields: Vec<(&'static str, &'static str)>| {
            let street = &street;
            let page = page.clone();
            async move { post_form(street, &page, &format!("/stays/{stay}/act"), &fields).await }
        };
        assert_eq!(act(vec![("action", "check_in"), ("on_date", arrives)]).await.status, 303);
        let early = act(vec![("action", "check_out"), ("on_date", arrives)]).await;
        assert!(early.text().contains("离站日期应晚于入住日期"), "{}", early.text());
        let out_form = vec![("action", "check_out"), ("on_date", out), ("job_info", "yes"), ("career_guidance", "yes")];
        assert_eq!(act(out_form).await.status, 303);
        let before = vec![
            ("action", "follow_up"),
            ("on_date", "2026-03-02"),
            ("employed", "yes"),
            ("employer", "原单位"),
            ("in_district", "yes"),
            ("started_on", "2025-01-01"),
        ];
        assert!(act(before).await.text().contains("入住前已有的工作不计为驿站就业"));
        let vague = act(vec![("action", "follow_up"), ("on_date", "2026-03-02"), ("employed", "yes")]).await;
        assert!(vague.text().contains("已就业的请填写就业单位和入职日期"));
        let follow = vec![
            ("action", "follow_up"),
            ("on_date", "2026-03-02"),
            ("employed", "yes"),
            ("employer", "城阳某电商公司"),
            ("in_district", "yes"),
            ("started_on", started),
        ];
        assert_eq!(act(follow).await.status, 303);
    }
    assert_eq!(
        t.strings("SELECT name FROM station_stays WHERE employed_local ORDER BY id").await,
        vec!["甲", "壬"],
        "a job 90 days after leaving counts, 91 days does not"
    );
    assert!(street.get(&page).await.text().contains("就业信息、职业指导"));

    let r = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2025-05-31&from=2025-06-01").await.json();
    let v = |k: &str| r[k]["value"].as_i64().unwrap_or_else(|| panic!("{k}: {}", r[k]));
    assert_eq!((v("stations.count"), v("stations.checkins"), v("stations.nights")), (1, 3, 4 + 4 + 2));
    assert_eq!((v("stations.employed_local"), v("stations.employment_rate")), (2, 67));
    // Occupancy: 10 nights of 2 beds × 275 nights open (2025-06-01 to 2026-03-02) = 1.8 %.
    assert_eq!(v("stations.occupancy"), 2);
    let query = "as_of=2026-03-02&baseline=2025-05-31&from=2025-06-01";
    let path = |side: &str| format!("/api/v1/figures/stations.occupancy/records?{query}&side={side}");
    let (nights, beds) = (admin.get(&path("counted")).await.json(), admin.get(&path("whole")).await.json());
    assert_eq!((nights["count"].as_i64(), nights["sum"].as_i64()), (Some(3), Some(10)), "{nights}");
    assert_eq!((beds["count"].as_i64(), beds["sum"].as_i64()), (Some(1), Some(550)), "{beds}");
    // A period cutting a stay counts only its nights inside.
    let r = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2025-05-31&from=2026-03-01").await.json();
    let march = |k: &str| r[k]["value"].as_i64().unwrap_or_default();
    let inside = admin
        .get("/api/v1/figures/stations.occupancy/records?as_of=2026-03-02&baseline=2025-05-31&from=2026-03-01&side=whole")
        .await
        .json();
    assert_eq!(inside["sum"].as_i64(), Some(4), "2 beds × 2 nights: {inside}");
    assert!(march("stations.occupancy") <= 100, "{}", r["stations.occupancy"]);
    assert_eq!(v("stations.services.job_info"), 3);

    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&page).await.status, 404);
    let stay = t.scalar("SELECT MIN(id) FROM station_stays").await;
    other.get("/stations").await;
    assert_eq!(
        other.post(&format!("/stays/{stay}/act"), &[("action", "cancel"), ("on_date", "2026-03-02")]).await.status,
        404
    );
}
