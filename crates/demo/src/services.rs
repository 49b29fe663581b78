//! The demo's services: volunteer mobilisation (teams, calls, turn-outs, donations) and projects with their activities.

use super::*;

/// P8: the spring-2022 epidemic mobilisation. From 2022-03-01 to 2022-05-31: 131 commando teams,
/// recruitment calls with 200 shifts, 3,284 turn-outs, 970,500 people served, 152,300 yuan in money
/// and goods — all as individual records.
pub(super) async fn mobilisation(
    app: &App,
    rng: &mut StdRng,
    volunteers: &[PersonId],
    branches: &[String],
) -> Result<(), AppError> {
    use chrono::NaiveTime;
    use qingtuan_app::volunteering::{self, Attendance, NewCall, NewDonation, NewShift, NewTeam};
    let system = Actor::system();
    let time = |h: u32, m: u32| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
    for (i, org) in branches.iter().cycle().take(131).enumerate() {
        let formed = date(2022, 3, 1 + (i % 20) as u32);
        volunteering::create_team(
            app,
            &system,
            &NewTeam { org_code: org.clone(), name: format!("青年突击队第{}队", i + 1), formed_on: formed },
        )
        .await?;
    }
    const SHIFTS: usize = 200;
    const TURNOUTS: usize = 3_284;
    const SERVED: i64 = 970_500;
    let tasks = ["disinfection", "checkpoint", "testing"];
    let mut shift_ids = Vec::with_capacity(SHIFTS);
    let mut shift_days: Vec<NaiveDate> = Vec::with_capacity(SHIFTS);
    for call in 0..40 {
        let org = &branches[(call * 7) % branches.len()];
        let first = date(2022, 3, 5).checked_add_days(Days::new(call as u64)).unwrap_or_default();
        let shifts = (0..5)
            .map(|k| NewShift {
                on_date: first.checked_add_days(Days::new(k * 7)).unwrap_or(first),
                start: time(8, 0),
                end: time(12, 0),
                place: format!("{}核酸采样点", community_name(org.trim_end_matches('B'))),
                places: 20,
            })
            .collect();
        let form = NewCall {
            org_code: org.clone(),
            title: format!("疫情防控志愿者招募令（第{}号）", call + 1),
            task: tasks[call % 3].into(),
            published_on: first.pred_opt().unwrap_or(first),
            real_name: false,
            shifts,
            ..Default::default()
        };
        // The shifts' ids come back in the order of the form's shifts.
        shift_days.extend(form.shifts.iter().map(|s| s.on_date));
        shift_ids.extend(volunteering::create_call(app, &system, &form).await?.1);
    }
    let mut rows = Vec::with_capacity(TURNOUTS);
    for n in 0..TURNOUTS {
        let k = n % SHIFTS;
        let day = shift_days[k];
        let start = qingtuan_domain::time::local_instant(day, time(8, 0));
        // Most stay the whole shift; one in ten leaves after an hour and earns no hours.
        let minutes = if n % 10 == 9 { 60 } else { 240 };
        rows.push(Attendance {
            shift_id: shift_ids[k],
            person_id: volunteers[(n * 13) % volunteers.len()],
            team_id: None,
            check_in_at: start,
            check_out_at: start + chrono::TimeDelta::minutes(minutes),
        });
    }
    volunteering::record_turnouts(app, &system, &rows).await?;
    for (k, id) in shift_ids.iter().enumerate() {
        let served = SERVED / SHIFTS as i64 + if k == 0 { SERVED % SHIFTS as i64 } else { 0 };
        volunteering::record_people_served(app, &system, *id, served).await?;
    }
    // 60 donations: 40 in cash, 20 in goods, 152,300 yuan in all.
    let mut total = 0;
    for n in 0..60 {
        let value_fen = if n == 59 { 15_230_000 - total } else { 200_000 + rng.gen_range(0..40_000) };
        total += value_fen;
        let form = NewDonation {
            org_code: branches[(n * 11) % branches.len()].clone(),
            donor_name: if n % 4 == 0 {
                None
            } else {
                Some(format!("{}（合成捐赠方）", if n % 2 == 0 { "青岛某企业" } else { "爱心人士" }))
            },
            donor_kind: if n % 2 == 0 { "org".into() } else { "person".into() },
            kind: if n % 3 == 2 { "goods".into() } else { "cash".into() },
            value: qingtuan_domain::money::Fen(value_fen),
            purpose: "疫情防控物资与志愿者保障".into(),
            donated_on: date(2022, 3, 10).checked_add_days(Days::new((n % 60) as u64)).unwrap_or_default(),
            receipt_no: format!("JZ2022{n:04}"),
        };
        volunteering::record_donation(app, &system, &form).await?;
    }
    Ok(())
}

/// A synthetic participant: a name, a phone, a gender and a birth date in `born` (years), with a
/// guardian for children.
fn participant(rng: &mut StdRng, born: std::ops::Range<i32>, child: bool) -> qingtuan_app::portal::SignupForm {
    let name = |rng: &mut StdRng| {
        let s = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let g1 = GIVEN[rng.gen_range(0..GIVEN.len())];
        let g2 = if rng.gen_bool(0.6) { GIVEN[rng.gen_range(0..GIVEN.len())] } else { "" };
        (s, format!("{s}{g1}{g2}"))
    };
    let (surname, full) = name(rng);
    qingtuan_app::portal::SignupForm {
        name: full,
        phone: format!("139{:08}", rng.gen_range(0..100_000_000_u32)),
        id_number: String::new(),
        gender: if rng.gen_bool(0.5) { "male" } else { "female" }.into(),
        birth_on: date(rng.gen_range(born), rng.gen_range(1..=12), rng.gen_range(1..=28)).to_string(),
        guardian_name: if child { format!("{surname}{}", GIVEN[rng.gen_range(0..GIVEN.len())]) } else { String::new() },
        consent: if child { "on".into() } else { String::new() },
    }
}

/// Projects and activities (FIGURES.md B1, B2, B3, B5): the brand project 青春白鹭岛 with the 11
/// river islands restored by the as-of date; cadre training by expert lectures and mutual
/// observation; the 四点半课堂 after-school classes for children (signed up by guardians); the
/// 青春有约 matchmaking evening with park enterprises. Each sign-up is an individual record; a few
/// registered people did not come. Two activities and a recruitment call lie ahead, open on the
/// portal.
pub(super) async fn projects_and_activities(app: &App, rng: &mut StdRng, branches: &[String]) -> Result<(), AppError> {
    use chrono::NaiveTime;
    use qingtuan_app::activities::{self, NewActivity, NewProject};
    let system = Actor::system();
    let time = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
    let project =
        |name: &str, category: &str, starts_on, partners: &str, indicators: Vec<(String, String)>| NewProject {
            org_code: "CY".into(),
            name: name.into(),
            category: category.into(),
            brand: true,
            starts_on: Some(starts_on),
            ends_on: None,
            partners: partners.into(),
            indicators,
            venue_id: None,
        };
    let (_, egret) = activities::create_project(
        app,
        &system,
        &project(
            "青春白鹭岛",
            "governance",
            date(2021, 3, 12),
            "区生态环境局、区水务局、区青年志愿者协会、驻区企业（合成）",
            vec![("治理河心岛".into(), "个".into())],
        ),
    )
    .await?;
    for (on, value) in [(date(2021, 6, 30), 4.0), (date(2021, 12, 31), 7.0), (date(2022, 5, 20), 11.0)] {
        activities::record_indicator_value(app, &system, egret[0], on, value, "验收记录（演示）").await?;
    }
    let (classroom, _) = activities::create_project(
        app,
        &system,
        &project("四点半课堂", "care", date(2020, 9, 1), "社区党群服务中心、高校志愿者团队（合成）", Vec::new()),
    )
    .await?;
    let (date_night, _) = activities::create_project(
        app,
        &system,
        &project("青春有约", "matchmaking", date(2021, 5, 4), "高新区园区企业、青年之家（合成）", Vec::new()),
    )
    .await?;

    struct Plan {
        org: String,
        project: Option<qingtuan_domain::ids::ProjectId>,
        title: String,
        category: &'static str,
        audience: &'static str,
        on: NaiveDate,
        capacity: i32,
        came: usize,
        absent: usize,
    }
    let mut plans = vec![
        Plan {
            org: "CY".into(),
            project: None,
            title: "团干部能力提升专家讲座".into(),
            category: "development",
            audience: "cadres",
            on: date(2022, 4, 15),
            capacity: 80,
            came: 66,
            absent: 6,
        },
        Plan {
            org: "CY".into(),
            project: None,
            title: "社区团组织互学互看观摩活动".into(),
            category: "development",
            audience: "cadres",
            on: date(2022, 5, 12),
            capacity: 40,
            came: 33,
            absent: 2,
        },
        Plan {
            org: "CY".into(),
            project: Some(date_night),
            title: "青春有约·园区青年交友联谊会".into(),
            category: "matchmaking",
            audience: "youth",
            on: date(2022, 5, 20),
            capacity: 60,
            came: 50,
            absent: 6,
        },
    ];
    for (k, org) in branches.iter().step_by(9).take(6).enumerate() {
        plans.push(Plan {
            org: org.clone(),
            project: Some(classroom),
            title: format!("四点半课堂·{}", ["手工", "阅读", "科学", "书法", "绘画", "作业辅导"][k]),
            category: "care",
            audience: "children",
            on: date(2022, 3, 16).checked_add_days(Days::new(k as u64 * 12)).unwrap_or_default(),
            capacity: 20,
            came: 14 + k % 4,
            absent: 1,
        });
    }
    for p in plans {
        let form = NewActivity {
            org_code: p.org,
            project_id: p.project,
            title: p.title,
            category: p.category.into(),
            audience: p.audience.into(),
            on_date: p.on,
            start: time(if p.audience == "children" { 16 } else { 14 }),
            end: time(if p.audience == "children" { 18 } else { 17 }),
            place: if p.audience == "children" { "社区党群服务中心".into() } else { "区青少年宫".into() },
            capacity: p.capacity,
            signup_opens_on: p.on.checked_sub_days(Days::new(14)).unwrap_or(p.on),
            signup_closes_on: p.on.pred_opt().unwrap_or(p.on),
            needs_approval: false,
            waitlist: false,
            space_id: None,
            real_name: false,
            description: String::new(),
            contact: String::new(),
        };
        let id = activities::create_activity(app, &system, &form).await?;
        let child = p.audience == "children";
        let born = if child { 2011..2016 } else { 1988..2000 };
        for (count, attended) in [(p.came, true), (p.absent, false)] {
            let forms: Vec<_> = (0..count).map(|_| participant(rng, born.clone(), child)).collect();
            activities::register(app, &system, id, &forms, attended).await?;
        }
    }

    // Ahead of today, open on the portal.
    let today = qingtuan_domain::time::local_date(app.now());
    let ahead = |days| today.checked_add_days(Days::new(days)).unwrap_or(today);
    for (title, category, audience, project, needs_approval, days) in [
        ("青春有约·冬日青年交友联谊会", "matchmaking", "youth", Some(date_night), true, 10),
        ("四点半课堂·寒假科学营", "care", "children", Some(classroom), false, 14),
    ] {
        let form = NewActivity {
            org_code: "CY".into(),
            project_id: project,
            title: title.into(),
            category: category.into(),
            audience: audience.into(),
            on_date: ahead(days),
            start: time(14),
            end: time(17),
            place: "区青少年宫".into(),
            capacity: 40,
            signup_opens_on: today,
            signup_closes_on: ahead(days - 1),
            needs_approval,
            waitlist: true,
            space_id: None,
            real_name: false,
            description: String::new(),
            contact: String::new(),
        };
        activities::create_activity(app, &system, &form).await?;
    }
    // A recruitment call with a shift today, to try the sign-up and the QR check-in.
    use qingtuan_app::volunteering::{self, NewCall, NewShift};
    let shift = |on_date, start, end| NewShift {
        on_date,
        start: time(start),
        end: time(end),
        place: "社区广场".into(),
        places: 30,
    };
    let call = NewCall {
        org_code: branches[0].clone(),
        title: "冬季社区环境整治志愿者招募令".into(),
        task: "community".into(),
        description: "清理楼道堆物、河道沿岸垃圾，劳动工具由社区提供。\n请穿着便于活动的衣物，自带水杯。".into(),
        contact: "社区团支部 王老师 0532-88886666".into(),
        published_on: today,
        real_name: false,
        shifts: vec![shift(today, 8, 20), shift(ahead(3), 9, 12)],
        ..Default::default()
    };
    volunteering::create_call(app, &system, &call).await?;
    Ok(())
}
