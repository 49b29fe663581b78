//! Figures: the demo reproduces the seed report; a small hand-built tree gives known answers at
//! the date edges; reports are scoped; the whole district's work force, counted from its kept
//! periods, follows every change and agrees with `qingtuan check`.

use qingtuan_app::Actor;
use qingtuan_app::registry::orgs::{self, NewOrg};
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::registry::positions::{self, NewPosition};
use qingtuan_app::registry::regions::{self, NewRegion};
use qingtuan_demo as demo;
use qingtuan_domain::ids::PersonId;
use qingtuan_testkit::{TestApp, db_tests};
use serde_json::Value;

db_tests!(
    the_youth_population_of_a_scope_is_its_regions_own_or_its_childrens,
    the_demo_reproduces_the_seed_figures,
    figures_at_the_date_edges_of_a_small_tree,
    the_whole_districts_work_force_follows_every_change
);

fn figure(report: &Value, key: &str) -> (i64, Option<i64>, Option<i64>) {
    let f = &report[key];
    assert!(f.is_object(), "missing {key}");
    (f["value"].as_i64().expect("value"), f["baseline_value"].as_i64(), f["delta"].as_i64())
}

async fn the_demo_reproduces_the_seed_figures(t: TestApp) {
    let logins = demo::build(&t.app).await.expect("demo builds");
    t.create_user("chief", "district_admin", "CY").await;
    let chief = t.login("chief").await;

    let res = chief.get("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31").await;

    assert_eq!(res.status, 200, "{}", res.text());
    let r = res.json();
    assert_eq!(figure(&r, "org.social_domain.count"), (636, Some(527), Some(109)), "O7");
    assert_eq!(r["org.social_domain.count"]["growth_pct"].as_f64(), Some(20.7));
    assert_eq!(figure(&r, "org.new.industry_working_committees").0, 3, "O1");
    assert_eq!(figure(&r, "org.new.working_committees").0, 4, "O1 + O2: with the high-tech centre's");
    assert_eq!(figure(&r, "org.new.community_branches").0, 65, "O2");
    for key in ["coverage.streets.youth_work_committee", "coverage.streets.pioneer_work_committee"] {
        assert_eq!(figure(&r, key).0, 8, "O3 {key}");
        assert_eq!(r[key]["of"].as_i64(), Some(8));
    }
    assert_eq!(figure(&r, "coverage.communities.youth_work_committee").0, 70, "O4");
    assert_eq!(figure(&r, "coverage.communities.pioneer_work_committee").0, 120, "O4");
    assert_eq!(figure(&r, "org.youth_work_committees.industry").0, 2, "O5");
    assert_eq!(figure(&r, "org.youth_work_committees.area").0, 3, "O6");
    assert_eq!(figure(&r, "workforce.count").0, 4812, "O8");
    assert_eq!(figure(&r, "workforce.per_10k_youth"), (126, Some(41), Some(85)), "O8");
    assert_eq!(figure(&r, "secretaries.from_two_committees").0, 77, "C1");
    assert_eq!(figure(&r, "secretaries.good_rural_youth").0, 33, "C2");
    assert_eq!(figure(&r, "cadres.seconded_part_time.district").0, 11, "C4");
    assert_eq!(figure(&r, "cadres.seconded_part_time.street").0, 32, "C4");
    assert_eq!(figure(&r, "societies.direct"), (20, Some(5), Some(15)), "P6 directly linked");
    assert_eq!(figure(&r, "societies.effective"), (122, Some(30), Some(92)), "P6 effectively linked");
    assert_eq!(figure(&r, "communities.count").0, 229, "P7 communities");
    assert_eq!(figure(&r, "communities.members").0, 17_155, "P7 members");
    let levels = ["district", "street", "community"].map(|l| figure(&r, &format!("communities.level.{l}")).0);
    assert_eq!(levels, [9, 48, 172], "P7 by level");
    let types =
        ["industry", "system", "interest", "mutual_aid"].map(|k| figure(&r, &format!("communities.type.{k}")).0);
    assert_eq!(types.iter().sum::<i64>(), 229, "P7 by type");
    // P1: the ledger since the baseline, the spring donations among its social resources.
    assert_eq!(figure(&r, "ledger.fiscal_yuan").0, 650_000, "P1 fiscal");
    assert_eq!(figure(&r, "ledger.social_yuan").0, 1_428_300 + 351_000, "P1 social, the hope cabins' among it");
    assert_eq!(figure(&r, "ledger.leverage").0, 274, "P1 leverage");
    // P3: the Youth Pioneer Loan since the baseline.
    assert_eq!(figure(&r, "loans.disbursed").0, 85, "P3 loans");
    assert_eq!(figure(&r, "loans.amount_yuan").0, 10_350_000, "P3 amount");
    assert_eq!(figure(&r, "consultations.legal").0, 18, "P4 legal escort");
    assert_eq!(figure(&r, "consultations.count").0, 33, "P4 consultations");
    assert_eq!(figure(&r, "stations.count").0, 4, "B4 stations");
    assert_eq!(figure(&r, "stations.checkins").0, 102, "B4 check-ins");
    assert_eq!(figure(&r, "stations.employed_local").0, 59, "B4 employed in the district");
    assert_eq!(figure(&r, "cabins.built").0, 9, "B6 hope cabins");
    assert_eq!(figure(&r, "cabins.raised_yuan").0, 351_000, "B6 raised");
    assert_eq!(figure(&r, "cabins.visited_quarterly").0, 8, "B6 visited within the quarter");

    // P8: since March 2022.
    let p8 = chief.get("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31&from=2022-03-01").await.json();
    assert_eq!(figure(&p8, "volunteer.teams.count"), (131, Some(0), Some(131)), "P8 teams");
    assert_eq!(figure(&p8, "volunteer.turnouts").0, 3284, "P8 turn-outs");
    assert_eq!(figure(&p8, "venues.count").0, 5, "P1 P2 P5 venues");
    assert_eq!((figure(&p8, "venues.uses").0, figure(&p8, "venues.no_shows").0), (29, 3), "P1 the flagship's bookings");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM venue_team").await, 3, "the flagship's operating team");
    assert!(figure(&p8, "volunteer.people_served").0 >= 970_000, "P8 people served");
    assert!(figure(&p8, "donations.value_yuan").0 >= 150_000, "P8 donations");
    let (cash, goods) = (figure(&p8, "donations.cash_yuan").0, figure(&p8, "donations.goods_yuan").0);
    assert_eq!(cash + goods, figure(&p8, "donations.value_yuan").0);
    // Hours follow the attendance rule: the one in ten who left after an hour earns nothing.
    assert_eq!(figure(&p8, "volunteer.hours").0, 11_824);
    // B1, B2, B3: cadre training, after-school classes for children, the matchmaking evening.
    assert_eq!(figure(&p8, "activities.signups").0, 260);
    assert_eq!(figure(&p8, "activities.attendance").0, 240);
    let audience = |code: &str| {
        let rows = p8["activities.by_audience"].as_array().cloned().unwrap_or_default();
        let row = rows.into_iter().find(|r| r["code"] == code).expect("audience row");
        (row["signups"].as_i64(), row["attended"].as_i64())
    };
    assert_eq!(audience("cadres"), (Some(107), Some(99)), "B1 training");
    assert_eq!(audience("children"), (Some(97), Some(91)), "B2 classes");
    assert_eq!(audience("youth"), (Some(56), Some(50)), "B3 matchmaking");
    // B5: the 11 river islands of 青春白鹭岛, a project started after the baseline.
    let islands = p8["projects.indicators"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["indicator"] == "治理河心岛").cloned());
    assert_eq!(islands.as_ref().map(|r| r["value"].as_f64()), Some(Some(11.0)), "B5");
    assert_eq!(islands.map(|r| r["baseline_value"].is_null()), Some(true));

    // The dashboard shows the same figures, by default for the demo's dates.
    let dash = chief.get("/dashboard").await.text();
    assert!(dash.contains(r#"id="fig-org.social_domain.count""#));
    assert!(dash.contains("636") && dash.contains("基准 527，+109，+20.7%"), "dashboard figures");
    assert!(dash.contains("尚未成立社区级少工委的社区和村（30 个）"), "the work list");
    assert!(dash.contains("基准 5，+15，+300.0%") && dash.contains("基准 30，+92，+306.7%"), "P6 on the dashboard");

    // The bank's own account sees its agreement and its sponsorship, and no report.
    let (_, name, password) = logins.accounts.iter().find(|(_, name, _)| *name == "nongshang").expect("bank");
    let bank = t.client();
    assert_eq!(bank.login(name, password).await.status, 303);
    let own = bank.get("/partner").await.text();
    assert!(own.contains("共青团城阳区委与青岛农村商业银行城阳支行共建青年之家合作协议"), "{own}");
    let loans = bank.get("/loans?state=disbursed").await.text();
    assert!(loans.contains("共 85 条") && loans.contains("10350000"), "the bank's 85 loans: {loans}");
    assert_eq!(bank.get("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31").await.status, 403);

    // A street admin sees only the street, and no other street's report.
    t.create_user("liuting2", "org_admin", "CY02T").await;
    let street = t.login("liuting2").await;
    let own = street.get("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31").await.json();
    let by_scope = chief.get("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31&scope=CY02T").await.json();
    assert_eq!(own, by_scope);
    assert!(figure(&own, "org.social_domain.count").0 < 636);
    assert_eq!(own["coverage.streets.youth_work_committee"]["of"].as_i64(), Some(1));
    let other = street.get("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31&scope=CY03T").await;
    assert_eq!(other.status, 404);
    // Every social-domain league org of the demo lies in a street (or an area of one), so the
    // streets' figures add up to the district's.
    // The dashboard's street chart shows each street's own report, both dates.
    let mut sum = 0;
    for (street_code, name) in [
        ("CY01", "城阳街道"),
        ("CY02", "流亭街道"),
        ("CY03", "夏庄街道"),
        ("CY04", "惜福镇街道"),
        ("CY05", "棘洪滩街道"),
        ("CY06", "上马街道"),
        ("CY07", "红岛街道"),
        ("CY08", "河套街道"),
    ] {
        let r = chief
            .get(&format!("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31&street={street_code}"))
            .await
            .json();
        let (value, baseline, _) = figure(&r, "org.social_domain.count");
        let bar = format!("<title>{name}：{value}</title>");
        let at = dash.find(&bar).unwrap_or_else(|| panic!("{bar} in the street chart"));
        let baseline_bar = format!("<title>基准 {}</title>", baseline.expect("baseline"));
        assert!(dash[..at].rfind(&baseline_bar).is_some_and(|b| at - b < 200), "{name}: {baseline_bar}");
        sum += value;
    }
    assert_eq!(sum, 636);
    // The chart over time starts at the baseline's 527 and ends at the as-of date's 636.
    let over_time = &dash[dash.find("社会领域团组织数变化").expect("the chart over time")..];
    assert!(over_time.contains("2020-12-31：527") && over_time.contains("2022-05-31：636"), "{over_time}");

    // Every figure opens on its records, for the district and for a street.
    assert!(
        dash.contains(r#"href="/figures/org.social_domain.count?as_of=2022-05-31"#),
        "the cards link to their records"
    );
    every_figure_opens_its_records(&chief, "as_of=2022-05-31&baseline=2020-12-31&from=2022-03-01", &p8).await;
    every_figure_opens_its_records(&chief, "as_of=2022-05-31&baseline=2020-12-31", &r).await;
    every_figure_opens_its_records(&street, "as_of=2022-05-31&baseline=2020-12-31", &own).await;
    let orgs = chief.get("/figures/org.social_domain.count?as_of=2022-05-31&baseline=2020-12-31&side=entered").await;
    assert!(orgs.text().contains("新增 <span id=\"drill-entered\">"), "{}", orgs.text());
    // Filtered by the org's name: the page narrows, the totals stay the figure's.
    let filtered =
        chief.get("/figures/org.social_domain.count?as_of=2022-05-31&baseline=2020-12-31&q=%E6%B5%81%E4%BA%AD").await;
    assert_eq!(filtered.text_of_id("drill-count").as_deref(), Some("636"));
    let narrowed = filtered.text_of_id("drill-filtered").expect("filtered");
    let n: i64 = narrowed.trim_start_matches("筛选出 ").trim_end_matches(" 条").parse().expect("a count");
    assert!(n > 0 && n < 636, "{narrowed}");
    assert!(!filtered.text().contains("城阳第7社区团支部"), "only 流亭's");
    // Coded records are found by the label shown, not only by the stored code.
    let legal = chief
        .get("/figures/consultations.count?as_of=2022-05-31&baseline=2020-12-31&q=%E6%B3%95%E5%BE%8B%E5%92%A8%E8%AF%A2")
        .await;
    let shown = legal.text_of_id("drill-filtered").expect("filtered");
    let n: i64 = shown.trim_start_matches("筛选出 ").trim_end_matches(" 条").parse().expect("a count");
    assert_eq!(Some(n), r["consultations.legal"]["value"].as_i64(), "{shown}");
    assert!(n > 0 && legal.text().contains("<td>法律咨询</td>"), "{}", legal.text());
    // The API lists the same records.
    let api = chief
        .get("/api/v1/figures/org.social_domain.count/records?as_of=2022-05-31&baseline=2020-12-31&side=entered")
        .await
        .json();
    assert_eq!((api["count"].as_i64(), api["entered"].as_i64(), api["left"].as_i64()), (Some(109), Some(109), Some(0)));
    assert_eq!(api["items"].as_array().map(Vec::len), Some(50));
    let bad =
        chief.get("/api/v1/figures/org.social_domain.count/records?as_of=2022-05-31&baseline=2020-12-31&side=x").await;
    assert_eq!(bad.status, 422);
    assert_eq!(chief.get("/api/v1/figures/no.such/records?as_of=2022-05-31&baseline=2020-12-31").await.status, 404);
    // People are named to those who may read people; a street admin of another kind sees them masked.
    let force = chief.get("/figures/workforce.count?as_of=2022-05-31&baseline=2020-12-31").await.text();
    assert!(force.contains("<th>人员</th>"));
    assert!(
        ["书记", "委员", "工作人员"].iter().any(|t| force.contains(&format!("<td>{t}</td>"))),
        "posts shown: {force}"
    );
    // A viewer who may not read people (a district that took people.read from its viewers) sees
    // the work force's count, not its people.
    t.execute_sql(
        "DELETE FROM role_permissions WHERE permission = 'people.read' \
         AND role_id = (SELECT id FROM roles WHERE code = 'org_viewer')",
    )
    .await
    .expect("a viewer without people");
    t.create_user("viewer", "org_viewer", "CY").await;
    let viewer = t.login("viewer").await;
    let counted = viewer.get("/figures/workforce.count?as_of=2022-05-31&baseline=2020-12-31").await;
    assert_eq!(counted.text_of_id("drill-count").as_deref(), Some("4812"));
    assert!(counted.text().contains("您没有查看“人员”记录的权限") && !counted.text().contains("<th>人员</th>"));
    let export = viewer.get("/figures/workforce.count/export.xlsx?as_of=2022-05-31&baseline=2020-12-31").await;
    assert_ne!(export.status, 200);
    // Volunteers' names are masked even for the district's admin.
    let turnouts = chief.get("/figures/volunteer.turnouts?as_of=2022-05-31&baseline=2020-12-31&from=2022-03-01").await;
    assert!(turnouts.text().contains("*</td>"), "masked names");
    // Another street's records are as closed as its figures.
    let other = street.get("/figures/workforce.count?as_of=2022-05-31&baseline=2020-12-31&scope=CY03T").await;
    assert_eq!(other.status, 404);
    let export =
        chief.get("/figures/volunteer.turnouts/export.xlsx?as_of=2022-05-31&baseline=2020-12-31&from=2022-03-01").await;
    assert_eq!(export.status, 200);
    assert!(export.body.starts_with(b"PK"), "an xlsx workbook");
}

/// A number shown in the element with this id.
fn shown(res: &qingtuan_testkit::TestResponse, id: &str) -> i64 {
    let text = res.text_of_id(id).unwrap_or_else(|| panic!("#{id} in {}", res.text()));
    text.parse().unwrap_or_else(|_| panic!("#{id}: {text}"))
}

/// Every figure of a report opens on the records that make it up: their count — or their sum on
/// the figure's scale, or the letters' average — is the figure; a stock's records that entered
/// less those that left since the baseline are its change; a flow's previous period gives its
/// comparison; a share is its part over its whole; a figure per 10,000 young people lists the
/// count it divides.
async fn every_figure_opens_its_records(client: &qingtuan_testkit::TestClient, query: &str, report: &Value) {
    let mut opened = 0;
    for (key, f) in report.as_object().expect("a report") {
        let Some(value) = f.get("value").and_then(Value::as_i64) else { continue };
        if !f["unavailable"].is_null() {
            continue;
        }
        let res = client.get(&format!("/figures/{key}?{query}")).await;
        assert_eq!(res.status, 200, "{key}: {}", res.text());
        let html = res.text();
        let total = shown(&res, "drill-total");
        if let Some(at) = html.find("以下为“") {
            let name = &html[at + "以下为“".len()..];
            let name = &name[..name.find('”').expect("the name")];
            let of = report.as_object().and_then(|r| r.values().find(|g| g["name"] == name));
            assert_eq!(Some(total), of.and_then(|g| g["value"].as_i64()), "{key}: the records of {name}");
        } else if html.contains("side=whole") {
            let whole = shown(&client.get(&format!("/figures/{key}?{query}&side=whole")).await, "drill-total");
            assert_eq!((total as f64 * 100.0 / whole as f64).round() as i64, value, "{key}: {total} of {whole}");
        } else {
            assert_eq!(total, value, "{key}: the records' total is the figure");
        }
        if let (Some(delta), true) = (f["delta"].as_i64(), html.contains("id=\"drill-entered\"")) {
            assert_eq!(shown(&res, "drill-entered") - shown(&res, "drill-left"), delta, "{key}: entered less left");
        }
        if let (Some(before), true) = (f["baseline_value"].as_i64(), html.contains("side=previous")) {
            let previous = client.get(&format!("/figures/{key}?{query}&side=previous")).await;
            assert_eq!(shown(&previous, "drill-total"), before, "{key}: the period before");
        }
        opened += 1;
    }
    assert!(opened > 90, "{opened} figures opened");
}

fn org(code: &str, kind: &str, parent: &str, sector: &str, region: &str, founded: &str) -> NewOrg {
    NewOrg {
        code: code.into(),
        name: format!("{code} 组织"),
        kind: kind.into(),
        parent_code: parent.into(),
        sector_code: sector.into(),
        region_code: region.into(),
        basis: String::new(),
        founded_on: founded.into(),
        dissolved_on: String::new(),
    }
}

async fn figures_at_the_date_edges_of_a_small_tree(t: TestApp) {
    let sys = Actor::system();
    let region = |code: &str, kind: &str, parent: &str| NewRegion {
        code: code.into(),
        name: code.into(),
        kind: kind.into(),
        parent_code: parent.into(),
    };
    for r in [
        region("R", "district", ""),
        region("R1", "street", "R"),
        region("R2", "street", "R"),
        region("R1a", "community", "R1"),
        region("R2a", "village", "R2"),
    ] {
        regions::create(&t.app, &sys, &r).await.expect("region");
    }
    regions::set_population(&t.app, &sys, "R1", 2021, 6_000, "测试").await.expect("population");
    regions::set_population(&t.app, &sys, "R2", 2021, 4_000, "测试").await.expect("population");
    regions::set_population(&t.app, &sys, "R1", 2022, 10_000, "测试").await.expect("population");
    regions::set_population(&t.app, &sys, "R2", 2022, 10_000, "测试").await.expect("population");
    // Baseline 2021-06-30, as of 2022-05-31.
    for o in [
        org("ROOT", "district_committee", "", "government", "R", "2000-01-01"),
        org("ST1", "working_committee", "ROOT", "street_community", "R1", "2010-01-01"),
        org("ST2", "working_committee", "ROOT", "street_community", "R2", "2010-01-01"),
        org("ON_ASOF", "branch", "ST1", "street_community", "R1a", "2022-05-31"),
        org("DISSOLVED", "branch", "ST1", "non_public_enterprise", "R1", "2015-01-01"),
        org("ON_BASE", "branch", "ST2", "street_community", "R2a", "2021-06-30"),
        org("AFTER", "branch", "ST2", "street_community", "R2a", "2022-06-01"),
        org("SCHOOL", "committee", "ROOT", "education", "R", "2015-01-01"),
        org("YWC", "youth_work_committee", "ST1", "street_community", "R1a", "2021-07-01"),
    ] {
        orgs::create(&t.app, &sys, &o).await.expect("org");
    }
    let dissolved = t.org_id("DISSOLVED").await;
    orgs::dissolve(&t.app, &sys, qingtuan_domain::ids::OrgId(dissolved), "2022-05-31".parse().expect("date"), false)
        .await
        .expect("dissolve");

    let person = |n: u32| NewPerson { name: format!("测试{n}"), gender: "女".into(), ..NewPerson::default() };
    let ids = people::create_batch(&t.app, &sys, &[person(1), person(2), person(3), person(4)]).await.expect("people");
    let post = |who: PersonId, org: &str, start: &str, end: &str| NewPosition {
        person_id: Some(who),
        org_code: org.into(),
        title: "secretary".into(),
        employment: "part_time".into(),
        source: "two_committees".into(),
        start_on: start.into(),
        end_on: end.into(),
        ..NewPosition::default()
    };
    positions::create_batch(
        &t.app,
        &sys,
        &[
            post(ids[0], "ON_ASOF", "2022-05-31", ""), // starts on the as-of date: counts then
            post(ids[1], "ST1", "2020-01-01", "2021-06-30"), // ends on the baseline date: not held on it
            post(ids[2], "ST2", "2020-01-01", ""),     // held on both dates, twice:
            post(ids[2], "ON_BASE", "2021-06-30", ""), // …counted once
            post(ids[3], "SCHOOL", "2020-01-01", ""),  // not the social domain
        ],
    )
    .await
    .expect("positions");
    t.create_user("boss", "district_admin", "ROOT").await;
    let boss = t.login("boss").await;

    let r = boss.get("/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30").await.json();

    // ST1, ST2, ON_ASOF (founded on the day), ON_BASE; not DISSOLVED (dissolved on the day), not AFTER.
    // At the baseline: ST1, ST2, DISSOLVED, ON_BASE (founded on the baseline day).
    assert_eq!(figure(&r, "org.social_domain.count"), (4, Some(4), Some(0)));
    assert_eq!(figure(&r, "org.new.community_branches").0, 1, "ON_ASOF only: ON_BASE was founded on the baseline day");
    assert_eq!(figure(&r, "coverage.communities.branch"), (2, Some(1), Some(1)));
    assert_eq!(r["coverage.communities.branch"]["of"].as_i64(), Some(2));
    assert_eq!(figure(&r, "coverage.communities.youth_work_committee"), (1, Some(0), Some(1)));
    assert_eq!(figure(&r, "workforce.count"), (2, Some(1), Some(1)));
    // 2 / 20,000 × 10,000 = 1; at the baseline 1 / 10,000 (2021's populations) × 10,000 = 1.
    assert_eq!(figure(&r, "workforce.per_10k_youth"), (1, Some(1), Some(0)));
    // Secretaries count in every sector: the school's too. At the baseline: persons 3 and 4.
    assert_eq!(figure(&r, "secretaries.from_two_committees"), (3, Some(2), Some(1)));
    let one_street = boss.get("/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30&street=R2").await.json();
    assert_eq!(figure(&one_street, "org.social_domain.count").0, 2, "ST2 and ON_BASE lie in R2");
    assert_eq!(figure(&one_street, "workforce.count").0, 1);
    // A subtree's work force is counted from its posts, not the whole tree's kept periods: person
    // 1 from the as-of date; person 2's post ended on the baseline date.
    let st1 = boss.get("/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30&scope=ST1").await.json();
    assert_eq!(figure(&st1, "workforce.count"), (1, Some(0), Some(1)));

    // The org list shows each org's sector, region, founding and the posts held in it today.
    let list = boss.get("/orgs?q=st2").await.text();
    let row = list.split("<tr>").find(|r| r.contains(">ST2<")).expect("ST2 listed");
    assert!(row.contains("<td>R2</td>") && row.contains("<td>2010-01-01</td>"), "{row}");
    assert!(row.contains(r#"<td class="number">1</td>"#), "one post held in ST2 today: {row}");

    // Every entry of the catalogue is evaluated, and the dashboard shows them in catalogue order.
    let catalogue = qingtuan_domain::indicator::CATALOGUE;
    for i in catalogue {
        assert!(r[i.key].is_object(), "{} is not evaluated", i.key);
    }
    assert_eq!(
        r.as_object().map(|o| o.keys().filter(|k| !k.contains("activities.by") && *k != "projects.indicators").count()),
        Some(catalogue.len())
    );
    let dash = boss.get("/dashboard?as_of=2022-05-31&baseline=2021-06-30").await.text();
    let shown: Vec<usize> = catalogue
        .iter()
        .map(|i| dash.find(&format!("id=\"fig-{}\"", i.key)).unwrap_or_else(|| panic!("{} is not shown", i.key)))
        .collect();
    assert!(shown.windows(2).all(|w| w[0] < w[1]), "the dashboard's order is the catalogue's");

    // A request is resolved once, the same way everywhere: an unknown org or street is missing,
    // dates out of order are refused with the reason.
    for path in [
        "/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30&scope=NOPE",
        "/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30&street=NOPE",
        "/dashboard?scope=NOPE",
    ] {
        assert_eq!(boss.get(path).await.status, 404, "{path}");
    }
    let late = boss.get("/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30&from=2022-06-01").await;
    assert_eq!(late.status, 422);
    assert!(late.text().contains("期间起始日不能晚于统计日"), "{}", late.text());
    let reversed = boss.get("/dashboard?as_of=2021-05-31&baseline=2022-06-30").await;
    assert_eq!(reversed.status, 422);
    assert!(reversed.text().contains("基准日不能晚于统计日"));
}

/// Runs `qingtuan check` on the test's database.
fn check(t: &TestApp, repair: bool) -> std::process::Output {
    let mut args = vec!["check", "--database", t.db.url.as_str()];
    if repair {
        args.push("--repair");
    }
    std::process::Command::new(env!("CARGO_BIN_EXE_qingtuan"))
        .args(args)
        .env("QINGTUAN_SECRET_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        .env("QINGTUAN_LOG", "error")
        .output()
        .expect("run qingtuan check")
}

/// The district's work force (from its kept periods) on the as-of and the baseline date, checked
/// against CITY's — the same posts, which a subtree counts by grouping them by person — and
/// against `qingtuan check`.
async fn work_force(t: &TestApp, admin: &qingtuan_testkit::TestClient, step: &str) -> (i64, i64) {
    let query = "/api/v1/reports?as_of=2022-05-31&baseline=2021-06-30";
    let whole = figure(&admin.get(&format!("{query}&scope=ROOT")).await.json(), "workforce.count");
    let city = figure(&admin.get(&format!("{query}&scope=CITY")).await.json(), "workforce.count");
    assert_eq!(whole, city, "{step}: the district's periods and CITY's posts disagree");
    let out = check(t, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{step}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("工作力量时段与记录一致"), "{step}: {stdout}");
    (whole.0, whole.1.expect("baseline value"))
}

async fn the_whole_districts_work_force_follows_every_change(t: TestApp) {
    let sys = Actor::system();
    // As of 2022-05-31 against 2021-06-30. ROOT has one child, so CITY's subtree holds every post.
    for o in [
        org("ROOT", "district_committee", "", "", "", "2000-01-01"),
        org("CITY", "working_committee", "ROOT", "street_community", "", "2000-01-01"),
        org("A", "branch", "CITY", "street_community", "", "2000-01-01"),
        org("B", "branch", "CITY", "non_public_enterprise", "", "2000-01-01"),
        org("SCHOOL", "committee", "CITY", "education", "", "2000-01-01"),
    ] {
        orgs::create(&t.app, &sys, &o).await.expect("org");
    }
    let person = |n: u32| NewPerson { name: format!("力量{n}"), gender: "男".into(), ..NewPerson::default() };
    let p = people::create_batch(&t.app, &sys, &[person(1), person(2), person(3), person(4), person(5)])
        .await
        .expect("people");
    let post = |who: PersonId, org: &str, start: &str, end: &str| NewPosition {
        person_id: Some(who),
        org_code: org.into(),
        title: "member".into(),
        employment: "volunteer_core".into(),
        start_on: start.into(),
        end_on: end.into(),
        ..NewPosition::default()
    };
    positions::create_batch(
        &t.app,
        &sys,
        &[
            post(p[0], "A", "2020-01-01", ""), // two overlapping posts: one person
            post(p[0], "B", "2019-01-01", "2021-07-01"),
            post(p[1], "SCHOOL", "2020-01-01", ""),      // not the social domain
            post(p[2], "B", "2022-01-01", ""),           // as of only
            post(p[3], "A", "2020-01-01", "2021-06-30"), // ends on the baseline day…
            post(p[3], "B", "2021-06-30", ""),           // …where the next one starts
            post(p[4], "A", "2018-01-01", ""),
        ],
    )
    .await
    .expect("positions");
    t.create_user("boss", "district_admin", "ROOT").await;
    let admin = t.login("boss").await;
    assert_eq!(work_force(&t, &admin, "posts recorded").await, (4, 3), "1, 3, 4, 5 as of; 1, 4, 5 at the baseline");

    let p5_post = positions::list(&t.app, &sys, Some(p[4]), None).await.expect("posts")[0].id;
    positions::end(&t.app, &sys, p5_post, "2022-01-01".parse().expect("date")).await.expect("end");
    assert_eq!(work_force(&t, &admin, "a post ended").await, (3, 3));

    let school = t.org_id("SCHOOL").await;
    admin.get(&format!("/orgs/{school}/edit")).await;
    let moved = admin
        .post(
            &format!("/orgs/{school}"),
            &[
                ("name", "SCHOOL 组织"),
                ("kind", "committee"),
                ("sector_code", "street_community"),
                ("region_code", ""),
                ("basis", "unit"),
                ("founded_on", "2000-01-01"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.text());
    assert_eq!(work_force(&t, &admin, "an org's sector changed").await, (4, 4), "person 2 now counts");

    assert_eq!(
        admin.post("/sectors/non_public_enterprise", &[("social_domain", "false"), ("confirm", "yes")]).await.status,
        303
    );
    assert_eq!(work_force(&t, &admin, "a sector left the social domain").await, (2, 3), "1, 2 as of; 1, 2, 5 then");
    assert_eq!(
        admin.post("/sectors/non_public_enterprise", &[("social_domain", "true"), ("confirm", "yes")]).await.status,
        303
    );
    assert_eq!(work_force(&t, &admin, "and came back").await, (4, 4));

    let b = t.org_id("B").await;
    let dissolved = admin
        .post(&format!("/orgs/{b}/dissolve"), &[("on", "2022-03-01"), ("with_subtree", "true"), ("confirm", "yes")])
        .await;
    assert_eq!(dissolved.status, 303);
    assert_eq!(
        work_force(&t, &admin, "an org dissolved").await,
        (2, 4),
        "B's people 3 and 4 are gone by the as-of date"
    );

    let merged = admin.post("/people/merge", &[("keep", &p[2].to_string()), ("duplicate", &p[4].to_string())]).await;
    assert_eq!(merged.status, 303);
    assert_eq!(work_force(&t, &admin, "two people merged").await, (2, 4), "person 5's post is person 3's now");

    // A period lost behind the product's back is found, named and rebuilt from the records.
    t.execute_sql(&format!("DELETE FROM workforce_spans WHERE person_id = {}", p[0])).await.expect("delete");
    let out = check(&t, false);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("人员 {}：缺少时段 2019-01-01 ~ 至今", p[0])), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--repair"));
    let repaired = check(&t, true);
    assert!(repaired.status.success(), "{}", String::from_utf8_lossy(&repaired.stderr));
    assert_eq!(work_force(&t, &admin, "repaired").await, (2, 4));

    // So is an org path (the list's tree order) changed behind the product's back.
    t.execute_sql("UPDATE orgs SET path = '!B!' WHERE code = 'B'").await.expect("corrupt");
    let out = check(&t, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && stdout.contains("组织 B：路径为 !B!，按组织树应为 !ROOT!CITY!B!"), "{stdout}");
    assert!(check(&t, true).status.success());
    assert!(String::from_utf8_lossy(&check(&t, false).stdout).contains("组织路径与组织树一致"));

    // A database from before the periods were kept gets them from its records on upgrade.
    t.execute_sql("DROP TABLE workforce_spans").await.expect("drop");
    t.execute_sql("DELETE FROM seaql_migrations WHERE version = 'm0010_workforce_spans'").await.expect("forget");
    t.execute_sql("DELETE FROM app_settings WHERE key = 'workforce_spans.filled'").await.expect("never filled");
    let upgraded = check(&t, false);
    assert!(
        upgraded.status.success(),
        "`qingtuan check` migrates first: {}",
        String::from_utf8_lossy(&upgraded.stderr)
    );
    assert_eq!(work_force(&t, &admin, "upgraded").await, (2, 4));
}

/// The youth population a per-10,000 figure divides by: the scope region's own record for the
/// latest year not after the date, else the sum of its children's, each resolved the same way —
/// never streets and communities added together; a scope without a region shows "—" and why.
async fn the_youth_population_of_a_scope_is_its_regions_own_or_its_childrens(t: TestApp) {
    let sys = Actor::system();
    let region = |code: &str, kind: &str, parent: &str| NewRegion {
        code: code.into(),
        name: code.into(),
        kind: kind.into(),
        parent_code: parent.into(),
    };
    for r in [
        region("R", "district", ""),
        region("R1", "street", "R"),
        region("R2", "street", "R"),
        region("R1a", "community", "R1"),
        region("R1b", "community", "R1"),
        region("R2a", "community", "R2"),
    ] {
        regions::create(&t.app, &sys, &r).await.expect("region");
    }
    // R1 has its own record and its communities theirs (which must not be added to it); R2 has
    // none of its own, so its community's stands for it; R has none either.
    for (code, year, count) in
        [("R1", 2022, 10_000), ("R1a", 2022, 4_000), ("R1b", 2022, 5_000), ("R2a", 2021, 2_000), ("R2a", 2023, 9_999)]
    {
        regions::set_population(&t.app, &sys, code, year, count, "测试").await.expect("population");
    }
    for o in [
        org("ROOT", "district_committee", "", "government", "R", "2000-01-01"),
        org("ST1", "working_committee", "ROOT", "street_community", "R1", "2000-01-01"),
        org("ST2", "working_committee", "ROOT", "street_community", "R2", "2000-01-01"),
        org("NOWHERE", "committee", "ROOT", "education", "", "2000-01-01"),
    ] {
        orgs::create(&t.app, &sys, &o).await.expect("org");
    }
    let person = |n: u32| NewPerson { name: format!("测试{n}"), gender: "女".into(), ..NewPerson::default() };
    let ids = people::create_batch(&t.app, &sys, &(1..=12).map(person).collect::<Vec<_>>()).await.expect("people");
    let post = |who: PersonId, org: &str| NewPosition {
        person_id: Some(who),
        org_code: org.into(),
        title: "secretary".into(),
        employment: "part_time".into(),
        source: "two_committees".into(),
        start_on: "2020-01-01".into(),
        ..NewPosition::default()
    };
    let posts: Vec<NewPosition> =
        ids.iter().enumerate().map(|(i, id)| post(*id, if i < 8 { "ST1" } else { "ST2" })).collect();
    positions::create_batch(&t.app, &sys, &posts).await.expect("posts");
    t.create_user("chief", "district_admin", "ROOT").await;
    let chief = t.login("chief").await;
    let per_10k = |scope: &'static str| {
        let chief = chief.clone();
        async move {
            let r = chief.get(&format!("/api/v1/reports?as_of=2022-05-31&baseline=2020-12-31&scope={scope}")).await;
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()["workforce.per_10k_youth"].clone()
        }
    };
    // ST1: 8 people over R1's own 10,000 (not 19,000).
    assert_eq!(per_10k("ST1").await["value"], 8);
    // ST2: 4 people over R2a's 2021 record, 2,000 (the 2023 one is after the date) → 20.
    assert_eq!(per_10k("ST2").await["value"], 20);
    // The district: R1 (10,000) + R2 (2,000) = 12,000 for 12 people → 10 (not 30,999 → 4).
    assert_eq!(per_10k("ROOT").await["value"], 10);
    // No population recorded for the baseline's year anywhere: the figure stands without comparison.
    assert!(per_10k("ROOT").await["baseline_value"].is_null());
    // A scope without a region: "—" and why, never a sum over unrelated regions.
    let nowhere = per_10k("NOWHERE").await;
    assert!(nowhere["value"].is_null(), "{nowhere}");
    assert!(nowhere["unavailable"].as_str().is_some_and(|r| r.contains("未设置所在区域")), "{nowhere}");
    let page = chief.get(&format!("/orgs/{}", t.org_id("NOWHERE").await)).await.text();
    assert!(page.contains("未设置所在区域"), "the org's page says why");
}
