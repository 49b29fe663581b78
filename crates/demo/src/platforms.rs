//! The demo's platforms (P6, P7): youth societies whose link history, kept change by change, yields
//! +15 directly and +92 effectively linked societies between the baseline and the report date; and
//! 229 online youth communities across the three levels and four types whose latest member counts
//! on 2022-05-31 add up to 17,155, a few of them with member lists.

use super::*;
use qingtuan_app::platforms::MemberCount;
use qingtuan_app::platforms::communities::{self, NewCommunity};
use qingtuan_app::platforms::societies::{self, LinkChange, NewSociety};
use qingtuan_domain::ids::CommunityId;

const SOCIETY_KINDS: [&str; 6] = ["interest", "industry", "public_welfare", "campus", "culture", "other"];
const SOCIETY_NAMES: [&str; 12] = [
    "青年摄影协会",
    "青年电商协会",
    "青年志愿者协会",
    "大学生创业社",
    "青年书画社",
    "青年户外联盟",
    "青年跑步俱乐部",
    "新就业青年联谊会",
    "青年非遗传承社",
    "青年街舞社",
    "青年法律服务社",
    "青年读书会",
];

/// The societies, group by group: (how many, founded, level at registration and since when, the
/// change after the baseline). On 2020-12-31: 5 direct, 30 effective. On 2022-05-31: 20 direct
/// (+15: 12 raised, 3 new), 122 effective (+92: 40 newly linked and 65 new, less 12 raised to direct and one dissolved).
pub(super) async fn societies(app: &App) -> Result<(), AppError> {
    let system = Actor::system();
    type Group = (usize, &'static str, &'static str, Option<(&'static str, &'static str)>);
    let groups: [Group; 6] = [
        (5, "2018-06-01", "direct", None),
        (12, "2019-03-01", "effective", Some(("direct", "建立社团团支部"))),
        (18, "2019-05-04", "effective", None),
        (40, "2019-09-01", "none", Some(("effective", "纳入青年之家联系服务"))),
        (3, "2021-06-01", "direct", None),
        (65, "2021-09-01", "effective", None),
    ];
    let mut n = 0usize;
    let mut dissolve = None;
    for (g, (count, founded, level, change)) in groups.into_iter().enumerate() {
        for k in 0..count {
            let (street, name, _) = STREETS[n % STREETS.len()];
            let founded_on = if g >= 4 {
                // Founded after the reform, spread over 2021 and early 2022.
                date(2021, 6, 1).checked_add_days(Days::new((k as u64 * 7) % 330)).unwrap_or_default()
            } else {
                NaiveDate::parse_from_str(founded, "%Y-%m-%d").unwrap_or_default()
            };
            let form = NewSociety {
                org_code: format!("{street}T"),
                name: format!("{}{}（{}）", name.trim_end_matches("街道"), SOCIETY_NAMES[n % 12], n / 12 + 1),
                kind: SOCIETY_KINDS[n % SOCIETY_KINDS.len()].into(),
                region_code: street.into(),
                founded_on: founded_on.to_string(),
                level: level.into(),
                linked_on: String::new(),
                members: (15 + (n * 13) % 90).to_string(),
                counted_on: "2022-05-31".into(),
            };
            let id = societies::create(app, &system, &form).await?;
            if let Some((to, reason)) = change {
                let on = date(2021, 3, 1).checked_add_days(Days::new((k as u64 * 11) % 420)).unwrap_or_default();
                let change = LinkChange { level: to.into(), on_date: on.to_string(), reason: reason.into() };
                societies::change_link(app, &system, id, &change).await?;
            }
            if g == 2 && k == 0 {
                dissolve = Some(id);
            }
            n += 1;
        }
    }
    // One of the effectively linked societies of before the reform stopped in 2022: 92 = 40 + 65 − 12 − 1.
    if let Some(id) = dissolve {
        societies::dissolve(app, &system, id, "2022-03-31").await?;
    }
    Ok(())
}

/// The communities on 2022-05-31: 9 district-level, 48 street-level (six per street) and 172
/// community-level (one per community branch, in order), of the four types in turn; two more were
/// closed in April 2022. Each has a count read at the end of 2020 and of 2021 (when it existed) and one in May
/// 2022, the latest of which add up to 17,155.
pub(super) async fn communities(app: &App, branches: &[String]) -> Result<(), AppError> {
    let system = Actor::system();
    const TYPES: [(&str, &str); 4] =
        [("industry", "行业"), ("system", "系统"), ("interest", "兴趣"), ("mutual_aid", "互助")];
    const MEMBERS: i64 = 17_155;
    // Each owner with the place its communities are named after.
    let mut owners: Vec<(String, &str, String)> = Vec::new();
    for _ in 0..9 {
        owners.push(("CY".into(), "district", "城阳".into()));
    }
    for (street, name, _) in STREETS {
        for _ in 0..6 {
            owners.push((format!("{street}T"), "street", name.into()));
        }
    }
    for branch in branches.iter().cycle().take(172) {
        owners.push((branch.clone(), "community", community_name(branch.trim_end_matches('B'))));
    }
    let total = owners.len();
    let mut sum = 0;
    let mut ids: Vec<CommunityId> = Vec::with_capacity(total + 2);
    for (i, (org, level, place)) in owners.into_iter().enumerate() {
        // A third were set up before the reform, the rest after it.
        let created = if i % 3 == 0 {
            date(2019, 4, 1).checked_add_days(Days::new(i as u64 % 500)).unwrap_or_default()
        } else {
            date(2021, 2, 1).checked_add_days(Days::new(i as u64 % 300)).unwrap_or_default()
        };
        let members = if i + 1 == total { MEMBERS - sum } else { 40 + (i as i64 * 37) % 70 };
        sum += members;
        let form = NewCommunity {
            org_code: org,
            name: format!("{place}青年{}群（{}）", TYPES[i % 4].1, i + 1),
            platform: if i % 5 == 4 { "qq" } else { "wechat" }.into(),
            level: level.into(),
            community_type: TYPES[i % 4].0.into(),
            admin_id_number: String::new(),
            admin_name: String::new(),
            created_on: created.to_string(),
            members: members.to_string(),
            counted_on: "2022-05-20".into(),
        };
        let id = communities::create(app, &system, &form).await?;
        if created <= baseline() {
            let before = MemberCount { on_date: baseline().to_string(), members: (members * 3 / 5).to_string() };
            communities::count_members(app, &system, id, &before).await?;
        }
        if created < date(2021, 12, 31) {
            let earlier = MemberCount { on_date: "2021-12-31".into(), members: (members * 4 / 5).to_string() };
            communities::count_members(app, &system, id, &earlier).await?;
        }
        ids.push(id);
    }
    for (k, street) in ["CY01", "CY05"].iter().enumerate() {
        let form = NewCommunity {
            org_code: format!("{street}T"),
            name: format!("防疫临时互助群{}", k + 1),
            platform: "wechat".into(),
            level: "street".into(),
            community_type: "mutual_aid".into(),
            admin_id_number: String::new(),
            admin_name: String::new(),
            created_on: "2022-03-10".into(),
            members: "480".into(),
            counted_on: "2022-03-20".into(),
        };
        let id = communities::create(app, &system, &form).await?;
        communities::close(app, &system, id, "2022-04-30").await?;
    }
    // Member lists of six street groups, from one pool of 150 phones: people in several groups
    // are reached once.
    for (k, id) in ids.iter().skip(9).take(6).enumerate() {
        let csv: String = std::iter::once("群昵称,手机号码\n".to_owned())
            .chain((0..40).map(|j| format!("成员{},1390000{:04}\n", j, (k * 22 + j) % 150)))
            .collect();
        communities::list_members(app, &system, *id, "2022-05-20", "members.csv", csv.as_bytes()).await?;
    }
    Ok(())
}

/// A unified social credit code from its first 17 characters.
fn credit_code(first17: &str) -> String {
    format!("{first17}{}", qingtuan_domain::partner::credit_check_char(first17).unwrap_or('0'))
}

/// The rural commercial bank's credit code: the demo's partner with an account of its own.
pub(super) fn bank_code() -> String {
    credit_code("91370200MA3P4T6K1")
}

/// P1: the Youth Home network's resources, 2021 to May 2022. Fiscal: the district's league-building
/// budget, 450,000 yuan in 2021 and 200,000 in 2022. Social, besides the spring donations
/// volunteering recorded: the business park's space for the entrepreneurship centre, the rural
/// commercial bank's sponsorship, the university's volunteer tutors' hours, an association's goods.
pub(super) async fn ledger(app: &App) -> Result<(), AppError> {
    use qingtuan_app::platforms::ledger::{self, NewLine};
    use qingtuan_app::registry::partners::{self, NewPartner};
    let system = Actor::system();
    let code = credit_code;
    let park = code("91370214MA3C8E1X5");
    let bank = bank_code();
    let university = code("12370000MB2853761");
    let association = code("51370214MJD7R2Q8A");
    for (credit, name, kind, contact) in [
        (&park, "青岛天安数码城投资有限公司", "enterprise", "园区运营部"),
        (&bank, "青岛农村商业银行城阳支行", "bank", "普惠金融部"),
        (&university, "青岛城阳某职业技术学院", "university", "校团委"),
        (&association, "城阳区电子商务行业协会", "association", "秘书处"),
    ] {
        let partner = NewPartner {
            org_code: "CY".into(),
            name: name.into(),
            credit_code: credit.clone(),
            kind: kind.into(),
            contact_name: contact.into(),
            contact_phone: "13905321000".into(),
        };
        let id = partners::create(app, &system, &partner).await?;
        if kind != "association" {
            let agreement = qingtuan_app::platforms::partners::NewAgreement {
                org_code: "CY".into(),
                title: format!("共青团城阳区委与{name}共建青年之家合作协议"),
                scope: match kind {
                    "enterprise" => "提供青年人才创业中心和公益直播间场地",
                    "bank" => "“青创先锋贷”推荐与审批；青年之家活动赞助",
                    _ => "大学生志愿者到青年之家开展四点半课堂辅导",
                }
                .into(),
                starts_on: "2021-01-01".into(),
                ends_on: "2023-12-31".into(),
            };
            qingtuan_app::platforms::partners::sign(app, &system, id, &agreement).await?;
        }
    }
    let fiscal = |amount: &str, on: &str, purpose: &str| NewLine {
        org_code: "CY".into(),
        funding: "fiscal".into(),
        budget: "区级团建工作经费".into(),
        kind: "money".into(),
        amount: amount.into(),
        purpose_kind: "venue".into(),
        purpose: purpose.into(),
        on_date: on.into(),
        ..NewLine::default()
    };
    let social = |partner: &str, kind: &str, value: (&str, &str, &str), purpose: (&str, &str), on: &str| NewLine {
        org_code: "CY".into(),
        funding: "social".into(),
        donor_kind: "partner".into(),
        partner_code: partner.into(),
        kind: kind.into(),
        amount: value.0.into(),
        units: value.1.into(),
        rate: value.2.into(),
        purpose_kind: purpose.0.into(),
        purpose: purpose.1.into(),
        on_date: on.into(),
        ..NewLine::default()
    };
    let lines = [
        fiscal("300000", "2021-03-15", "青年之家旗舰店建设"),
        fiscal("150000", "2021-09-01", "青年之家阵地运营"),
        fiscal("200000", "2022-02-15", "青年之家阵地运营"),
        social(&park, "space", ("", "17", "40000"), ("venue", "青年人才创业中心办公场地"), "2021-01-10"),
        social(&bank, "money", ("200000", "", ""), ("project", ""), "2021-05-04"),
        social(&university, "service", ("", "1200", "150"), ("activity", "青年之家四点半课堂志愿辅导"), "2021-10-01"),
        social(&association, "goods", ("36000", "", ""), ("venue", "直播间设备"), "2021-11-20"),
        social(&park, "space", ("", "12", "15000"), ("venue", "青年之家公益直播间"), "2022-01-05"),
    ];
    for line in &lines {
        ledger::record(app, &system, line).await?;
    }
    Ok(())
}

/// An app whose clock reads `hour` o'clock (local) on `day`.
fn at(app: &App, day: NaiveDate, hour: u32) -> App {
    let mut then = app.clone();
    let local = chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
    then.clock = std::sync::Arc::new(qingtuan_app::ManualClock::new(qingtuan_domain::time::local_instant(day, local)));
    then
}

/// P1, P2, P5: the Youth Home flagship (opened with the reform) with its shared workstations,
/// public-welfare live-stream room and meeting room, a Youth Home in each of two streets, the
/// youth talent entrepreneurship centre at Tian'an Digital City built around the national May 4th
/// red-flag branch, and the government-services e-hall as a service point. Spring 2022's bookings
/// of the flagship's spaces, made the day before and checked in on the day (a few no-shows). The
/// flagship is run by three of the social workers the district buys the service of.
pub(super) async fn venues(
    app: &App,
    red_flag_branch: &str,
    social_workers: &[staff::Selected],
) -> Result<(), AppError> {
    use qingtuan_app::platforms::venues::{self, DeskAction, DeskBooking, NewSpace, NewTeamMember, NewVenue, Slot};
    let system = Actor::system();
    let venue = |org: &str,
                 name: &str,
                 kind: &str,
                 flagship: bool,
                 region: &str,
                 address: &str,
                 honours: &str,
                 opened: &str| NewVenue {
        org_code: org.into(),
        name: name.into(),
        kind: kind.into(),
        flagship: if flagship { "true" } else { "" }.into(),
        region_code: region.into(),
        address: address.into(),
        hours: "周一至周五 9:00–21:00，周末 9:00–17:00".into(),
        honours: honours.into(),
        opened_on: opened.into(),
    };
    let flagship = venues::create(
        app,
        &system,
        &venue(
            "CY",
            "城阳区青年之家旗舰店",
            "youth_home",
            true,
            "CY01",
            "城阳区正阳路青年创业大厦一层",
            "",
            "2021-05-04",
        ),
    )
    .await?;
    // The flagship is run by social workers the district buys the service of.
    for w in social_workers.iter().take(3) {
        let member = NewTeamMember {
            id_number: w.id_number.clone(),
            name: w.name.clone(),
            role: "social_worker".into(),
            since: "2021-05-04".into(),
        };
        venues::add_team_member(app, &system, flagship, &member).await?;
    }
    for (org, name, region, address) in [
        ("CY02T", "流亭街道青年之家", "CY02", "流亭街道双元路社区服务中心二层"),
        ("CY08T", "河套街道青年之家", "CY08", "河套街道党群服务中心三层"),
    ] {
        venues::create(app, &system, &venue(org, name, "youth_home", false, region, address, "", "2021-09-01")).await?;
    }
    venues::create(
        app,
        &system,
        &venue(
            red_flag_branch,
            "青年人才创业中心",
            "entrepreneurship_centre",
            false,
            "CY01",
            "天安数码城 6 号楼",
            "全国五四红旗团支部",
            "2021-06-18",
        ),
    )
    .await?;
    venues::create(
        app,
        &system,
        &venue(
            "CY",
            "政务服务e厅（园区服务点）",
            "service_point",
            false,
            "CY01",
            "天安数码城 1 号楼大厅",
            "",
            "2021-10-08",
        ),
    )
    .await?;
    let space = |name: &str, capacity: &str, opens: &str, closes: &str, weekdays: &str| NewSpace {
        name: name.into(),
        capacity: capacity.into(),
        opens: opens.into(),
        closes: closes.into(),
        weekdays: weekdays.into(),
    };
    let mut spaces = Vec::new();
    for s in [
        space("共享工位", "24", "09:00", "21:00", "1234567"),
        space("公益直播间", "6", "09:00", "21:00", "123456"),
        space("青年会议室", "30", "09:00", "17:00", "12345"),
    ] {
        spaces.push(venues::add_space(app, &system, flagship, &s).await?);
    }
    // Spring 2022: every other weekday, the live-stream room or the meeting room.
    let bookers = ["CY01T", "CY02T", "CY03T", "CY05T", "CY08T"];
    let purposes = ["青年电商直播带货培训", "创业项目路演", "青年之家议事会", "公益直播：助农产品"];
    let mut day = date(2022, 3, 1);
    let mut n = 0usize;
    while day <= date(2022, 5, 27) {
        if chrono::Datelike::weekday(&day).number_from_monday() <= 5 && n.is_multiple_of(2) {
            let room = spaces[1 + (n / 2) % 2];
            let (starts, ends) = [("09:30", "11:30"), ("14:00", "16:00"), ("15:00", "17:00")][n % 3];
            let form = DeskBooking {
                booker_kind: "org".into(),
                org_code: bookers[n % bookers.len()].into(),
                name: "团干部".into(),
                slot: Slot {
                    space_id: room.to_string(),
                    on_date: day.to_string(),
                    starts: starts.into(),
                    ends: ends.into(),
                    attendees: "5".into(),
                    purpose: purposes[n % purposes.len()].into(),
                },
                ..DeskBooking::default()
            };
            let the_day_before = at(app, day.pred_opt().unwrap_or(day), 10);
            let id = venues::book(&the_day_before, &system, flagship, &form).await?;
            if n % 9 == 4 {
                venues::act(&at(app, day, 20), &system, id, DeskAction::NoShow, "").await?;
            } else {
                venues::act(&at(app, day, 9), &system, id, DeskAction::CheckIn, "").await?;
            }
        }
        n += 1;
        day = day.succ_opt().unwrap_or(day);
    }
    Ok(())
}
