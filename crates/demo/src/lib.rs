//! The demo district: a synthetic Chengyang — its eight real streets, synthetic communities,
//! organisations, people and positions — created record by record by a seeded generator through
//! the same use-cases as the UI and imports. No real person's data: names, ID numbers and phone
//! numbers are generated.
//!
//! The generator is built so that the report for `AS_OF` against `BASELINE` reproduces the
//! figures of the seed report (FIGURES.md §1 and §2); the tests check that it does.

mod staff;

mod accountability;
mod cabins;
mod consultations;
mod loans;
mod platforms;
mod selection;
mod services;
mod stations;

pub mod generator;

use chrono::{Days, NaiveDate};
use qingtuan_domain::ids::PersonId;
use qingtuan_domain::person::check_char;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use qingtuan_app::access::users::{self, NewUser};
use qingtuan_app::registry::orgs::{self, NewOrg};
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::registry::positions::{self, NewPosition};
use qingtuan_app::registry::regions::{self, NewRegion};
use qingtuan_app::{Actor, App, AppError};

/// The date of the seed report.
pub fn as_of() -> NaiveDate {
    date(2022, 5, 31)
}

/// "Before the reform": the demo's baseline date.
pub fn baseline() -> NaiveDate {
    date(2020, 12, 31)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Chengyang's streets, with how many synthetic communities each gets (150 in all).
const STREETS: [(&str, &str, usize); 8] = [
    ("CY01", "城阳街道", 22),
    ("CY02", "流亭街道", 20),
    ("CY03", "夏庄街道", 21),
    ("CY04", "惜福镇街道", 18),
    ("CY05", "棘洪滩街道", 17),
    ("CY06", "上马街道", 18),
    ("CY07", "红岛街道", 16),
    ("CY08", "河套街道", 18),
];

/// Youth population per street (2020, 2022); the district totals are 370,000 and 381,900.
const POPULATION: [(i64, i64); 8] = [
    (72_000, 74_300),
    (58_000, 59_900),
    (55_000, 56_800),
    (38_000, 39_200),
    (41_000, 42_300),
    (36_000, 37_100),
    (32_000, 33_000),
    (38_000, 39_300),
];

const AREAS: [(&str, &str, usize); 3] =
    [("CYA1", "青岛天安数码城", 0), ("CYA2", "北曲商圈", 1), ("CYA3", "斑马青年社区", 2)];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高",
    "罗", "郑", "梁", "谢", "宋", "唐", "韩", "曹", "许", "邓", "冯",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂",
    "晨", "宇", "欣", "睿", "浩", "婷", "雪", "琳", "博", "悦", "航",
];
const FIRMS: &[&str] = &[
    "华信", "恒瑞", "海川", "启航", "鼎盛", "瑞丰", "嘉禾", "金桥", "新源", "蓝海", "远景", "丰泽", "和信", "青禾",
    "伟业",
];
const TRADES: &[&str] = &["科技", "物流", "食品", "机械", "电子", "纺织", "建材", "新能源", "医药", "文创"];

/// What `build` made that a person needs to know: the demo logins.
#[derive(Debug, Clone)]
pub struct DemoLogins {
    pub accounts: Vec<(&'static str, &'static str, String)>,
}

struct Org {
    code: String,
    founded: NaiveDate,
}

struct Gen {
    rng: StdRng,
    orgs: Vec<NewOrg>,
    /// Social-domain orgs, for placing the work force.
    social: Vec<Org>,
    next_code: usize,
}

impl Gen {
    fn day_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0) as u64;
        from.checked_add_days(Days::new(self.rng.gen_range(0..=span))).unwrap_or(from)
    }

    #[expect(clippy::too_many_arguments, reason = "one call per generated org reads best flat")]
    fn org(
        &mut self,
        code: String,
        name: String,
        kind: &str,
        parent: &str,
        sector: &str,
        region: &str,
        basis: &str,
        founded: NaiveDate,
    ) -> String {
        let social = matches!(
            sector,
            "street_community"
                | "township_village"
                | "non_public_enterprise"
                | "social_organisation"
                | "new_youth_group"
                | "park_business"
        );
        if social {
            self.social.push(Org { code: code.clone(), founded });
        }
        self.orgs.push(NewOrg {
            code: code.clone(),
            name,
            kind: kind.into(),
            parent_code: parent.into(),
            sector_code: sector.into(),
            region_code: region.into(),
            basis: basis.into(),
            founded_on: founded.to_string(),
            dissolved_on: String::new(),
        });
        code
    }

    fn code(&mut self, prefix: &str) -> String {
        self.next_code += 1;
        format!("{prefix}{:04}", self.next_code)
    }

    fn firm(&mut self) -> String {
        let a = FIRMS.choose(&mut self.rng).copied().unwrap_or("华信");
        let b = TRADES.choose(&mut self.rng).copied().unwrap_or("科技");
        format!("青岛{a}{b}有限公司")
    }
}

fn fail(e: AppError) -> AppError {
    match e {
        AppError::Rows(rows) => {
            AppError::Internal(format!("demo data rejected: {:?}", rows.iter().take(3).collect::<Vec<_>>()))
        }
        other => other,
    }
}

/// Builds the demo district in an empty database.
pub async fn build(app: &App) -> Result<DemoLogins, AppError> {
    let system = Actor::system();
    let (b, d) = (baseline(), as_of());
    let mut g = Gen { rng: StdRng::seed_from_u64(20220531), orgs: Vec::new(), social: Vec::new(), next_code: 0 };

    // Regions and youth populations.
    let region = |code: &str, name: &str, kind: &str, parent: &str| NewRegion {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent_code: parent.into(),
    };
    regions::create(app, &system, &region("CY", "城阳区", "district", "")).await?;
    let mut communities: Vec<(String, usize)> = Vec::new();
    for (i, (code, name, n)) in STREETS.iter().enumerate() {
        regions::create(app, &system, &region(code, name, "street", "CY")).await?;
        let (p2020, p2022) = POPULATION[i];
        regions::set_population(app, &system, code, 2020, p2020, "演示数据：区统计局年度青年人口（合成）").await?;
        regions::set_population(app, &system, code, 2022, p2022, "演示数据：区统计局年度青年人口（合成）").await?;
        let short = name.trim_end_matches("街道");
        for c in 1..=*n {
            let kind = if c.is_multiple_of(4) { "village" } else { "community" };
            let suffix = if kind == "village" { "村" } else { "社区" };
            let ccode = format!("{code}-{c:02}");
            regions::create(app, &system, &region(&ccode, &format!("{short}第{c}{suffix}"), kind, code)).await?;
            communities.push((ccode, i));
        }
    }
    for (code, name, street) in AREAS {
        regions::create(app, &system, &region(code, name, "area", STREETS[street].0)).await?;
    }

    // The district committee and the street working committees (all before the reform).
    g.org(
        "CY".into(),
        "共青团青岛市城阳区委员会".into(),
        "district_committee",
        "",
        "government",
        "CY",
        "unit",
        date(1984, 5, 4),
    );
    let streets: Vec<String> = STREETS
        .iter()
        .map(|(code, name, _)| {
            g.org(
                format!("{code}T"),
                format!("{name}团工委"),
                "working_committee",
                "CY",
                "street_community",
                code,
                "unit",
                date(2005, 3, 1),
            )
        })
        .collect();
    let old_day = |g: &mut Gen| g.day_between(date(2006, 1, 1), date(2020, 6, 30));
    let new_day = |g: &mut Gen| g.day_between(date(2021, 1, 15), date(2022, 5, 20));

    // O1, O2: three industry-system working committees and the high-tech centre's, after the reform.
    for (code, name, sector) in [
        ("CYHY1", "城阳区国企团工委", "soe"),
        ("CYHY2", "城阳区教育团工委", "education"),
        ("CYHY3", "城阳区法律服务行业团工委", "public_institution"),
    ] {
        let day = new_day(&mut g);
        g.org(code.into(), name.into(), "working_committee", "CY", sector, "CY", "industry", day);
    }
    let day = new_day(&mut g);
    g.org(
        "CYGX".into(),
        "高新便民服务中心团工委".into(),
        "working_committee",
        "CY",
        "public_institution",
        "CY01",
        "unit",
        day,
    );

    // Community branches: 85 before the reform, 65 after (O2); every community has one by the as-of date.
    let mut order: Vec<usize> = (0..communities.len()).collect();
    order.shuffle(&mut g.rng);
    for (n, idx) in order.iter().enumerate() {
        let (ccode, street) = communities[*idx].clone();
        let founded = if n < 85 { old_day(&mut g) } else { new_day(&mut g) };
        let parent = streets[street].clone();
        g.org(
            format!("{ccode}B"),
            format!("{}团支部", community_name(&ccode)),
            "branch",
            &parent,
            "street_community",
            &ccode,
            "unit",
            founded,
        );
    }

    // Social-domain organisations beyond communities: before and after the reform (O7: 527 → 636).
    for (count_old, count_new, sector, kind_of, prefix) in [
        (300, 30, "non_public_enterprise", "firm", "E"),
        (80, 10, "social_organisation", "society", "S"),
        (20, 4, "new_youth_group", "joint", "Y"),
    ] {
        for i in 0..(count_old + count_new) {
            let street = g.rng.gen_range(0..STREETS.len());
            let founded = if i < count_old { old_day(&mut g) } else { new_day(&mut g) };
            let (name, kind) = match kind_of {
                "firm" => {
                    let firm = g.firm();
                    match i % 7 {
                        0 => (format!("{firm}团委"), "committee"),
                        1 => (format!("{firm}团总支"), "general_branch"),
                        _ => (format!("{firm}团支部"), "branch"),
                    }
                }
                "society" => {
                    (format!("{}青年公益服务中心团支部", STREETS[street].1.trim_end_matches("街道")), "branch")
                }
                _ => (
                    format!("{}新兴青年联合团支部{}", ["快递", "外卖", "网约车", "直播"][i % 4], i + 1),
                    "joint_branch",
                ),
            };
            let code = g.code(prefix);
            let parent = streets[street].clone();
            g.org(code, name, kind, &parent, sector, STREETS[street].0, "unit", founded);
        }
    }
    // Park and business-district organisations (before the reform), among them a national
    // May-4th red-flag branch (P2).
    let mut red_flag = String::new();
    for i in 0..34 {
        let (acode, aname, street) = AREAS[i % 3];
        let name =
            if i == 0 { "青岛天安数码城团支部".to_owned() } else { format!("{aname}{}团支部", g.firm()) };
        let founded = if i == 0 { date(2012, 5, 4) } else { old_day(&mut g) };
        let code = g.code("P");
        let parent = streets[street].clone();
        let code = g.org(
            code,
            name,
            if i % 5 == 4 { "general_branch" } else { "branch" },
            &parent,
            "park_business",
            acode,
            "area",
            founded,
        );
        if i == 0 {
            red_flag = code;
        }
    }
    // Organisations dissolved before the baseline: they count on neither date.
    for _ in 0..5 {
        let code = g.code("X");
        let firm = g.firm();
        g.org(
            code,
            format!("{firm}团支部（已撤销）"),
            "branch",
            &streets[0],
            "non_public_enterprise",
            STREETS[0].0,
            "unit",
            date(2010, 3, 1),
        );
    }
    // Nobody is placed in those.
    g.social.retain(|o| !o.code.starts_with('X'));

    // Traditional domains (not social): schools, government and public institutions, SOEs.
    for i in 0..25 {
        let code = g.code("J");
        let day = old_day(&mut g);
        g.org(code, format!("城阳区第{}中学团委", i + 1), "committee", "CY", "education", "CY", "unit", day);
    }
    for i in 0..12 {
        let code = g.code("G");
        let day = old_day(&mut g);
        g.org(code, format!("城阳区机关第{}团支部", i + 1), "branch", "CY", "government", "CY", "unit", day);
    }

    // O3, O4: youth and young-pioneer work committees in every street and in many communities.
    for (i, (code, name, _)) in STREETS.iter().enumerate() {
        let parent = streets[i].clone();
        let day = new_day(&mut g);
        g.org(
            format!("{code}Q"),
            format!("{name}青工委"),
            "youth_work_committee",
            &parent,
            "street_community",
            code,
            "unit",
            day,
        );
        let day = new_day(&mut g);
        g.org(
            format!("{code}S"),
            format!("{name}少工委"),
            "pioneer_work_committee",
            &parent,
            "street_community",
            code,
            "unit",
            day,
        );
    }
    let mut order: Vec<usize> = (0..communities.len()).collect();
    order.shuffle(&mut g.rng);
    for (n, idx) in order.iter().take(70).enumerate() {
        let (ccode, street) = communities[*idx].clone();
        let day = if n < 20 { old_day(&mut g) } else { new_day(&mut g) };
        let parent = streets[street].clone();
        g.org(
            format!("{ccode}Q"),
            format!("{}青工委", community_name(&ccode)),
            "youth_work_committee",
            &parent,
            "street_community",
            &ccode,
            "unit",
            day,
        );
    }
    order.shuffle(&mut g.rng);
    for (n, idx) in order.iter().take(120).enumerate() {
        let (ccode, street) = communities[*idx].clone();
        let day = if n < 40 { old_day(&mut g) } else { new_day(&mut g) };
        let parent = streets[street].clone();
        g.org(
            format!("{ccode}S"),
            format!("{}少工委", community_name(&ccode)),
            "pioneer_work_committee",
            &parent,
            "street_community",
            &ccode,
            "unit",
            day,
        );
    }
    // O5, O6: industry and area youth work committees.
    for (code, name) in [("CYQK", "城阳区快递服务行业青工委"), ("CYQW", "城阳区文学艺术团体青工委")]
    {
        let day = new_day(&mut g);
        g.org(code.into(), name.into(), "youth_work_committee", "CY", "new_youth_group", "CY", "industry", day);
    }
    for (acode, aname, street) in AREAS {
        let day = new_day(&mut g);
        let parent = streets[street].clone();
        g.org(
            format!("{acode}Q"),
            format!("{aname}青工委"),
            "youth_work_committee",
            &parent,
            "park_business",
            acode,
            "area",
            day,
        );
    }

    for form in &g.orgs {
        orgs::create(app, &system, form).await.map_err(fail)?;
    }
    for x in g.orgs.iter().filter(|o| o.name.ends_with("（已撤销）")) {
        let id = orgs::id_of(app, &system, &x.code).await?;
        orgs::dissolve(app, &system, id, date(2019, 6, 30), false).await?;
    }
    orgs::add_honour(app, &system, &red_flag, "全国五四红旗团支部", date(2019, 5, 4)).await?;

    let staff::Staff { ids: volunteers, selected, social_workers } =
        staff::people_and_positions(app, &mut g, b, d).await?;
    let branches: Vec<String> = communities.iter().map(|(c, _)| format!("{c}B")).collect();
    services::mobilisation(app, &mut g.rng, &volunteers, &branches).await?;
    services::projects_and_activities(app, &mut g.rng, &branches).await?;
    accountability::letters(app, &mut g.rng).await?;
    accountability::inspections(app, &mut g.rng).await?;
    accountability::review(app, &mut g.rng).await?;
    accountability::self_organisations(app).await?;
    selection::open_selection(app, &mut g.rng, selected).await?;
    selection::purchased_services(app, &social_workers).await?;
    platforms::societies(app).await?;
    platforms::communities(app, &branches).await?;
    platforms::ledger(app).await?;
    platforms::venues(app, &red_flag, &social_workers).await?;
    let (bank_user, bank_password) = loans::loans(app, &mut g.rng).await?;
    let (lawyer_user, lawyer_password) = consultations::consultations(app, &mut g.rng).await?;
    stations::stations(app).await?;
    cabins::cabins(app, &social_workers).await?;
    qingtuan_app::figures::set_default_dates(app, &system, Some(d), b).await?;
    accountability::assessment(app).await?;
    bulletin(app, d, b).await?;

    let mut accounts = Vec::new();
    for (label, username, display, role, scope, partner) in [
        ("团区委管理员", "demo", "演示管理员", "district_admin", "CY", String::new()),
        ("街道管理员", "liuting", "流亭街道团工委", "org_admin", "CY02T", String::new()),
    ] {
        let password = qingtuan_app::crypto::one_time_password();
        let form = NewUser {
            username: username.into(),
            display_name: display.into(),
            role_code: role.into(),
            scope_code: scope.into(),
            partner_code: partner,
            password: Some(password.clone()),
        };
        users::create(app, &system, &form).await?;
        accounts.push((label, username, password));
    }
    accounts.push(("合作银行（单位账户）", bank_user, bank_password));
    accounts.push(("律师（咨询师）", lawyer_user, lawyer_password));
    Ok(DemoLogins { accounts })
}

/// The district's work bulletin of the report date, written from the default template (the seed
/// article's structure, every number computed) and published, so the demo shows one frozen.
async fn bulletin(app: &App, as_of: NaiveDate, baseline: NaiveDate) -> Result<(), AppError> {
    use qingtuan_app::bulletin::bulletins::{self, NewBulletin};
    let system = Actor::system();
    let form = NewBulletin {
        scope: "CY".into(),
        as_of: as_of.to_string(),
        baseline: baseline.to_string(),
        ..NewBulletin::default()
    };
    let id = bulletins::create(app, &system, &form).await?;
    let texts = [("block:结语".to_owned(), "（演示数据：数字均由系统从合成记录计算。）".to_owned())];
    bulletins::save_texts(app, &system, id, &texts.into_iter().collect()).await?;
    bulletins::publish(app, &system, id).await?;
    Ok(())
}

fn community_name(code: &str) -> String {
    // `CY02-07` → the name given to that community above.
    let (street, n) = code.split_once('-').unwrap_or((code, "0"));
    let n: usize = n.parse().unwrap_or(0);
    let short = STREETS.iter().find(|s| s.0 == street).map_or("", |s| s.1.trim_end_matches("街道"));
    let suffix = if n.is_multiple_of(4) { "村" } else { "社区" };
    format!("{short}第{n}{suffix}")
}
