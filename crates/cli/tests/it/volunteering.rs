//! Volunteer mobilisation: scope of the organisers' page, people served, the 60% rule through the
//! figures.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use qingtuan_app::Actor;
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::volunteering::{self, Attendance, NewCall, NewShift};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(
    organisers_see_and_record_only_their_own_shifts,
    organisers_publish_calls_form_teams_and_record_donations,
    a_team_has_members_and_takes_a_shift_as_a_whole,
    the_desk_pages_calls_and_a_call_says_what_volunteers_need,
);

async fn organisers_see_and_record_only_their_own_shifts(t: TestApp) {
    t.seed_tree().await;
    let sys = Actor::system();
    let day = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let call = |org: &str, title: &str| NewCall {
        org_code: org.into(),
        title: title.into(),
        task: "核酸检测".into(),
        published_on: day,
        real_name: false,
        shifts: vec![NewShift {
            on_date: day, start: time(8), end: time(13), place: "社区广场".into(), places: 10
        }],
        ..Default::default()
    };
    let (_, ours) = volunteering::create_call(&t.app, &sys, &call("C11", "一社区招募令")).await.expect("call");
    let (_, theirs) = volunteering::create_call(&t.app, &sys, &call("C21", "二社区招募令")).await.expect("call");
    let ids = people::create_batch(
        &t.app,
        &sys,
        &[NewPerson { name: "志愿者".into(), gender: "女".into(), ..NewPerson::default() }],
    )
    .await
    .expect("person");
    let start = qingtuan_domain::time::local_instant(day, time(8));
    // A 300-minute shift: 180 minutes (60 %) count, 179 do not.
    let rows = [(180, ours[0]), (179, ours[0]), (300, theirs[0])].map(|(minutes, shift)| Attendance {
        shift_id: shift,
        person_id: ids[0],
        team_id: None,
        check_in_at: start,
        check_out_at: start + TimeDelta::minutes(minutes),
    });
    volunteering::record_turnouts(&t.app, &sys, &rows).await.expect("turnouts");

    t.create_user("c11org", "org_admin", "C11").await;
    let organiser = t.login("c11org").await;
    let page = organiser.get("/volunteering?status=all").await.text();
    assert!(page.contains("一社区招募令") && !page.contains("二社区招募令"), "only their own calls");
    let recorded =
        organiser.post(&format!("/volunteering/shifts/{}/served", ours[0]), &[("people_served", "420")]).await;
    assert_eq!(recorded.status, 303);
    assert_eq!(
        organiser.post(&format!("/volunteering/shifts/{}/served", theirs[0]), &[("people_served", "1")]).await.status,
        404
    );
    assert_eq!(
        organiser.post(&format!("/volunteering/shifts/{}/served", ours[0]), &[("people_served", "许多")]).await.status,
        422
    );

    let r = organiser.get("/api/v1/reports?as_of=2026-03-31&baseline=2026-02-28&from=2026-03-01").await.json();
    assert_eq!(r["volunteer.turnouts"]["value"], 2, "two turn-outs in C11's scope");
    assert_eq!(r["volunteer.hours"]["value"], 3, "180 minutes count, 179 do not");
    assert_eq!(r["volunteer.people_served"]["value"], 420);
}

async fn organisers_publish_calls_form_teams_and_record_donations(t: TestApp) {
    t.seed_tree().await;
    t.create_user("c11admin", "org_admin", "C11").await;
    let organiser = t.login("c11admin").await;
    organiser.get("/volunteering/calls/new").await;
    let call = [
        ("org_code", "C11"),
        ("title", "冬季社区环境整治志愿者招募令"),
        ("task", "community"),
        ("date0", "2026-03-05"),
        ("start0", "08:00"),
        ("end0", "11:00"),
        ("place0", "社区广场"),
        ("places0", "12"),
        ("date1", "2026-03-06"),
        ("start1", "8点"),
    ];
    let bad = organiser.post("/volunteering/calls", &call).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("第 2 个班次"), "{}", bad.text());
    assert!(bad.text().contains("冬季社区环境整治志愿者招募令"), "the form keeps what was typed");
    let other_org = organiser.post("/volunteering/calls", &[&[("org_code", "C12")], &call[1..8]].concat()).await;
    assert_eq!(other_org.status, 404, "another community's code is outside the scope");
    let ok = organiser.post("/volunteering/calls", &call[..8]).await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert!(t.client().get("/portal").await.text().contains("冬季社区环境整治志愿者招募令"));

    let page = organiser.get("/volunteering").await;
    assert!(page.text().contains("冬季社区环境整治志愿者招募令"), "a call just published is on the desk's first page");
    organiser.get("/volunteering/teams").await;
    let team = organiser
        .post("/volunteering/teams", &[("org_code", "C11"), ("name", "一社区青年突击队"), ("formed_on", "2026-03-02")])
        .await;
    assert_eq!(team.status, 303, "{}", team.text());
    let gift = [
        ("org_code", "C11"),
        ("donor_kind", "person"),
        ("donor_name", "张三"),
        ("kind", "goods"),
        ("yuan", "1,200.5"),
        ("purpose", "防寒物资"),
        ("donated_on", "2026-03-02"),
        ("receipt_no", "JZ-001"),
    ];
    for bad in ["-5", "1.234", "NaN", "1e3"] {
        let res = organiser.post("/volunteering/donations", &[&gift[..4], &[("yuan", bad)], &gift[5..]].concat()).await;
        assert_eq!(res.status, 422, "{bad}");
        assert!(res.text().contains("最多两位小数"), "{bad}: the reason is given");
    }
    assert_eq!(organiser.post("/volunteering/donations", &gift).await.status, 303);
    assert!(organiser.get("/volunteering/teams").await.text().contains("一社区青年突击队"));
    let page = organiser.get("/volunteering/donations?from=2026-03-01&to=2026-03-31").await.text();
    assert!(page.contains("1200.50"));
    assert!(!page.contains("张三"), "individual donors are not named on screen");
    let admin = t.admin().await;
    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2026-01-01&from=2026-03-01&scope=D").await.json();
    assert_eq!(r["donations.goods_yuan"]["value"], 1201);
    assert_eq!(r["volunteer.teams.count"]["value"], 1);
}

async fn a_team_has_members_and_takes_a_shift_as_a_whole(t: TestApp) {
    t.seed_tree().await;
    let person = |name: &str, phone: &str| NewPerson {
        name: name.into(),
        gender: "male".into(),
        phone: phone.into(),
        ..Default::default()
    };
    let forms = [person("队员甲", "13811110001"), person("队员乙", "13811110002"), person("队员丙", "13811110003")];
    let ids = people::create_batch(&t.app, &Actor::system(), &forms).await.expect("people");
    t.create_user("c11admin", "org_admin", "C11").await;
    let organiser = t.login("c11admin").await;
    organiser.get("/volunteering/teams").await;
    organiser
        .post("/volunteering/teams", &[("org_code", "C11"), ("name", "一社区青年突击队"), ("formed_on", "2026-03-01")])
        .await;
    let html = organiser.get("/volunteering/teams").await.text();
    let start = html.find("/volunteering/teams/").expect("team link") + "/volunteering/teams/".len();
    let team: String = html[start..].chars().take_while(char::is_ascii_digit).collect();
    let team_path = format!("/volunteering/teams/{team}");
    organiser.get(&team_path).await;
    let add = |name: &'static str, phone: &'static str| [("name", name), ("phone", phone), ("joined_on", "2026-03-01")];
    let unknown = organiser.post(&format!("{team_path}/members"), &add("路人", "13999999999")).await;
    assert!(unknown.text().contains("人员库中没有该姓名和手机号的人员"));
    for (name, phone) in [("队员甲", "13811110001"), ("队员乙", "13811110002"), ("队员丙", "13811110003")] {
        assert_eq!(organiser.post(&format!("{team_path}/members"), &add(name, phone)).await.status, 303);
    }
    let change = |fields: Vec<(&'static str, String)>| {
        let organiser = &organiser;
        let path = format!("{team_path}/change");
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            organiser.post(&path, &refs).await
        }
    };
    let lead = change(vec![("action", "lead".into()), ("person_id", ids[0].to_string())]).await;
    assert_eq!(lead.status, 303);
    let leave =
        change(vec![("action", "leave".into()), ("person_id", ids[2].to_string()), ("on", "2026-03-02".into())]).await;
    assert_eq!(leave.status, 303);
    let page = organiser.get(&team_path).await.text();
    assert!(page.contains("队员甲 <strong>（队长）</strong>") && page.contains("138****0001"));

    // The team takes a shift on 2026-03-03: the two members still in it turn out.
    let day = NaiveDate::from_ymd_opt(2026, 3, 3).expect("date");
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let call = NewCall {
        org_code: "C11".into(),
        title: "卡口值守".into(),
        task: "卡口值守".into(),
        published_on: day,
        real_name: false,
        shifts: vec![NewShift { on_date: day, start: time(8), end: time(12), place: "村口".into(), places: 10 }],
        ..Default::default()
    };
    let shift = volunteering::create_call(&t.app, &Actor::system(), &call).await.expect("call").1[0];
    organiser.get(&format!("/volunteering/shifts/{shift}")).await;
    let took = organiser
        .post(
            &format!("/volunteering/shifts/{shift}/team"),
            &[("team_id", &team), ("check_in", "08:00"), ("check_out", "12:00")],
        )
        .await;
    assert_eq!(took.status, 303, "{}", took.text());
    // The turn-outs are audited within the calling org, so its own admin reads what was recorded.
    let log = organiser.get("/audit?action=volunteer.turnouts").await.text();
    assert!(log.contains("登记志愿者出勤") && log.contains("turnouts：2"), "{log}");
    let admin = t.admin().await;
    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2026-01-01&from=2026-03-01&scope=D").await.json();
    assert_eq!(r["volunteer.turnouts"]["value"], 2);
    assert_eq!(r["volunteer.hours"]["value"], 8);

    let disband = change(vec![("action", "disband".into()), ("on", "2026-03-10".into())]).await;
    assert_eq!(disband.status, 303);
    let again = change(vec![("action", "disband".into()), ("on", "2026-03-11".into())]).await;
    assert_eq!(again.status, 422);
    assert_eq!(t.audit_count("volunteer.team_changed").await, 6);

    // The call's page is shared as a link and a QR code; not by another community.
    let share = organiser.get(&format!("/volunteering/calls/{}/share", call_id(&t, shift).await)).await;
    assert!(
        share.text().contains("<svg") && share.text_of_id("share-link").is_some_and(|l| l.ends_with("/portal/calls/1"))
    );
    t.create_user("c12admin", "org_admin", "C12").await;
    let other = t.login("c12admin").await;
    assert_eq!(other.get(&format!("/volunteering/calls/{}/share", call_id(&t, shift).await)).await.status, 404);
    assert_eq!(other.get(&team_path).await.status, 404);
}

async fn call_id(t: &TestApp, shift: qingtuan_domain::ids::ShiftId) -> qingtuan_domain::ids::CallId {
    qingtuan_app::portal::call_of_shift(&t.app, shift).await.expect("call")
}

/// The desk lists calls current and upcoming first, filtered and paged; a call has its page with
/// its shifts, what it tells volunteers (changed and audited), a poster, a deadline the portal
/// keeps, and closing takes it off the portal.
async fn the_desk_pages_calls_and_a_call_says_what_volunteers_need(t: TestApp) {
    t.seed_tree().await;
    let sys = Actor::system();
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("date");
    let call = |org: &str, title: String, on: NaiveDate| NewCall {
        org_code: org.into(),
        title,
        task: "community".into(),
        published_on: day(1),
        shifts: vec![NewShift { on_date: on, start: time(8), end: time(11), place: "社区广场".into(), places: 3 }],
        ..Default::default()
    };
    // 55 upcoming calls of C11, one past call of C11, one of C21 (the clock stands at 2026-03-02).
    for n in 0..55 {
        volunteering::create_call(&t.app, &sys, &call("C11", format!("清洁家园第{n:02}号"), day(10)))
            .await
            .expect("call");
    }
    volunteering::create_call(&t.app, &sys, &call("C11", "二月份招募令".into(), day(1))).await.expect("call");
    volunteering::create_call(&t.app, &sys, &call("C21", "二街道招募令".into(), day(10))).await.expect("call");
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;

    let first = street.get("/volunteering").await.text();
    assert!(
        first.contains("共 55 条") && !first.contains("二月份招募令") && !first.contains("二街道招募令"),
        "{first}"
    );
    let second = street.get("/volunteering?page=2").await.text();
    assert_eq!(second.matches("清洁家园第").count(), 5);
    assert!(street.get("/volunteering?status=past").await.text().contains("二月份招募令"));
    let narrowed = street
        .get(&format!("/volunteering?status=all&org={}&q=%E4%BA%8C", crate::kit::urlencode("一街道一社区团支部")))
        .await;
    assert!(narrowed.text().contains("共 1 条") && narrowed.text().contains("二月份招募令"), "{}", narrowed.text());
    assert!(street.get("/volunteering?status=all&q=%25").await.text().contains("共 0 条"), "% is a character");
    let unknown = street.get("/volunteering?status=xyz").await;
    assert_eq!(unknown.status, 422, "an unknown status is refused, not ignored");
    assert!(unknown.text().contains("请选择状态"));
    let xlsx = street.get("/volunteering/calls.xlsx?status=all").await;
    assert_eq!(xlsx.status, 200);
    // A title saying what and whose, then the header; dates are dates and numbers numbers.
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("招募令").expect("sheet");
    let rows: Vec<&[calamine::Data]> = sheet.rows().collect();
    assert!(rows[0][0].to_string().starts_with("招募令　数据范围：一街道团工委　导出："), "{:?}", rows[0]);
    assert_eq!(rows[1][0].to_string(), "招募令");
    assert_eq!(rows.len(), 2 + 56);
    assert!(matches!(rows[2][3], calamine::Data::DateTime(_)), "a date: {:?}", rows[2][3]);
    assert!(matches!(rows[2][6], calamine::Data::Float(_)), "a number: {:?}", rows[2][6]);
    assert_eq!(t.audit_count("data.export").await, 1);
    // Narrowed to an org, the title names it and those below it.
    let narrowed = street.get("/volunteering/calls.xlsx?status=all&org=C11").await;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(narrowed.body.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("招募令").expect("sheet");
    let title = sheet.rows().next().map(|r| r[0].to_string()).unwrap_or_default();
    assert!(title.starts_with("招募令　数据范围：一街道一社区团支部及下级　导出："), "{title}");

    // A call published through the form lands on its own page, with what it tells volunteers.
    street.get("/volunteering/calls/new").await;
    let published = street
        .post(
            "/volunteering/calls",
            &[
                ("org_code", "一街道二社区团支部"),
                ("title", "植树节志愿者招募令"),
                ("task", "community"),
                ("description", "第一行\n第二行"),
                ("contact", "王老师 0532-88886666"),
                ("signup_deadline", "2026-03-03"),
                ("date0", "2026-03-12"),
                ("start0", "08:00"),
                ("end0", "11:00"),
                ("place0", "河心岛"),
                ("places0", "2"),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.text());
    let page_path = published.location().expect("call page").to_owned();
    let id: i64 = page_path.rsplit('/').next().and_then(|n| n.parse().ok()).expect("id");
    let page = street.get(&page_path).await.text();
    assert!(
        page.contains("第一行\n第二行")
            && page.contains("王老师 0532-88886666")
            && page.contains("报名截止 2026-03-03")
    );
    assert!(page.contains("河心岛") && page.contains("招募中"));

    // Changed: audited with what changed; bad input changes nothing.
    let changed = street
        .post(
            &page_path,
            &[
                ("title", "植树节志愿者招募令"),
                ("task", "community"),
                ("description", "带好手套"),
                ("contact", ""),
                ("signup_deadline", "2026-03-04"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text());
    let too_long = "字".repeat(2001);
    let bad = street
        .post(
            &page_path,
            &[("title", ""), ("task", "community"), ("description", too_long.as_str()), ("signup_deadline", "明天")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.text().contains("招募令标题不能为空")
            && bad.text().contains("招募说明不超过 2000 个字")
            && bad.text().contains("日期“明天”无效")
    );
    assert_eq!(t.audit_count("volunteer.call_changed").await, 1);

    // A poster: PNG or JPEG only; shown on the portal.
    let png = b"\x89PNG\r\n\x1a\n-a-poster-";
    street.get(&page_path).await;
    let refused = street
        .post_multipart(&format!("{page_path}/poster"), &[], ("document", "poster.svg", b"<svg onload=alert(1)>"))
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("海报只能是 PNG 或 JPEG 文件"), "{}", refused.text());
    let stored = street.post_multipart(&format!("{page_path}/poster"), &[], ("document", "poster.png", png)).await;
    assert_eq!(stored.status, 303, "{}", stored.text());
    let visitor = t.client();
    let public = visitor.get(&format!("/portal/calls/{id}")).await.text();
    assert!(public.contains("带好手套") && public.contains(&format!("/portal/calls/{id}/poster")));
    let image = visitor.get(&format!("/portal/calls/{id}/poster")).await;
    assert_eq!((image.status, image.header("content-type")), (200, Some("image/png")));

    // The deadline: signing up after it is refused, with the reason.
    let shift: i64 = t.scalar(&format!("SELECT id FROM shifts WHERE call_id = {id}")).await;
    let person = [("name", "小周"), ("phone", "13900000001"), ("gender", "female"), ("birth_on", "1996-08-01")];
    t.clock.advance(TimeDelta::days(3));
    visitor.get(&format!("/portal/calls/{id}")).await;
    let late = visitor.post(&format!("/portal/shifts/{shift}/signup"), &person).await;
    assert_eq!(late.status, 422);
    assert!(late.text().contains("报名已截止"));
    t.clock.advance(TimeDelta::days(-3));

    // Closed: off the portal, no more sign-ups, the poster gone from the public; still on the desk.
    let street = t.login("s1admin").await;
    street.get(&page_path).await;
    assert_eq!(street.post(&format!("{page_path}/close"), &[]).await.status, 303);
    assert!(!visitor.get("/portal").await.text().contains("植树节志愿者招募令"));
    visitor.get("/portal").await;
    let closed = visitor.post(&format!("/portal/shifts/{shift}/signup"), &person).await;
    assert!(closed.status == 422 && closed.text().contains("该招募令已关闭"), "{}", closed.text());
    assert_eq!(visitor.get(&format!("/portal/calls/{id}/poster")).await.status, 404);
    assert!(street.get("/volunteering?status=closed").await.text().contains("植树节志愿者招募令"));
    assert_eq!(t.audit_count("volunteer.call_closed").await, 1);

    // Another street's call is missing for this street.
    let theirs: i64 = t.scalar("SELECT id FROM recruitment_calls WHERE title = '二街道招募令'").await;
    assert_eq!(street.get(&format!("/volunteering/calls/{theirs}")).await.status, 404);
}
