//! Check-in at a shift: the organiser's QR code (30-second signed tokens), the typed-code fallback,
//! replayed and expired codes refused, hours credited at check-out and shown on the volunteer's
//! own page and service record; children signed up only by a guardian; hours added by hand wait
//! for the org above; a community's organisers see only their own community's sign-ups.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use qingtuan_app::Actor;
use qingtuan_app::volunteering::{self, NewCall, NewShift};
use qingtuan_testkit::{TestApp, TestClient, db_tests};

db_tests!(
    volunteers_check_in_by_qr_code_and_see_their_hours,
    replayed_expired_and_forged_codes_are_refused,
    a_child_is_signed_up_only_by_a_guardian,
    hours_added_by_hand_wait_for_the_org_above,
    organisers_see_only_their_communitys_signups,
    the_attendance_rule_is_the_districts_setting,
);

/// A call of `org` with one shift today (the test clock's 2026-03-02, 09:00 in Shanghai) from
/// 09:00 to 11:00; returns the shift's id.
async fn shift_today(t: &TestApp, org: &str) -> qingtuan_domain::ids::ShiftId {
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let form = NewCall {
        org_code: org.into(),
        title: format!("{org} 核酸检测志愿者招募令"),
        task: "核酸检测".into(),
        published_on: day,
        real_name: false,
        shifts: vec![NewShift {
            on_date: day, start: time(9), end: time(11), place: "社区广场".into(), places: 10
        }],
        ..Default::default()
    };
    volunteering::create_call(&t.app, &Actor::system(), &form).await.expect("call").1[0]
}

/// Signs up on the call's page; returns the private link and the sign-up code.
async fn sign_up(
    t: &TestApp,
    visitor: &TestClient,
    shift: qingtuan_domain::ids::ShiftId,
    name: &str,
    phone: &str,
) -> (String, String) {
    let call = qingtuan_app::portal::call_of_shift(&t.app, shift).await.expect("call");
    visitor.get(&format!("/portal/calls/{call}")).await;
    let res = visitor
        .post(
            &format!("/portal/shifts/{shift}/signup"),
            &[("name", name), ("phone", phone), ("gender", "female"), ("birth_on", "2000-05-04")],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    (res.text_of_id("private-link").expect("private link"), res.text_of_id("signup-code").expect("code"))
}

/// The district's volunteer hours for March 2026, as the report API gives them.
async fn hours(reader: &TestClient) -> serde_json::Value {
    let res = reader.get("/api/v1/reports?as_of=2026-03-31&baseline=2026-01-01&from=2026-03-01&scope=D").await;
    res.json()["volunteer.hours"]["value"].clone()
}

/// The organiser's screen: the check-in path the QR code encodes, and the typed code beside it.
async fn screen(organiser: &TestClient, shift: qingtuan_domain::ids::ShiftId, direction: &str) -> (String, String) {
    let res = organiser.get(&format!("/volunteering/shifts/{shift}/qr/{direction}")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let html = res.text();
    // The test clock stands on a 30-second boundary: the screen reloads when the code changes.
    assert!(html.contains("<svg"));
    // The screen reloads when the code changes: within 30 seconds.
    let marker = "http-equiv=\"refresh\" content=\"";
    let at = html.find(marker).expect("refresh") + marker.len();
    let secs: i64 = html[at..].split('"').next().and_then(|n| n.parse().ok()).expect("seconds");
    assert!((1..=30).contains(&secs), "{secs}");
    let start = html.find("/portal/checkin/").expect("check-in link");
    let end = start + html[start..].find('"').expect("end of link");
    (html[start..end].to_owned(), res.text_of_id("typed-code").expect("typed code"))
}

async fn volunteers_check_in_by_qr_code_and_see_their_hours(t: TestApp) {
    t.seed_tree().await;
    let shift = shift_today(&t, "C11").await;
    let organiser = t.admin().await;
    let phone = t.client();
    let (link, _) = sign_up(&t, &phone, shift, "小王", "13912345678").await;

    // The phone that signed up scans the code: it knows who is checking in.
    let (checkin, _) = screen(&organiser, shift, "in").await;
    let page = phone.get(&checkin).await;
    assert_eq!(page.text_of_id("known-name").as_deref(), Some("小王"), "{}", page.text());
    let done = phone.post(&checkin, &[]).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text_of_id("checkin-result").is_some_and(|r| r.contains("小王，签到成功")));
    assert_eq!(phone.get(&link).await.text_of_id("signup-status").as_deref(), Some("已签到"));

    // 100 minutes of a 120-minute shift: more than 60 %, so all 100 count. (The organiser's
    // screen reloads every 30 seconds, which keeps the session alive.)
    for _ in 0..4 {
        t.clock.advance(TimeDelta::minutes(25));
        organiser.get(&format!("/volunteering/shifts/{shift}")).await;
    }
    let (checkout, _) = screen(&organiser, shift, "out").await;
    phone.get(&checkout).await;
    let done = phone.post(&checkout, &[]).await;
    assert!(done.text_of_id("checkin-result").is_some_and(|r| r.contains("签退成功") && r.contains("100 分钟")));

    let mine = phone.get(&link).await;
    assert_eq!(mine.text_of_id("signup-status").as_deref(), Some("已签退"));
    assert_eq!(mine.text_of_id("total-hours").as_deref(), Some("1.7"));
    let record = phone.get(&format!("{link}/record")).await;
    assert_eq!(record.status, 200);
    assert!(record.text().contains("志愿服务记录证明") && record.text().contains("小王"));
    assert_eq!(record.text_of_id("record-hours").as_deref(), Some("1.7"));

    // Another phone, which did not sign up here, types the sign-up code instead; a third
    // volunteer uses the six digits on the screen from their own page.
    let other = t.client();
    let (_, code) = sign_up(&t, &other, shift, "小李", "13800001111").await;
    let borrowed = t.client();
    let (checkin, typed) = screen(&organiser, shift, "in").await;
    borrowed.get(&checkin).await;
    assert_eq!(borrowed.post(&checkin, &[("code", "WRONG123")]).await.status, 422);
    let done = borrowed.post(&checkin, &[("code", &code)]).await;
    assert!(done.text_of_id("checkin-result").is_some_and(|r| r.contains("小李，签到成功")), "{}", done.text());

    let third = t.client();
    let (third_link, _) = sign_up(&t, &third, shift, "小张", "13700002222").await;
    third.get(&third_link).await;
    let done = third.post(&format!("{third_link}/checkin"), &[("code", &typed)]).await;
    assert!(done.text_of_id("checkin-result").is_some_and(|r| r.contains("小张，签到成功")), "{}", done.text());

    let list = organiser.get(&format!("/volunteering/shifts/{shift}")).await;
    assert!(list.text().contains("已签退") && list.text().contains("139****5678"));
    assert!(!list.text().contains("13912345678"), "phones are masked");
    assert_eq!(t.audit_count("volunteer.checked_in").await, 3);
    assert_eq!(t.audit_count("volunteer.checked_out").await, 1);
    // The volunteer is now a person in the registry, with the turn-out counted in the figures.
    let report = organiser.get("/api/v1/reports?as_of=2026-03-31&baseline=2026-01-01&from=2026-03-01&scope=D").await;
    assert_eq!(report.json()["volunteer.turnouts"]["value"], 3, "{}", report.text());
}

async fn replayed_expired_and_forged_codes_are_refused(t: TestApp) {
    t.seed_tree().await;
    let shift = shift_today(&t, "C11").await;
    let organiser = t.admin().await;
    let phone = t.client();
    let (link, _) = sign_up(&t, &phone, shift, "小王", "13912345678").await;

    // A code shown at 09:00:00 is still good 89 seconds later …
    let (checkin, _) = screen(&organiser, shift, "in").await;
    t.clock.advance(TimeDelta::seconds(89));
    phone.get(&checkin).await;
    let done = phone.post(&checkin, &[]).await;
    assert_eq!(done.status, 200, "{}", done.text());
    // … but using it again is a replay.
    let replay = phone.post(&checkin, &[]).await;
    assert_eq!(replay.status, 422);
    assert!(replay.text().contains("已经使用过"), "{}", replay.text());
    assert_eq!(t.audit_count("security.checkin_replayed").await, 1);

    // A check-out code 91 seconds old has expired, on the scan page and on submission.
    let (checkout, typed) = screen(&organiser, shift, "out").await;
    t.clock.advance(TimeDelta::seconds(91));
    let stale = phone.get(&checkout).await;
    assert_eq!(stale.status, 422);
    assert!(stale.text().contains("二维码已过期"));
    assert!(phone.post(&checkout, &[]).await.text().contains("二维码已过期"));
    phone.get(&link).await;
    let late = phone.post(&format!("{link}/checkin"), &[("code", &typed)]).await;
    assert!(late.text().contains("签到码不正确或已过期"), "{}", late.text());
    assert_eq!(phone.get(&link).await.text_of_id("signup-status").as_deref(), Some("已签到"));

    // A token whose signature does not match is not a code at all.
    let forged = checkout.replace("out", "in");
    assert_eq!(phone.get(&forged).await.status, 404);
    let mut tampered = checkout.clone();
    tampered.pop();
    tampered.push(if checkout.ends_with('0') { '1' } else { '0' });
    assert_eq!(phone.get(&tampered).await.status, 404);
}

async fn a_child_is_signed_up_only_by_a_guardian(t: TestApp) {
    t.seed_tree().await;
    let shift = shift_today(&t, "C11").await;
    let call = qingtuan_app::portal::call_of_shift(&t.app, shift).await.expect("call");
    let parent = t.client();
    parent.get(&format!("/portal/calls/{call}")).await;
    let path = format!("/portal/shifts/{shift}/signup");
    // Born 2012-03-03: 13 on the shift's day, 2026-03-02.
    let child = [("name", "小明"), ("phone", "13600003333"), ("gender", "male"), ("birth_on", "2012-03-03")];
    let refused = parent.post(&path, &child).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("14 周岁以下儿童须由监护人代为报名"), "{}", refused.text());
    let no_consent = parent.post(&path, &[&child[..], &[("guardian_name", "王女士")]].concat()).await;
    assert_eq!(no_consent.status, 422, "the guardian must also tick the consent box");
    let ok = parent.post(&path, &[&child[..], &[("guardian_name", "王女士"), ("consent", "on")]].concat()).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let link = ok.text_of_id("private-link").expect("link");
    assert!(parent.get(&link).await.text().contains("王女士（已同意）"));

    // Fourteen on the day (born 2012-03-02): signs up alone.
    let teen = [("name", "小红"), ("phone", "13600004444"), ("gender", "female"), ("birth_on", "2012-03-02")];
    assert_eq!(parent.post(&path, &teen).await.status, 200);
    // Without an ID number, gender and birth date are needed; a bad ID number is refused.
    let bare = parent.post(&path, &[("name", "小赵"), ("phone", "13600005555")]).await;
    assert!(bare.text().contains("请选择性别") && bare.text().contains("请填写出生日期"));
    let bad_id =
        parent.post(&path, &[("name", "小赵"), ("phone", "13600005555"), ("id_number", "110105194912310021")]).await;
    assert_eq!(bad_id.status, 422);
    assert_eq!(t.audit_count("portal.signup").await, 2);
}

async fn hours_added_by_hand_wait_for_the_org_above(t: TestApp) {
    t.seed_tree().await;
    let shift = shift_today(&t, "C11").await;
    let root = t.admin().await;
    t.create_user("c11admin", "org_admin", "C11").await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let community = t.login("c11admin").await;
    let street = t.login("s1admin").await;
    let phone = t.client();
    sign_up(&t, &phone, shift, "小王", "13912345678").await;
    let (checkin, _) = screen(&community, shift, "in").await;
    phone.get(&checkin).await;
    phone.post(&checkin, &[]).await;
    // Checked out after 30 minutes of 120: short of 60 %, nothing is credited.
    t.clock.advance(TimeDelta::minutes(30));
    let (checkout, _) = screen(&community, shift, "out").await;
    phone.get(&checkout).await;
    assert!(phone.post(&checkout, &[]).await.text().contains("本次计入服务时长 0 分钟"));

    let page = community.get(&format!("/volunteering/shifts/{shift}")).await;
    let html = page.text();
    let start = html.find("/turnouts/").expect("hours form") + "/turnouts/".len();
    let turnout: String = html[start..].chars().take_while(char::is_ascii_digit).collect();
    let hours_path = format!("/volunteering/shifts/{shift}/turnouts/{turnout}/hours");
    let no_reason = community.post(&hours_path, &[("action", "add"), ("minutes", "90"), ("reason", "")]).await;
    assert_eq!(no_reason.status, 422);
    let asked = community
        .post(&hours_path, &[("action", "add"), ("minutes", "90"), ("reason", "签退时手机没电，组织方核实全程在岗")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.text());
    assert_eq!(hours(&root).await, 0, "not counted before approval");

    // The community cannot approve its own request; the street above can.
    assert!(community.get("/volunteering/hours").await.text().contains("没有待审批的补录"));
    let pending = street.get("/volunteering/hours").await;
    assert!(pending.text().contains("签退时手机没电"));
    let html = pending.text();
    let start = html.find("/volunteering/hours/").expect("decision form") + "/volunteering/hours/".len();
    let id: String = html[start..].chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(community.post(&format!("/volunteering/hours/{id}/approve"), &[]).await.status, 404);
    assert_eq!(street.post(&format!("/volunteering/hours/{id}/approve"), &[]).await.status, 303);
    assert_eq!(hours(&root).await, 2, "90 minutes, rounded to hours");

    // Revoking takes effect at once, with a reason, never below zero.
    let too_much = community.post(&hours_path, &[("action", "revoke"), ("minutes", "91"), ("reason", "核实")]).await;
    assert!(too_much.text().contains("核减时长应在 1 至 90 分钟之间"), "{}", too_much.text());
    let revoke = [("action", "revoke"), ("minutes", "60"), ("reason", "实际提前离开")];
    let asked = community.post(&hours_path, &revoke).await;
    assert_eq!(asked.status, 200, "confirmed first: {}", asked.text());
    let message = asked.text_of_id("confirm").expect("what revoking changes");
    assert!(message.contains("核减后 30 分钟") && message.contains("实际提前离开"), "{message}");
    assert_eq!(hours(&root).await, 2, "nothing changed before the confirmation");
    let revoked = community.post(&hours_path, &[&revoke[..], &[("confirm", "yes")]].concat()).await;
    assert_eq!(revoked.status, 303);
    assert_eq!(hours(&root).await, 1);
    for action in ["volunteer.hours_requested", "volunteer.hours_approved", "volunteer.hours_revoked"] {
        assert_eq!(t.audit_count(action).await, 1, "{action}");
    }
}

async fn organisers_see_only_their_communitys_signups(t: TestApp) {
    t.seed_tree().await;
    let shift = shift_today(&t, "C11").await;
    t.create_user("c11admin", "org_admin", "C11").await;
    t.create_user("c12admin", "org_admin", "C12").await;
    let visitor = t.client();
    sign_up(&t, &visitor, shift, "小王", "13912345678").await;
    let own = t.login("c11admin").await;
    let page = own.get(&format!("/volunteering/shifts/{shift}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("小王"));
    let export = own.get(&format!("/volunteering/shifts/{shift}/signups.xlsx")).await;
    assert_eq!(export.status, 200);

    let other = t.login("c12admin").await;
    for path in [
        format!("/volunteering/shifts/{shift}"),
        format!("/volunteering/shifts/{shift}/signups.xlsx"),
        format!("/volunteering/shifts/{shift}/qr/in"),
    ] {
        let res = other.get(&path).await;
        assert_eq!(res.status, 404, "{path}");
        assert!(!res.text().contains("小王"));
    }
}

async fn the_attendance_rule_is_the_districts_setting(t: TestApp) {
    t.seed_tree().await;
    let shift = shift_today(&t, "C11").await;
    let root = t.admin().await;
    t.create_user("c11admin", "org_admin", "C11").await;
    let community = t.login("c11admin").await;
    community.get("/volunteering").await;
    assert_eq!(community.post("/volunteering/settings", &[("percent", "25")]).await.status, 403);
    let page = root.get("/volunteering").await;
    assert_eq!(page.text_of_id("min-share").as_deref(), Some("60%"));
    assert_eq!(root.post("/volunteering/settings", &[("percent", "0")]).await.status, 422);
    assert_eq!(root.post("/volunteering/settings", &[("percent", "25")]).await.status, 303);
    assert_eq!(root.get("/volunteering").await.text_of_id("min-share").as_deref(), Some("25%"));
    assert_eq!(t.audit_count("settings.update").await, 1);

    // 30 minutes of a 120-minute shift: short of 60 %, enough for 25 %.
    let phone = t.client();
    let (link, _) = sign_up(&t, &phone, shift, "小王", "13912345678").await;
    let (checkin, _) = screen(&root, shift, "in").await;
    phone.get(&checkin).await;
    phone.post(&checkin, &[]).await;
    t.clock.advance(TimeDelta::minutes(30));
    let (checkout, _) = screen(&root, shift, "out").await;
    phone.get(&checkout).await;
    assert!(phone.post(&checkout, &[]).await.text().contains("本次计入服务时长 30 分钟"));
    assert!(phone.get(&format!("{link}/record")).await.text().contains("出勤达到班次时长 25% 方予计入"));
}
