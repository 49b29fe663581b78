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
    let page = organiser.get("/volunteering?from=2026-03-01&to=2026-03-31").await.text();
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

    let page = organiser.get("/volunteering?from=2026-03-01&to=2026-03-31").await;
    assert!(page.text().contains("社区广场"));
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
    let page = organiser.get("/volunteering?from=2026-03-01&to=2026-03-31").await.text();
    assert!(page.contains("一社区青年突击队") && page.contains("1200.50"));
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
    organiser.get("/volunteering").await;
    organiser
        .post("/volunteering/teams", &[("org_code", "C11"), ("name", "一社区青年突击队"), ("formed_on", "2026-03-01")])
        .await;
    let html = organiser.get("/volunteering?from=2026-03-01&to=2026-03-31").await.text();
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

async fn call_id(t: &TestApp, shift: i64) -> i64 {
    qingtuan_app::portal::call_of_shift(&t.app, shift).await.expect("call")
}
