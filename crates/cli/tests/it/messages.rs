//! Messages through the outbox, against a local server standing in for the district's SMS gateway
//! (loopback only): a sign-up writes its confirmation in its own transaction; the worker delivers
//! it, retrying with back-off after failures; the day-before reminder is queued once; a worker that
//! dies mid-send leaves the message to be sent again, with the same idempotency key, only after
//! its lease — so the gateway delivers it once; an opt-out is respected; a message that keeps
//! failing stops, shows on the outbox page and is sent again by hand. An SMTP relay gets the mail.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use qingtuan_app::Actor;
use qingtuan_app::messages::reminders;
use qingtuan_app::messages::sending::{Channel, Sender};
use qingtuan_app::volunteering::{self, NewCall, NewShift};
use qingtuan_domain::ids::{CallId, ShiftId};
use qingtuan_testkit::{TestApp, db_tests};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

db_tests!(
    messages_reach_the_gateway_once_through_the_outbox,
    a_relay_gets_the_mail,
    secretaries_hear_of_rectifications_and_their_deadlines
);

/// What the stand-in gateway saw: every request (idempotency key, bearer, JSON body), the keys it
/// delivered (once each), how many requests to refuse with 500, and a delay before answering.
#[derive(Default)]
struct Gateway {
    requests: Vec<(String, String, serde_json::Value)>,
    delivered: Vec<String>,
    refuse: usize,
    delay_ms: u64,
}

type Shared = Arc<Mutex<Gateway>>;

async fn receive(State(g): State<Shared>, headers: HeaderMap, body: String) -> StatusCode {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let delay = {
        let mut g = g.lock().expect("gateway");
        g.requests.push((key.clone(), bearer, serde_json::from_str(&body).unwrap_or_default()));
        if g.refuse > 0 {
            g.refuse -= 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        g.delay_ms
    };
    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    let mut g = g.lock().expect("gateway");
    // A repeated key is the same message: delivered once.
    if !g.delivered.contains(&key) {
        g.delivered.push(key);
    }
    StatusCode::OK
}

async fn gateway() -> (String, Shared) {
    let shared = Shared::default();
    let app = axum::Router::new().route("/send", axum::routing::post(receive)).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/send"), shared)
}

/// A call of C11 with two shifts on 2026-03-03, the day after the test clock's, of three places.
async fn shifts_tomorrow(t: &TestApp) -> (CallId, ShiftId, ShiftId) {
    let day = NaiveDate::from_ymd_opt(2026, 3, 3).expect("date");
    let time = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let form = NewCall {
        org_code: "C11".into(),
        title: "社区环境消杀志愿者招募令".into(),
        task: "环境消杀".into(),
        published_on: day,
        real_name: false,
        shifts: vec![
            NewShift { on_date: day, start: time(9), end: time(11), place: "一社区广场".into(), places: 3 },
            NewShift { on_date: day, start: time(14), end: time(16), place: "一社区广场".into(), places: 3 },
        ],
        ..Default::default()
    };
    let (call, shifts) = volunteering::create_call(&t.app, &Actor::system(), &form).await.expect("call");
    (call, shifts[0], shifts[1])
}

async fn sign_up(t: &TestApp, (call, shift): (CallId, ShiftId), name: &str, phone: &str) -> String {
    let visitor = t.client();
    visitor.get(&format!("/portal/calls/{call}")).await;
    let form = [("name", name), ("phone", phone), ("gender", "female"), ("birth_on", "1999-05-01")];
    let receipt = visitor.post(&format!("/portal/shifts/{shift}/signup"), &form).await;
    assert_eq!(receipt.status, 200, "{}", receipt.text());
    receipt.text_of_id("signup-code").expect("a check-in code")
}

fn state_of(states: &[String], n: usize) -> &str {
    states.get(n).map_or("", String::as_str)
}

async fn messages_reach_the_gateway_once_through_the_outbox(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let (url, gw) = gateway().await;
    let (call, first, next) = shifts_tomorrow(&t).await;
    let (shift, second) = ((call, first), (call, next));
    let code = sign_up(&t, shift, "小王", "13912345678").await;

    // Written with the sign-up, waiting; the outbox shows it with the phone masked.
    assert_eq!(t.scalar("SELECT COUNT(*) FROM outbox").await, 1);
    let page = admin.get("/outbox").await.text();
    assert!(page.contains("待发送 1") && page.contains("139****5678") && !page.contains("13912345678"), "{page}");
    assert!(page.contains(&format!("签到码 {code}")), "{page}");

    // The gateway fails twice: the message waits 30 s, then 60 s, and is delivered at the third try.
    gw.lock().expect("gateway").refuse = 2;
    let sender = Sender {
        channel: Channel::Webhook { url: url.clone(), token: Some("s3cret".into()) },
        public_url: Some("https://qingtuan.example.org".into()),
        ..Sender::default()
    };
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 0);
    let error = t.strings("SELECT last_error FROM outbox").await;
    assert!(state_of(&error, 0).contains("网关返回 500"), "{error:?}");
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 0, "not due before its back-off");
    assert_eq!(gw.lock().expect("gateway").requests.len(), 1);
    t.clock.advance(TimeDelta::seconds(31));
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 0);
    t.clock.advance(TimeDelta::seconds(31));
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 0, "the second wait is a minute");
    t.clock.advance(TimeDelta::seconds(30));
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 1);
    {
        let g = gw.lock().expect("gateway");
        assert_eq!(g.requests.len(), 3);
        assert!(g.requests.iter().all(|(key, bearer, _)| key == "qingtuan-1" && bearer == "Bearer s3cret"));
        let body = &g.requests[2].2;
        assert_eq!(body["to"], "13912345678");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(
            text.contains(&format!("签到码 {code}")) && text.contains("https://qingtuan.example.org/portal/messages/")
        );
        assert_eq!(g.delivered, ["qingtuan-1"]);
    }
    assert_eq!(t.strings("SELECT state FROM outbox").await, ["sent"]);
    assert!(admin.get("/outbox").await.text().contains("已发送 1"));

    // The day before the shift: one reminder, however often the worker looks.
    reminders::enqueue_due(&t.app).await.expect("reminders");
    reminders::enqueue_due(&t.app).await.expect("reminders");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'shift_reminder'").await, 1);
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 0, "due at 18:00 the day before");
    t.clock.advance(TimeDelta::hours(9));

    // The worker dies mid-send: the gateway got the reminder, the outbox never heard back.
    gw.lock().expect("gateway").delay_ms = 1500;
    let (app, dying) = (t.app.clone(), sender.clone());
    let worker = tokio::spawn(async move { dying.run_once(&app).await });
    while gw.lock().expect("gateway").requests.len() < 4 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    worker.abort();
    while gw.lock().expect("gateway").delivered.len() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    gw.lock().expect("gateway").delay_ms = 0;
    assert_eq!(t.strings("SELECT state FROM outbox WHERE kind = 'shift_reminder'").await, ["sending"]);
    // Another worker leaves it alone while the lease holds, and sends it again after, with the same key.
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 0);
    assert_eq!(gw.lock().expect("gateway").requests.len(), 4);
    t.clock.advance(TimeDelta::minutes(3));
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 1);
    {
        let g = gw.lock().expect("gateway");
        assert_eq!(g.requests.len(), 5);
        assert_eq!(g.requests[3].0, g.requests[4].0, "sent again under the same idempotency key");
        assert_eq!(g.delivered.len(), 2, "delivered once: {:?}", g.delivered);
        assert!(g.requests[4].2["text"].as_str().unwrap_or_default().contains("明天"));
    }

    // Opting out through the link stops that kind for that phone, and nothing else.
    let text = gw.lock().expect("gateway").requests[2].2["text"].as_str().unwrap_or_default().to_owned();
    let link = &text[text.find("/portal/messages/").expect("the link")..];
    let person = t.client();
    assert!(person.get(link).await.text().contains("停止向您的号码发送“报名确认（含签到码）”类消息"));
    let done = person.post(link, &[]).await;
    assert!(done.text().contains("已退订"), "{}", done.text());
    assert_eq!(t.client().get("/portal/messages/signup_confirmed.forged.0000").await.status, 404);
    sign_up(&t, second, "小王", "13912345678").await;
    sign_up(&t, second, "小李", "13800001111").await;
    let states = t.strings("SELECT state FROM outbox WHERE kind = 'signup_confirmed' ORDER BY id").await;
    assert_eq!(states, ["sent", "opted_out", "pending"]);
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 1, "only the other person's");
    assert_eq!(gw.lock().expect("gateway").requests.last().map(|r| r.2["to"].clone()), Some("13800001111".into()));

    // A message that keeps failing stops, shows its failure, and is sent again by hand.
    let impatient = Sender { max_attempts: 1, ..sender.clone() };
    sign_up(&t, second, "小张", "13700002222").await;
    gw.lock().expect("gateway").refuse = 1;
    assert_eq!(impatient.run_once(&t.app).await.expect("round"), 0);
    // Hours have passed on the test clock: a fresh session.
    let admin = t.login("root").await;
    let failed = admin.get("/outbox?state=failed").await.text();
    assert!(failed.contains("网关返回 500") && failed.contains("重新发送"), "{failed}");
    let id = t.scalar("SELECT id FROM outbox WHERE state = 'failed'").await;
    let retried = admin.post(&format!("/outbox/{id}/retry"), &[]).await;
    assert_eq!(retried.status, 303);
    assert_eq!(impatient.run_once(&t.app).await.expect("round"), 1);
    assert_eq!(t.audit_count("message.retry").await, 1);

    // Another street's staff see none of C11's messages.
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert!(other.get("/outbox").await.text().contains("没有消息"));
    assert_eq!(other.post(&format!("/outbox/{id}/retry"), &[]).await.status, 404);
}

async fn a_relay_gets_the_mail(t: TestApp) {
    t.seed_tree().await;
    let (call, shift, _) = shifts_tomorrow(&t).await;
    sign_up(&t, (call, shift), "小王", "13912345678").await;
    // A relay that says yes to everything and keeps what it was told.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("loopback");
    let relay = listener.local_addr().expect("address").to_string();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("a connection");
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 relay\r\n").await.ok();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            kept.lock().expect("relay").push(line.clone());
            let answer: &[u8] = if in_data {
                if line == "." {
                    in_data = false;
                    b"250 queued\r\n"
                } else {
                    continue;
                }
            } else if line.starts_with("EHLO") {
                b"250-relay\r\n250 8BITMIME\r\n"
            } else if line == "DATA" {
                in_data = true;
                b"354 go on\r\n"
            } else if line == "QUIT" {
                b"221 bye\r\n"
            } else {
                b"250 ok\r\n"
            };
            write.write_all(answer).await.ok();
        }
    });
    let sender = Sender {
        channel: Channel::Smtp {
            relay,
            from: "qingtuan@district.example".into(),
            to: "{phone}@sms.district.example".into(),
        },
        ..Sender::default()
    };
    assert_eq!(sender.run_once(&t.app).await.expect("round"), 1);
    let seen = seen.lock().expect("relay").clone();
    assert!(seen.contains(&"RCPT TO:<13912345678@sms.district.example>".to_owned()), "{seen:?}");
    assert!(seen.contains(&"Message-ID: <qingtuan-1@qingtuan>".to_owned()), "{seen:?}");
    assert_eq!(t.strings("SELECT state FROM outbox").await, ["sent"]);
}

/// A rectification item is told to the secretary of the org that owns it when raised, recalled
/// three days before its deadline and announced the day it is overdue — once each, however often
/// the worker looks; an item closed in time is not recalled.
async fn secretaries_hear_of_rectifications_and_their_deadlines(t: TestApp) {
    use qingtuan_app::messages::rectifications;
    use qingtuan_app::registry::people::{self, NewPerson};
    use qingtuan_app::registry::positions::NewPosition;
    t.seed_tree().await;
    let secretary = NewPerson {
        name: "陈静".into(),
        id_number: crate::kit::id_number("19960606", 11),
        phone: "13711112222".into(),
        ..Default::default()
    };
    let post = NewPosition {
        org_code: "C11".into(),
        title: "secretary".into(),
        employment: "part_time".into(),
        start_on: "2025-01-01".into(),
        ..Default::default()
    };
    people::register(&t.app, &Actor::system(), &secretary, &post).await.expect("secretary");
    let admin = t.admin().await;
    admin.get("/inspections").await;
    let made =
        admin.post("/inspections", &[("org_code", "S1"), ("held_on", "2026-03-01"), ("items", "台账 9/10")]).await;
    let inspection = made.location().expect("inspection").to_owned();
    for (finding, due) in [("三会两制一课记录缺失", "2026-03-04"), ("团费收缴台账不全", "2026-03-20")]
    {
        admin.get(&inspection).await;
        let fields = [("finding", finding), ("org_code", "C11"), ("due_on", due)];
        assert_eq!(admin.post(&format!("{inspection}/rectifications"), &fields).await.status, 303);
    }
    let texts = || t.strings("SELECT body FROM outbox WHERE kind = 'rectification_notice' ORDER BY id");
    let sent = texts().await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[0].starts_with(
            "【整改通知】陈静您好：一街道一社区团支部在检查中发现“三会两制一课记录缺失”，请于 2026-03-04 前完成整改"
        ),
        "{}",
        sent[0]
    );
    // Today is 2026-03-02: the first is due within three days.
    rectifications::enqueue_due(&t.app).await.expect("reminders");
    rectifications::enqueue_due(&t.app).await.expect("reminders");
    let sent = texts().await;
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[2].starts_with("【整改提醒】陈静您好") && sent[2].contains("将于 2026-03-04 到期"), "{}", sent[2]);
    // The second is closed in time; on 2026-03-05 only the first is overdue.
    let second = t.scalar("SELECT id FROM rectifications WHERE due_on = '2026-03-20'").await;
    t.clock.advance(TimeDelta::days(1));
    let admin = t.login("root").await;
    admin.get("/rectifications").await;
    let closed = admin
        .post(&format!("/rectifications/{second}/close"), &[("closed_on", "2026-03-03"), ("evidence", "已补齐台账")])
        .await;
    assert_eq!(closed.status, 303, "{}", closed.text());
    t.clock.advance(TimeDelta::days(2));
    rectifications::enqueue_due(&t.app).await.expect("overdue");
    t.clock.advance(TimeDelta::days(16));
    rectifications::enqueue_due(&t.app).await.expect("nothing for a closed item");
    let sent = texts().await;
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(
        sent[3].starts_with("【整改逾期】陈静您好") && sent[3].contains("已超过整改期限 2026-03-04"),
        "{}",
        sent[3]
    );
    let to = t.strings("SELECT DISTINCT to_hash FROM outbox WHERE kind = 'rectification_notice'").await;
    assert_eq!(to.len(), 1, "all to the secretary's phone");
}
