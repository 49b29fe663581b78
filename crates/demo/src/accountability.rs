//! The demo's accountability years (C3): the district signs a responsibility letter with each of
//! the eight street working committees for 2021 and for 2022. Their quantitative targets name
//! figures the demo already counts, so their progress comes from the same records as the
//! dashboard; the qualitative ones are scored by the district, one of them left to score.

use super::*;

pub(super) async fn letters(app: &App, rng: &mut StdRng) -> Result<(), AppError> {
    use qingtuan_app::accountability::{self, NewLetter, NewTarget};
    let system = Actor::system();
    let target = |indicator: &str, value: usize, weight: &str| NewTarget {
        indicator: indicator.into(),
        target_value: value.to_string(),
        weight: weight.into(),
        ..Default::default()
    };
    let item = |description: &str, weight: &str| NewTarget {
        description: description.into(),
        weight: weight.into(),
        ..Default::default()
    };
    for (i, (code, _, communities)) in STREETS.iter().enumerate() {
        let letter = |year: i32, day: usize| NewLetter {
            org_code: format!("{code}T"),
            year: year.to_string(),
            signed_on: format!("{year}-02-{:02}", 18 + day),
            ..Default::default()
        };
        // 2021: every community with a branch, new community branches, and the branches' routine.
        let id = accountability::sign(app, &system, &letter(2021, i)).await?;
        accountability::set_target(app, &system, id, &target("coverage.communities.branch", *communities, "30"))
            .await?;
        let new_branches = (communities / 4).max(2);
        accountability::set_target(app, &system, id, &target("org.new.community_branches", new_branches, "30")).await?;
        let routine =
            accountability::set_target(app, &system, id, &item("落实“三会两制一课”，按时收缴团费", "20")).await?;
        let books = accountability::set_target(app, &system, id, &item("团建工作台账完整规范", "20")).await?;
        let score = 78 + rng.gen_range(0..18);
        accountability::judge(app, &system, routine, &score.to_string(), "年底述职和互检观摩中核实").await?;
        if i != 5 {
            let score = 80 + rng.gen_range(0..16);
            accountability::judge(app, &system, books, &score.to_string(), "互检观摩中查阅台账").await?;
        }
        // 2022: the spring mobilisation's turn-outs and youth work committees in the communities.
        let id = accountability::sign(app, &system, &letter(2022, i)).await?;
        accountability::set_target(app, &system, id, &target("volunteer.turnouts", 500, "50")).await?;
        let committees = (communities / 2).max(1);
        accountability::set_target(
            app,
            &system,
            id,
            &target("coverage.communities.youth_work_committee", committees, "50"),
        )
        .await?;
    }
    Ok(())
}

/// The 2021 mutual inspections: one of each street's working committee in October, with its
/// checklist; each raised a rectification item closed by the year's end, three raised one for a
/// community branch still open on the report date, and one street's item is overdue.
pub(super) async fn inspections(app: &App, rng: &mut StdRng) -> Result<(), AppError> {
    use qingtuan_app::accountability::{self, NewInspection, NewRectification};
    let system = Actor::system();
    let checklist = ["三会两制一课", "团员发展", "团费收缴", "团支部工作手册", "志愿服务和品牌项目"];
    for (i, (code, _, _)) in STREETS.iter().enumerate() {
        let items: Vec<String> =
            checklist.iter().map(|item| format!("{item} {}/20", 14 + rng.gen_range(0..7))).collect();
        let form = NewInspection {
            org_code: format!("{code}T"),
            held_on: format!("2021-10-{:02}", 11 + i),
            title: "2021年度基层团建互检观摩".into(),
            visitors: "团区委及各街道团工委互检组".into(),
            items: items.join("\n"),
        };
        let id = accountability::record_inspection(app, &system, &form).await?;
        let raise = |org_code: String, finding: &str, due_on: &str| NewRectification {
            org_code,
            finding: finding.into(),
            due_on: due_on.into(),
        };
        let books =
            accountability::raise(app, &system, id, &raise(String::new(), "团员发展台账不完整", "2021-12-31")).await?;
        let closed_on = format!("2021-12-{:02}", 10 + i);
        accountability::close(app, &system, books, &closed_on, "已补齐 2019 年以来的团员发展材料，经团区委复查")
            .await?;
        if i < 3 {
            let branch = raise(format!("{code}-01B"), "三会两制一课记录缺失", "2022-06-30");
            accountability::raise(app, &system, id, &branch).await?;
        }
        if i == 6 {
            accountability::raise(app, &system, id, &raise(String::new(), "团费收缴未按季度公示", "2022-03-31"))
                .await?;
        }
    }
    Ok(())
}

/// C5: youth self-organisations the street working committees guide — a dozen founded since the
/// reform, one of them dissolved before the report date.
pub(super) async fn self_organisations(app: &App) -> Result<(), AppError> {
    use qingtuan_app::registry::self_orgs::{self, Filter, NewSelfOrg};
    let system = Actor::system();
    let groups = [
        ("城阳青年跑团", "culture_sports"),
        ("青春志愿服务社", "public_welfare"),
        ("青年创客沙龙", "entrepreneurship"),
        ("青年读书会", "learning"),
        ("青年摄影协会", "interest"),
        ("社区青年篮球队", "culture_sports"),
        ("青年电商直播联盟", "entrepreneurship"),
        ("青年手工艺社", "interest"),
        ("河套青年义工队", "public_welfare"),
        ("青年合唱团", "culture_sports"),
        ("青年法律学习小组", "learning"),
        ("青年环保行动队", "public_welfare"),
    ];
    for (i, (name, kind)) in groups.iter().enumerate() {
        let (code, _, _) = STREETS[i % STREETS.len()];
        let form = NewSelfOrg {
            org_code: format!("{code}T"),
            name: (*name).into(),
            kind: (*kind).into(),
            region_code: code.into(),
            contact_name: format!("联系人{}", i + 1),
            contact_phone: format!("1380000{:04}", 1000 + i),
            members: (12 + i * 5).to_string(),
            founded_on: format!("2021-{:02}-15", 3 + i % 9),
        };
        self_orgs::create(app, &system, &form).await?;
    }
    let page = self_orgs::list(app, &system, &Filter { q: "青年手工艺社".into(), ..Default::default() }).await?;
    if let Some(s) = page.items.first() {
        self_orgs::dissolve(app, &system, s.id, "2022-03-31").await?;
    }
    Ok(())
}

/// The 2021 duty-report review: the district hears the eight streets' secretaries on 20 December
/// and four groups of raters grade them on their phones within the week (the ballots dated then:
/// the round runs on a clock set to those days). The first streets are the strongest, so raters
/// give their two 好 among the first three (most to the first two); the youth group's quorum is
/// reached with 9 of 12.
pub(super) async fn review(app: &App, rng: &mut StdRng) -> Result<(), AppError> {
    use qingtuan_app::accountability::{self, NewRaters, NewReview};
    use qingtuan_domain::review::Grade;
    let system = Actor::system();
    let clock_at = |d: NaiveDate| {
        std::sync::Arc::new(qingtuan_app::ManualClock::new(d.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc()))
    };
    let mut then = app.clone();
    then.clock = clock_at(date(2021, 12, 20));
    let form = NewReview {
        org_code: "CY".into(),
        title: "2021年度街道团工委书记述职评议".into(),
        held_on: "2021-12-20".into(),
        closes_on: "2021-12-27".into(),
        reporters: STREETS.iter().map(|(code, _, _)| format!("{code}T")).collect::<Vec<_>>().join(" "),
        ..Default::default()
    };
    let id = accountability::organise(&then, &system, &form).await?;
    let detail = accountability::review(&then, &system, id).await?;
    let client = qingtuan_app::ClientInfo { addr: "demo".into(), user_agent: "demo".into() };
    for (group, (raters, voting)) in detail.groups.iter().zip([(5, 5), (8, 8), (10, 9), (12, 9)]) {
        let names = (1..=raters).map(|n| format!("{}评议人{n}", group.name)).collect::<Vec<_>>().join("\n");
        let links =
            accountability::add_raters(&then, &system, id, &NewRaters { group: group.id.to_string(), names }).await?;
        for link in links.iter().take(voting) {
            let ballot = accountability::ballot(&then, &link.token).await?;
            // Most raters find the first two best; some put the third among them.
            let best = match rng.gen_range(0..10) {
                0 => [0, 2],
                1 => [1, 2],
                _ => [0usize, 1],
            };
            let grades = ballot
                .reporters
                .iter()
                .enumerate()
                .map(|(rank, (reporter, _, _))| {
                    let grade = match rank {
                        _ if best.contains(&rank) => Grade::Good,
                        0..=4 => Grade::FairlyGood,
                        _ if rng.gen_bool(0.6) => Grade::FairlyGood,
                        _ if rng.gen_bool(0.9) => Grade::Average,
                        _ => Grade::Poor,
                    };
                    (format!("g{reporter}"), grade.code().to_owned())
                })
                .collect();
            accountability::cast(&then, &client, &link.token, &grades).await?;
        }
    }
    then.clock = clock_at(date(2021, 12, 28));
    accountability::conclude(&then, &system, id).await
}

/// The district's published 2021 assessment of the eight streets: their letters (measured on the
/// report date), the duty-report review and the mutual inspections, at the default weights.
pub(super) async fn assessment(app: &App) -> Result<(), AppError> {
    use qingtuan_app::accountability::{self, AssessmentForm};
    let form = AssessmentForm { org_code: "CY".into(), year: "2021".into(), ..Default::default() };
    accountability::publish(app, &Actor::system(), &form).await.map(|_| ())
}
