//! The demo district: a synthetic Chengyang — its eight real streets, synthetic communities,
//! organisations, people and positions — created record by record by a seeded generator through
//! the same use-cases as the UI and imports. No real person's data: names, ID numbers and phone
//! numbers are generated.
//!
//! The generator is built so that the report for `AS_OF` against `BASELINE` reproduces the
//! figures of the seed report (FIGURES.md §1 and §2); the tests check that it does.

pub mod generator;

use chrono::{Days, NaiveDate};
use qingtuan_domain::person::check_char;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::access::users::{self, NewUser};
use crate::registry::orgs::{self, NewOrg};
use crate::registry::people::{self, NewPerson};
use crate::registry::positions::{self, NewPosition};
use crate::registry::regions::{self, NewRegion};
use crate::{Actor, App, AppError};

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
        let id = crate::tree::find_by_code(&app.db, &x.code)
            .await?
            .map(|o| qingtuan_domain::ids::OrgId(o.id))
            .ok_or(AppError::NotFound)?;
        orgs::dissolve(app, &system, id, date(2019, 6, 30), false).await?;
    }
    orgs::add_honour(app, &system, &red_flag, "全国五四红旗团支部", date(2019, 5, 4)).await?;

    let volunteers = people_and_positions(app, &mut g, b, d).await?;
    let branches: Vec<String> = communities.iter().map(|(c, _)| format!("{c}B")).collect();
    mobilisation(app, &mut g.rng, &volunteers, &branches).await?;
    projects_and_activities(app, &mut g.rng, &branches).await?;
    crate::figures::set_default_dates(app, &system, Some(d), b).await?;

    let mut accounts = Vec::new();
    for (label, username, display, role, scope) in [
        ("团区委管理员", "demo", "演示管理员", "district_admin", "CY"),
        ("街道管理员", "liuting", "流亭街道团工委", "org_admin", "CY02T"),
    ] {
        let password = crate::crypto::one_time_password();
        let form = NewUser {
            username: username.into(),
            display_name: display.into(),
            role_code: role.into(),
            scope_code: scope.into(),
            password: Some(password.clone()),
        };
        users::create(app, &system, &form).await?;
        accounts.push((label, username, password));
    }
    Ok(DemoLogins { accounts })
}

fn community_name(code: &str) -> String {
    // `CY02-07` → the name given to that community above.
    let (street, n) = code.split_once('-').unwrap_or((code, "0"));
    let n: usize = n.parse().unwrap_or(0);
    let short = STREETS.iter().find(|s| s.0 == street).map_or("", |s| s.1.trim_end_matches("街道"));
    let suffix = if n.is_multiple_of(4) { "村" } else { "社区" };
    format!("{short}第{n}{suffix}")
}

/// The work force (O8) and the cadres (C1, C2, C4).
async fn people_and_positions(app: &App, g: &mut Gen, b: NaiveDate, d: NaiveDate) -> Result<Vec<i64>, AppError> {
    const AT_BASELINE: usize = 1517; // 41 per 10,000 of 370,000 youth
    const LEFT_SINCE: usize = 37; // held a post at the baseline, left before the as-of date
    const AT_AS_OF: usize = 4812; // 126 per 10,000 of 381,900 youth
    let newcomers = AT_AS_OF - (AT_BASELINE - LEFT_SINCE);
    let total = AT_BASELINE + newcomers + 11 + 60;

    let mut people_forms = Vec::with_capacity(total);
    for n in 0..total {
        // Birth day and sequence digits together are unique for n < 5800 (37 is prime to 5800).
        let birth = date(1988, 1, 1).checked_add_days(Days::new((n as u64 * 37) % 5800)).unwrap_or_default();
        let first17 = format!("370214{}{:03}", birth.format("%Y%m%d"), n % 1000);
        let id = format!("{first17}{}", check_char(&first17).unwrap_or('0'));
        let name = format!(
            "{}{}{}",
            SURNAMES.choose(&mut g.rng).copied().unwrap_or("王"),
            GIVEN.choose(&mut g.rng).copied().unwrap_or("伟"),
            if n % 3 == 0 { GIVEN.choose(&mut g.rng).copied().unwrap_or("") } else { "" }
        );
        people_forms.push(NewPerson {
            name,
            id_number: id,
            phone: format!("1{}{:09}", 3 + n % 7, 100_000_000 + n),
            political_status: if n % 5 == 0 { "party_member".into() } else { "league_member".into() },
            ..NewPerson::default()
        });
    }
    let ids = people::create_batch(app, &Actor::system(), &people_forms).await.map_err(fail)?;

    let old_social: Vec<usize> = (0..g.social.len()).filter(|i| g.social[*i].founded <= date(2020, 6, 30)).collect();
    let all_social: Vec<usize> = (0..g.social.len()).collect();
    let branch_codes: Vec<usize> =
        (0..g.social.len()).filter(|i| g.social[*i].code.ends_with('B') && g.social[*i].code.contains('-')).collect();
    let street_committees: Vec<usize> =
        (0..g.social.len()).filter(|i| g.social[*i].code.len() == 5 && g.social[*i].code.ends_with('T')).collect();

    let mut forms: Vec<NewPosition> = Vec::new();
    let position = |person: i64,
                    org: &str,
                    title: &str,
                    employment: &str,
                    source: &str,
                    level: &str,
                    start: NaiveDate,
                    end: Option<NaiveDate>| NewPosition {
        id_number: String::new(),
        name: String::new(),
        person_id: Some(person),
        org_code: org.into(),
        title: title.into(),
        employment: employment.into(),
        source: source.into(),
        serving_level: level.into(),
        start_on: start.to_string(),
        end_on: end.map(|e| e.to_string()).unwrap_or_default(),
    };
    let mut next = 0;
    let mut take = || {
        next += 1;
        ids[next - 1]
    };

    // C1, C2: a secretary for every community branch; 77 from the "two committees", 33 good rural youth.
    let mut sources: Vec<&str> = std::iter::repeat_n("two_committees", 77)
        .chain(std::iter::repeat_n("good_rural_youth", 33))
        .chain(std::iter::repeat_n("election", branch_codes.len().saturating_sub(110)))
        .collect();
    sources.shuffle(&mut g.rng);
    let mut veterans_used = 0;
    let mut newcomers_used = 0;
    // Secretaries are placed after the veterans and newcomers are split, so track both pools.
    let mut veteran_posts: Vec<(i64, usize, NaiveDate)> = Vec::new();
    let mut newcomer_posts: Vec<(i64, usize, NaiveDate)> = Vec::new();
    for (i, org) in branch_codes.iter().enumerate() {
        let founded = g.social[*org].founded;
        let source = sources.get(i).copied().unwrap_or("election");
        if founded <= date(2020, 6, 30) && i % 2 == 0 && veterans_used < AT_BASELINE - LEFT_SINCE {
            let start = g.day_between(founded.max(date(2016, 1, 1)), date(2020, 11, 30));
            veteran_posts.push((take(), *org, start));
            forms.push(position(
                veteran_posts.last().map_or(0, |p| p.0),
                &g.social[*org].code,
                "secretary",
                "part_time",
                source,
                "",
                start,
                None,
            ));
            veterans_used += 1;
        } else {
            let start = g.day_between(founded.max(b).succ_opt().unwrap_or(b), d.pred_opt().unwrap_or(d));
            let who = ids[AT_BASELINE + newcomers_used];
            newcomers_used += 1;
            newcomer_posts.push((who, *org, start));
            forms.push(position(who, &g.social[*org].code, "secretary", "part_time", source, "", start, None));
        }
    }
    // The rest of the veterans: posts in organisations that existed before the reform; some left.
    while veterans_used < AT_BASELINE {
        let org = *old_social.choose(&mut g.rng).unwrap_or(&0);
        let start = g.day_between(g.social[org].founded.max(date(2015, 1, 1)), date(2020, 11, 30));
        let who = take();
        let end =
            (veterans_used >= AT_BASELINE - LEFT_SINCE).then(|| g.day_between(date(2021, 2, 1), date(2022, 4, 30)));
        let (title, employment) = [
            ("member", "part_time"),
            ("staff", "social_worker"),
            ("member", "volunteer_core"),
            ("deputy_secretary", "part_time"),
        ][veterans_used % 4];
        forms.push(position(who, &g.social[org].code, title, employment, "election", "", start, end));
        veteran_posts.push((who, org, start));
        veterans_used += 1;
    }
    // C4: 32 young people selected to street working committees, four per street.
    for (i, org) in street_committees.iter().cycle().take(32).enumerate() {
        let who = ids[AT_BASELINE + newcomers_used];
        newcomers_used += 1;
        let start = g.day_between(date(2021, 3, 1), date(2022, 3, 31));
        let employment = if i % 2 == 0 { "seconded" } else { "part_time" };
        forms.push(position(
            who,
            &g.social[*org].code,
            "member",
            employment,
            "social_selection",
            "street",
            start,
            None,
        ));
        newcomer_posts.push((who, *org, start));
    }
    // The rest of the newcomers, in any social-domain organisation existing when they start.
    while newcomers_used < newcomers {
        let org = *all_social.choose(&mut g.rng).unwrap_or(&0);
        let start = g.day_between(g.social[org].founded.max(b).succ_opt().unwrap_or(b), d.pred_opt().unwrap_or(d));
        let who = ids[AT_BASELINE + newcomers_used];
        newcomers_used += 1;
        let (title, employment, source) = [
            ("member", "part_time", "election"),
            ("staff", "social_worker", "purchased_service"),
            ("member", "volunteer_core", "other"),
            ("director", "full_time", "social_selection"),
        ][newcomers_used % 4];
        forms.push(position(who, &g.social[org].code, title, employment, source, "", start, None));
        newcomer_posts.push((who, org, start));
    }
    // 300 people hold a second post: counted once.
    for (who, _, start) in newcomer_posts.iter().take(300) {
        let org = *all_social.choose(&mut g.rng).unwrap_or(&0);
        let second = (*start).max(g.social[org].founded).succ_opt().unwrap_or(*start);
        if second < d {
            forms.push(position(*who, &g.social[org].code, "member", "volunteer_core", "other", "", second, None));
        }
    }
    // C4: 11 young people selected to the district committee (not in the social domain).
    let base = AT_BASELINE + newcomers;
    for i in 0..11 {
        let start = g.day_between(date(2021, 3, 1), date(2022, 3, 31));
        forms.push(position(
            ids[base + i],
            "CY",
            "member",
            if i % 2 == 0 { "seconded" } else { "part_time" },
            "social_selection",
            "district",
            start,
            None,
        ));
    }
    // Staff of schools and government bodies: not the social-domain work force.
    // (From 2020-09-01, or from the org's founding if it came later: no post predates its org.)
    let traditional: Vec<(String, NaiveDate)> = g
        .orgs
        .iter()
        .filter(|o| matches!(o.sector_code.as_str(), "education" | "government"))
        .map(|o| (o.code.clone(), o.founded_on.parse().unwrap_or(date(2020, 9, 1))))
        .collect();
    for i in 0..60 {
        let Some((org, founded)) = traditional.get(i % traditional.len().max(1)) else { break };
        forms.push(position(
            ids[base + 11 + i],
            org,
            if i % 6 == 0 { "secretary" } else { "member" },
            "full_time",
            "election",
            "",
            date(2020, 9, 1).max(*founded),
            None,
        ));
    }
    positions::create_batch(app, &Actor::system(), &forms).await.map_err(fail)?;
    Ok(ids)
}

/// P8: the spring-2022 epidemic mobilisation. From 2022-03-01 to 2022-05-31: 131 commando teams,
/// recruitment calls with 200 shifts, 3,284 turn-outs, 970,500 people served, 152,300 yuan in money
/// and goods — all as individual records.
async fn mobilisation(app: &App, rng: &mut StdRng, volunteers: &[i64], branches: &[String]) -> Result<(), AppError> {
    use crate::volunteering::{self, Attendance, NewCall, NewDonation, NewShift, NewTeam};
    use chrono::NaiveTime;
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
        };
        shift_ids.extend(volunteering::create_call(app, &system, &form).await?.1);
    }
    let shift_days: Vec<NaiveDate> = {
        use sea_orm::EntityTrait;
        let mut days = Vec::with_capacity(shift_ids.len());
        for id in &shift_ids {
            days.push(
                qingtuan_entity::shift::Entity::find_by_id(*id)
                    .one(&app.db)
                    .await?
                    .map(|s| s.on_date)
                    .unwrap_or_default(),
            );
        }
        days
    };
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
fn participant(rng: &mut StdRng, born: std::ops::Range<i32>, child: bool) -> crate::portal::SignupForm {
    let name = |rng: &mut StdRng| {
        let s = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let g1 = GIVEN[rng.gen_range(0..GIVEN.len())];
        let g2 = if rng.gen_bool(0.6) { GIVEN[rng.gen_range(0..GIVEN.len())] } else { "" };
        (s, format!("{s}{g1}{g2}"))
    };
    let (surname, full) = name(rng);
    crate::portal::SignupForm {
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
async fn projects_and_activities(app: &App, rng: &mut StdRng, branches: &[String]) -> Result<(), AppError> {
    use crate::activities::{self, NewActivity, NewProject};
    use chrono::NaiveTime;
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
        project: Option<i64>,
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
            real_name: false,
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
            real_name: false,
        };
        activities::create_activity(app, &system, &form).await?;
    }
    // A recruitment call with a shift today, to try the sign-up and the QR check-in.
    use crate::volunteering::{self, NewCall, NewShift};
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
        published_on: today,
        real_name: false,
        shifts: vec![shift(today, 8, 20), shift(ahead(3), 9, 12)],
    };
    volunteering::create_call(app, &system, &call).await?;
    Ok(())
}
