//! The indicator catalogue: every figure the product reports, with a stable key, a Chinese name, a
//! unit, a plain definition shown beside the figure, so users always know what was counted — and
//! the rule that counts it. The figures engine (`app::figures`) walks this catalogue and evaluates
//! each entry's rule, so adding an indicator is adding one entry here.

use crate::cabin::VisitKind;
use crate::consultation::{CaseCategory, CaseOutcome};
use crate::loan::LoanStage;
use crate::org::OrgKind;
use crate::platform::{BookingState, CommunityLevel, CommunityType, ContributionKind, Funding, LinkLevel, Purpose};
use crate::position::{CadreSource, Employment, ServingLevel, Title};
use crate::region::{OrgBasis, RegionKind};
use crate::station::StationService;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// What exists on a date; compared with the same count on the baseline date.
    Stock,
    /// What was founded or started after the baseline date, up to the as-of date.
    SinceBaseline,
    /// What happened in a period (from the "from" date to the as-of date), compared with the
    /// period of the same length just before it.
    Flow,
}

impl Measure {
    /// What a figure of this measure is compared with, as the comparison says it.
    pub fn compared_with(self) -> &'static str {
        match self {
            Self::Flow => "上一同长时段",
            Self::Stock | Self::SinceBaseline => "基准",
        }
    }
}

/// Which organisations an org rule counts. Every condition holds on the date counted: the org
/// exists (founded on or before it, not dissolved on or before it) and lies in the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgMatch {
    /// One kind; `None`: every kind of league organisation proper (`OrgKind::is_league_org`).
    pub kind: Option<OrgKind>,
    /// Only orgs whose sector is marked as social domain.
    pub social_domain: bool,
    pub basis: Option<OrgBasis>,
    /// Only orgs located in a region of this level (community covers villages).
    pub located: Option<RegionKind>,
}

impl OrgMatch {
    pub const LEAGUE: Self = Self { kind: None, social_domain: false, basis: None, located: None };

    pub const fn of_kind(kind: OrgKind) -> Self {
        Self { kind: Some(kind), ..Self::LEAGUE }
    }
    pub const fn in_social_domain(self) -> Self {
        Self { social_domain: true, ..self }
    }
    pub const fn basis(self, basis: OrgBasis) -> Self {
        Self { basis: Some(basis), ..self }
    }
    pub const fn located(self, level: RegionKind) -> Self {
        Self { located: Some(level), ..self }
    }
}

/// Which posts a people rule counts; an empty list allows any value. A post counts on a date when
/// it is held then (started on or before it, not ended on or before it) in an org that exists then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostMatch {
    pub titles: &'static [Title],
    pub sources: &'static [CadreSource],
    pub employments: &'static [Employment],
    pub serving_levels: &'static [ServingLevel],
}

impl PostMatch {
    pub const ANY: Self = Self { titles: &[], sources: &[], employments: &[], serving_levels: &[] };

    pub const fn titles(self, titles: &'static [Title]) -> Self {
        Self { titles, ..self }
    }
    pub const fn sources(self, sources: &'static [CadreSource]) -> Self {
        Self { sources, ..self }
    }
    pub const fn employments(self, employments: &'static [Employment]) -> Self {
        Self { employments, ..self }
    }
    pub const fn serving_levels(self, serving_levels: &'static [ServingLevel]) -> Self {
        Self { serving_levels, ..self }
    }

    /// Does every post this matches also match `wider`?
    pub fn within(&self, wider: &PostMatch) -> bool {
        fn subset<T: PartialEq>(narrow: &[T], wide: &[T]) -> bool {
            wide.is_empty() || (!narrow.is_empty() && narrow.iter().all(|n| wide.contains(n)))
        }
        subset(self.titles, wider.titles)
            && subset(self.sources, wider.sources)
            && subset(self.employments, wider.employments)
            && subset(self.serving_levels, wider.serving_levels)
    }
}

/// A quantity recorded by the work of a period: summed over the records dated in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Sign-ups to activities held in the period, cancelled ones left out.
    ActivitySignups,
    /// Of those, the ones the organiser recorded as attended.
    ActivityAttendance,
    /// People served recorded on activities held in the period.
    PeopleServedAtActivities,
    /// Volunteer teams that existed at some time in the period.
    TeamsActive,
    /// Turn-outs at recruitment calls' shifts in the period.
    Turnouts,
    /// Minutes credited to those turn-outs.
    CreditedMinutes,
    /// Minutes of approved hour adjustments dated in the period (negative when taken away).
    AdjustedMinutes,
    /// People served recorded on shifts in the period.
    PeopleServedAtShifts,
    /// Ledger lines dated in the period, of this funding and kind (or any kind), at their value in
    /// fen; donations are social money and goods.
    Contributed(Funding, Option<ContributionKind>),
    /// Bookings of venues' spaces, run by orgs of the scope, in the period that ended in this
    /// state (used or no-show).
    Bookings(BookingState),
    /// Responsibility letters signed in the period by orgs of the scope.
    LettersSigned,
    /// Mutual inspections held in the period at orgs of the scope.
    Inspections,
    /// Rectification items of orgs of the scope closed in the period.
    RectificationsClosed,
    /// Duty-report review rounds held in the period by orgs of the scope.
    ReviewRounds,
    /// Orgs of the scope graded in a review round concluded in the period (one per round).
    ReviewedReporters,
    /// Of those, the ones graded 好.
    ReviewedGood,
    /// Openings of open selection whose application window opened in the period, in orgs of the
    /// scope.
    Openings,
    /// Applications to openings of orgs of the scope whose window closed in the period.
    Applications,
    /// Applicants appointed in the period to posts in orgs of the scope — at this serving level
    /// and by this employment, or any.
    Appointments(Option<ServingLevel>, Option<Employment>),
    /// The amounts, in fen, of the service contracts orgs of the scope signed, starting in the
    /// period.
    ContractAmounts,
    /// Loan applications handled by orgs of the scope that reached this step in the period (by
    /// the step's date).
    Loans(LoanStage),
    /// The amounts, in fen, of the loans disbursed in the period.
    LoanAmounts,
    /// The jobs created, as the latest follow-up says, by the businesses whose loans were disbursed
    /// in the period.
    LoanJobs,
    /// Consultation cases taken in the period by orgs of the scope — of this category, or any.
    Cases(Option<CaseCategory>),
    /// Consultation cases closed in the period with this outcome.
    CasesClosed(CaseOutcome),
    /// Guests checked in at youth stations run by orgs of the scope in the period.
    StayCheckIns,
    /// Guests checked out in the period.
    StaysOut,
    /// The nights of the stays that ended in the period.
    StayNights,
    /// The nights guests spent at youth stations within the period (a stay across its edges
    /// counts only its nights inside; a guest still in counts to the period's last night).
    StayNightsWithin,
    /// The bed-nights youth stations offered within the period: each station's beds times the
    /// nights it was open in it.
    StationBedNights,
    /// Stays that ended in the period in which the guest received this service.
    StayServices(StationService),
    /// Stays that ended in the period whose guest a follow-up found employed in the district within
    /// the station's window after leaving.
    StaysEmployedLocal,
    /// Social ledger lines dated in the period for this purpose, at their value in fen.
    ContributedFor(Purpose),
    /// Visits to hope cabins' children of orgs of the scope in the period — of this kind, or any.
    CabinVisits(Option<VisitKind>),
}

/// Records that exist on a date: each counted once on the as-of date and on the baseline date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Records {
    /// Rectification items raised on or before the date and not closed by then.
    OpenRectifications,
    /// Of those, the ones past their deadline on the date.
    OverdueRectifications,
    /// Youth self-organisations founded on or before the date and not dissolved by then, guided
    /// by an org of the scope.
    SelfOrganisations,
    /// Service contracts of buying orgs of the scope in force on the date.
    ServiceContracts,
    /// Youth societies existing on the date, guided by an org of the scope, whose link level on
    /// the date (the latest change dated on or before it) is this one.
    SocietiesLinked(LinkLevel),
    /// Online communities existing on the date (created on or before it, not closed by then),
    /// owned by an org of the scope — of this level and this type, or any.
    Communities(Option<CommunityLevel>, Option<CommunityType>),
    /// The members of those communities: each one's latest member count dated on or before the
    /// date, summed.
    CommunityMembers,
    /// Different people (by phone) on the member lists of those communities, listed on or before
    /// the date: a person in three communities counts once.
    CommunityReach,
    /// Venues opened on or before the date and not closed by then, run by an org of the scope.
    Venues,
    /// Youth stations opened on or before the date and not closed by then, run by an org of the
    /// scope.
    Stations,
    /// Hope cabins of orgs of the scope built on or before the date.
    CabinsBuilt,
    /// Of those, the ones whose child was visited in the 91 days up to the date (a quarter).
    CabinsVisitedQuarterly,
}

/// How a flow's sum is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Count,
    /// Minutes shown as whole hours.
    Hours,
    /// Fen shown as whole yuan.
    Yuan,
}

impl Scale {
    pub fn apply(self, sum: i64) -> i64 {
        match self {
            Self::Count => sum,
            Self::Hours => (sum as f64 / 60.0).round() as i64,
            Self::Yuan => crate::money::Fen(sum).round_yuan(),
        }
    }
}

/// How an indicator is counted from the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Orgs that match and exist on the date.
    Orgs(OrgMatch),
    /// Orgs that match, were founded after the baseline date and exist on the as-of date.
    NewOrgs(OrgMatch),
    /// Regions of the level (in the scope's region) where a matching org located in the region
    /// exists on the date; the figure also says how many such regions there are.
    RegionsCovered(RegionKind, OrgMatch),
    /// Different people holding a matching post on the date.
    People(PostMatch),
    /// Different people holding any post in a social-domain org on the date (the regular work
    /// force, kept as merged periods per person).
    WorkForce,
    /// A people figure per 10,000 young people of the scope's region in the date's year.
    PerTenThousandYouth(&'static Indicator),
    /// The sum of these flows over the period, shown on this scale.
    Sum(&'static [Flow], Scale),
    /// The records existing on the date: counted, or — for members and reach — what the records
    /// say (`Records` tells which).
    Existing(Records),
    /// The first flow's sum over the period as a whole per cent of the second's.
    Share(Flow, Flow),
    /// The average completion, in whole per cent, of the responsibility letters signed in the
    /// period by orgs of the scope, each letter's targets measured on the as-of date (or on their
    /// due date, when earlier) by the other rules of this catalogue.
    TargetCompletion,
}

impl Rule {
    pub const fn measure(&self) -> Measure {
        match self {
            Self::NewOrgs(_) => Measure::SinceBaseline,
            Self::Sum(..) | Self::Share(..) | Self::TargetCompletion => Measure::Flow,
            Self::Orgs(_)
            | Self::RegionsCovered(..)
            | Self::People(_)
            | Self::WorkForce
            | Self::PerTenThousandYouth(_)
            | Self::Existing(_) => Measure::Stock,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Indicator {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub measure: Measure,
    pub definition: &'static str,
    /// The figure in the seed report this indicator proves (FIGURES.md ids).
    pub seed_ref: &'static str,
    #[serde(skip)]
    pub rule: Rule,
}

macro_rules! catalogue {
    ($($ident:ident = $key:literal, $name:literal, $unit:literal, $seed:literal, $rule:expr, $def:literal;)*) => {
        $(pub const $ident: Indicator = Indicator {
            key: $key, name: $name, unit: $unit, measure: $rule.measure(), seed_ref: $seed, definition: $def, rule: $rule,
        };)*
        /// Every indicator, in report order.
        pub const CATALOGUE: &[Indicator] = &[$($ident),*];
    };
}

const SECRETARY: &[Title] = &[Title::Secretary];
const SECONDED_OR_PART_TIME: &[Employment] = &[Employment::Seconded, Employment::PartTime];
const SOCIAL_SELECTION: &[CadreSource] = &[CadreSource::SocialSelection];
const YWC: OrgMatch = OrgMatch::of_kind(OrgKind::YouthWorkCommittee);
const PWC: OrgMatch = OrgMatch::of_kind(OrgKind::PioneerWorkCommittee);
const SOCIAL_MONEY: Flow = Flow::Contributed(Funding::Social, Some(ContributionKind::Money));
const SOCIAL_GOODS: Flow = Flow::Contributed(Funding::Social, Some(ContributionKind::Goods));
const FISCAL: Flow = Flow::Contributed(Funding::Fiscal, None);
const SOCIAL: Flow = Flow::Contributed(Funding::Social, None);

catalogue! {
    SOCIAL_DOMAIN_ORGS = "org.social_domain.count", "社会领域团组织数", "个", "O7",
        Rule::Orgs(OrgMatch::LEAGUE.in_social_domain()),
        "当日存续的团组织（团委、团工委、团总支、团支部、联合团支部）中，所属领域标记为“社会领域”的个数。";
    NEW_WORKING_COMMITTEES = "org.new.working_committees", "新成立团工委", "个", "O1 O2",
        Rule::NewOrgs(OrgMatch::of_kind(OrgKind::WorkingCommittee)),
        "基准日之后、统计日及之前成立且统计日仍存续的团工委个数。";
    NEW_INDUSTRY_WORKING_COMMITTEES = "org.new.industry_working_committees", "新成立行业系统团工委", "个", "O1",
        Rule::NewOrgs(OrgMatch::of_kind(OrgKind::WorkingCommittee).basis(OrgBasis::Industry)),
        "基准日之后成立、按行业系统组建（组建方式为“行业”）且统计日仍存续的团工委个数。";
    NEW_COMMUNITY_BRANCHES = "org.new.community_branches", "新成立社区团支部", "个", "O2",
        Rule::NewOrgs(OrgMatch::of_kind(OrgKind::Branch).located(RegionKind::Community)),
        "基准日之后成立、所在区域为社区或村且统计日仍存续的团支部个数。";
    STREETS_WITH_YOUTH_WORK_COMMITTEE = "coverage.streets.youth_work_committee", "成立青工委的街道", "个", "O3",
        Rule::RegionsCovered(RegionKind::Street, YWC),
        "当日有存续的街道级青工委（所在区域即该街道）的街道个数。";
    STREETS_WITH_PIONEER_WORK_COMMITTEE = "coverage.streets.pioneer_work_committee", "成立少工委的街道", "个", "O3",
        Rule::RegionsCovered(RegionKind::Street, PWC),
        "当日有存续的街道级少工委的街道个数。";
    COMMUNITIES_WITH_YOUTH_WORK_COMMITTEE = "coverage.communities.youth_work_committee", "成立青工委的社区", "个", "O4",
        Rule::RegionsCovered(RegionKind::Community, YWC),
        "当日有存续的社区级青工委（所在区域为该社区或村）的社区和村的个数。";
    COMMUNITIES_WITH_PIONEER_WORK_COMMITTEE = "coverage.communities.pioneer_work_committee", "成立少工委的社区", "个", "O4",
        Rule::RegionsCovered(RegionKind::Community, PWC),
        "当日有存续的社区级少工委的社区和村的个数。";
    COMMUNITIES_WITH_BRANCH = "coverage.communities.branch", "建有团支部的社区", "个", "O2",
        Rule::RegionsCovered(RegionKind::Community, OrgMatch::of_kind(OrgKind::Branch)),
        "当日有存续团支部（所在区域为该社区或村）的社区和村的个数。";
    INDUSTRY_YOUTH_WORK_COMMITTEES = "org.youth_work_committees.industry", "行业青工委", "个", "O5",
        Rule::Orgs(YWC.basis(OrgBasis::Industry)),
        "当日存续、按行业组建的青工委个数（如快递服务行业、文学艺术团体）。";
    AREA_YOUTH_WORK_COMMITTEES = "org.youth_work_committees.area", "区域化青工委", "个", "O6",
        Rule::Orgs(YWC.basis(OrgBasis::Area)),
        "当日存续、按园区商圈等区域组建的青工委个数。";
    WORKFORCE = "workforce.count", "社会领域经常性工作力量", "人", "O8",
        Rule::WorkForce,
        "当日在社会领域组织中有在岗职务的不同人数（一人多职只计一次）。";
    WORKFORCE_PER_10K = "workforce.per_10k_youth", "每万名青年对应工作力量", "人", "O8",
        Rule::PerTenThousandYouth(&WORKFORCE),
        "社会领域经常性工作力量 ÷ 统计范围内当年青年人口 × 10000，四舍五入到个位。";
    SECRETARIES_TWO_COMMITTEES = "secretaries.from_two_committees", "“两委”委员兼任团组织书记", "人", "C1",
        Rule::People(PostMatch::ANY.titles(SECRETARY).sources(&[CadreSource::TwoCommittees])),
        "当日在岗、职务为书记、来源为“两委委员”的不同人数。";
    SECRETARIES_GOOD_RURAL_YOUTH = "secretaries.good_rural_youth", "乡村好青年担任团组织书记", "人", "C2",
        Rule::People(PostMatch::ANY.titles(SECRETARY).sources(&[CadreSource::GoodRuralYouth])),
        "当日在岗、职务为书记、来源为“乡村好青年”的不同人数。";
    CADRES_DISTRICT = "cadres.seconded_part_time.district", "到团区委挂职兼职的青年", "人", "C4",
        Rule::People(PostMatch::ANY.employments(SECONDED_OR_PART_TIME).sources(SOCIAL_SELECTION).serving_levels(&[ServingLevel::District])),
        "当日在岗、任职方式为挂职或兼职、来源为社会化选拔、挂兼职层级为区级的不同人数。";
    CADRES_STREET = "cadres.seconded_part_time.street", "到街道团工委挂职兼职的青年", "人", "C4",
        Rule::People(PostMatch::ANY.employments(SECONDED_OR_PART_TIME).sources(SOCIAL_SELECTION).serving_levels(&[ServingLevel::Street])),
        "当日在岗、任职方式为挂职或兼职、来源为社会化选拔、挂兼职层级为街道级的不同人数。";
    VOLUNTEER_TEAMS = "volunteer.teams.count", "青年突击队", "支", "P8",
        Rule::Sum(&[Flow::TeamsActive], Scale::Count),
        "统计期内存续过（组建日不晚于期末、未在期初前解散）的青年突击队支数。";
    VOLUNTEER_TURNOUTS = "volunteer.turnouts", "出动志愿者", "人次", "P8",
        Rule::Sum(&[Flow::Turnouts], Scale::Count),
        "统计期内各招募令班次的志愿者出勤记录条数，一人参加一个班次计一人次。";
    VOLUNTEER_HOURS = "volunteer.hours", "志愿服务时长", "小时", "P8",
        Rule::Sum(&[Flow::CreditedMinutes, Flow::AdjustedMinutes], Scale::Hours),
        "统计期内计入的志愿服务时长之和：出勤达到班次时长规定比例（默认 60%）的，按实际出勤时间计；加上经上级组织批准的补录时长，减去核减的时长。";
    PEOPLE_SERVED = "volunteer.people_served", "志愿服务人次", "人次", "P8",
        Rule::Sum(&[Flow::PeopleServedAtShifts, Flow::PeopleServedAtActivities], Scale::Count),
        "统计期内各招募令班次和各项活动登记的服务对象人次之和。";
    DONATIONS = "donations.value_yuan", "捐款捐物", "元", "P8",
        Rule::Sum(&[SOCIAL_MONEY, SOCIAL_GOODS], Scale::Yuan),
        "统计期内登记的社会捐款金额与捐物折价之和（资源台账中来源为社会资源、类型为资金或物资的记录）。";
    DONATIONS_CASH = "donations.cash_yuan", "其中捐款", "元", "P8",
        Rule::Sum(&[SOCIAL_MONEY], Scale::Yuan),
        "统计期内登记的社会捐款金额之和。";
    DONATIONS_GOODS = "donations.goods_yuan", "其中捐物折价", "元", "P8",
        Rule::Sum(&[SOCIAL_GOODS], Scale::Yuan),
        "统计期内登记的社会捐物折价之和。";
    ACTIVITY_SIGNUPS = "activities.signups", "活动报名", "人次", "B1 B2 B3",
        Rule::Sum(&[Flow::ActivitySignups], Scale::Count),
        "统计期内举办的活动收到的报名人次（不含已取消的报名）。";
    ACTIVITY_ATTENDANCE = "activities.attendance", "活动参加", "人次", "B1 B2 B3",
        Rule::Sum(&[Flow::ActivityAttendance], Scale::Count),
        "统计期内举办的活动中，组织方登记为实际参加的人次。";
    LETTERS_SIGNED = "accountability.letters.signed", "签订责任状", "份", "C3",
        Rule::Sum(&[Flow::LettersSigned], Scale::Count),
        "统计期内统计范围内的组织与上级签订的责任状份数（按签订日期）。";
    LETTER_COMPLETION = "accountability.letters.completion", "责任状目标平均完成率", "%", "C3",
        Rule::TargetCompletion,
        "统计期内签订的各份责任状完成率的平均数，取整。一份责任状的完成率是其各项目标完成程度按权重的加权平均：定量目标按目标期间内系统统计的指标值（截至统计日，或目标截止日如更早）除以目标值，最多计 100%；定性目标按上级评定的分数（满分 100），未评定计 0。";
    INSPECTIONS = "accountability.inspections", "互检观摩", "次", "C3",
        Rule::Sum(&[Flow::Inspections], Scale::Count),
        "统计期内在统计范围内的组织开展的互检观摩次数（按检查日期，被检查组织在范围内）。";
    RECTIFICATIONS_OPEN = "accountability.rectifications.open", "未完成整改", "项", "C3",
        Rule::Existing(Records::OpenRectifications),
        "当日已提出、尚未完成的整改事项数（整改责任单位在统计范围内）。";
    RECTIFICATIONS_OVERDUE = "accountability.rectifications.overdue", "逾期未完成整改", "项", "C3",
        Rule::Existing(Records::OverdueRectifications),
        "当日尚未完成且已过整改期限（期限早于当日）的整改事项数。";
    RECTIFICATIONS_CLOSED = "accountability.rectifications.closed", "完成整改", "项", "C3",
        Rule::Sum(&[Flow::RectificationsClosed], Scale::Count),
        "统计期内完成（销号）的整改事项数（按完成日期）。";
    REVIEWS = "accountability.reviews", "述职评议", "次", "C3",
        Rule::Sum(&[Flow::ReviewRounds], Scale::Count),
        "统计期内统计范围内的组织举办的述职评议次数（按评议日期）。";
    REVIEWS_GOOD_SHARE = "accountability.reviews.good_share", "述职评议“好”等次占比", "%", "C3",
        Rule::Share(Flow::ReviewedGood, Flow::ReviewedReporters),
        "统计期内公布结果的述职评议中，统计范围内的述职单位被评为“好”的比例（取整）：评为“好”的单位次数除以参评单位次数。";
    SELECTION_OPENINGS = "selection.openings", "社会化选拔", "次", "C4",
        Rule::Sum(&[Flow::Openings], Scale::Count),
        "统计期内开始报名的社会化选拔次数（选拔岗位所在组织在统计范围内）。";
    SELECTION_APPLICATIONS = "selection.applications", "选拔报名", "人次", "C4",
        Rule::Sum(&[Flow::Applications], Scale::Count),
        "统计期内报名截止的社会化选拔收到的报名人次。";
    SELECTION_APPOINTMENTS = "selection.appointments", "选拔任用", "人", "C4",
        Rule::Sum(&[Flow::Appointments(None, None)], Scale::Count),
        "统计期内经社会化选拔（资格审查、考试、公示）任用的挂职、兼职干部人数（按任用日期）。";
    SELECTION_DISTRICT_SECONDED = "selection.appointments.district_seconded", "其中区级挂职", "人", "C4",
        Rule::Sum(&[Flow::Appointments(Some(ServingLevel::District), Some(Employment::Seconded))], Scale::Count),
        "统计期内经社会化选拔任用的区级挂职干部人数。";
    SELECTION_DISTRICT_PART_TIME = "selection.appointments.district_part_time", "其中区级兼职", "人", "C4",
        Rule::Sum(&[Flow::Appointments(Some(ServingLevel::District), Some(Employment::PartTime))], Scale::Count),
        "统计期内经社会化选拔任用的区级兼职干部人数。";
    SELECTION_STREET_SECONDED = "selection.appointments.street_seconded", "其中街道级挂职", "人", "C4",
        Rule::Sum(&[Flow::Appointments(Some(ServingLevel::Street), Some(Employment::Seconded))], Scale::Count),
        "统计期内经社会化选拔任用的街道级挂职干部人数。";
    SELECTION_STREET_PART_TIME = "selection.appointments.street_part_time", "其中街道级兼职", "人", "C4",
        Rule::Sum(&[Flow::Appointments(Some(ServingLevel::Street), Some(Employment::PartTime))], Scale::Count),
        "统计期内经社会化选拔任用的街道级兼职干部人数。";
    SERVICE_CONTRACTS = "services.contracts", "购买服务合同", "份", "C5",
        Rule::Existing(Records::ServiceContracts),
        "当日在合同期内（开始日不晚于当日、结束日不早于当日）的购买服务合同份数（购买方在统计范围内）。";
    SERVICE_CONTRACT_AMOUNT = "services.contract_amount", "购买服务金额", "元", "C5",
        Rule::Sum(&[Flow::ContractAmounts], Scale::Yuan),
        "统计期内开始服务的购买服务合同金额之和。";
    SOCIAL_WORKERS = "services.social_workers", "购买服务派驻社工", "人", "C5",
        Rule::People(PostMatch::ANY.employments(&[Employment::SocialWorker]).sources(&[CadreSource::PurchasedService])),
        "当日在统计范围内的组织任职、任职方式为“社工”且来源为“购买服务”的不同人数（计入经常性工作力量）。";
    SELF_ORGANISATIONS = "self_organisations.count", "青年自组织", "个", "C5",
        Rule::Existing(Records::SelfOrganisations),
        "当日存续（成立日不晚于当日、未在当日及以前解散）、由统计范围内的团组织联系指导的青年自组织个数。";
    FISCAL_RESOURCES = "ledger.fiscal_yuan", "财政投入", "元", "P1",
        Rule::Sum(&[FISCAL], Scale::Yuan),
        "统计期内资源台账中来源为财政投入的记录金额之和（按日期，接收组织在统计范围内）。";
    SOCIAL_RESOURCES = "ledger.social_yuan", "社会资源", "元", "P1",
        Rule::Sum(&[SOCIAL], Scale::Yuan),
        "统计期内资源台账中来源为社会资源的记录价值之和：资金按金额，物资按折价，场地和服务按数量乘以折算单价；含志愿动员中登记的捐款捐物。";
    LEVERAGE = "ledger.leverage", "社会资源撬动比", "%", "P1",
        Rule::Share(SOCIAL, FISCAL),
        "统计期内社会资源价值与财政投入金额之比，以百分数表示（取整）：每 1 元财政投入撬动的社会资源 × 100。统计期内没有财政投入时不计算。";
    SOCIAL_SPACE = "ledger.social.space_yuan", "其中场地折价", "元", "P1",
        Rule::Sum(&[Flow::Contributed(Funding::Social, Some(ContributionKind::Space))], Scale::Yuan),
        "统计期内社会资源中无偿提供的场地折价之和（数量 × 折算单价）。";
    SOCIAL_SERVICE = "ledger.social.service_yuan", "其中服务折价", "元", "P1",
        Rule::Sum(&[Flow::Contributed(Funding::Social, Some(ContributionKind::Service))], Scale::Yuan),
        "统计期内社会资源中无偿提供的服务折价之和（服务时数 × 折算单价）。";
    VENUES = "venues.count", "阵地", "个", "P1 P2 P5",
        Rule::Existing(Records::Venues),
        "当日在用（启用日不晚于当日、未在当日及以前停用）、运营组织在统计范围内的阵地个数（青年之家、青年人才创业中心、服务点等）。";
    SPACE_USES = "venues.uses", "阵地空间使用", "次", "P1",
        Rule::Sum(&[Flow::Bookings(BookingState::Used)], Scale::Count),
        "统计期内阵地空间的预约中，到场并登记使用的次数（按预约日期）。";
    SPACE_NO_SHOWS = "venues.no_shows", "预约未到场", "次", "P1",
        Rule::Sum(&[Flow::Bookings(BookingState::NoShow)], Scale::Count),
        "统计期内已通过的空间预约中，登记为未到场的次数。";
    LOAN_APPLICATIONS = "loans.applications", "青创贷款申请", "笔", "P3",
        Rule::Sum(&[Flow::Loans(LoanStage::Applied)], Scale::Count),
        "统计期内提出（按申请日期）、由统计范围内的团组织受理的青年创业贷款申请笔数。";
    LOANS_RECOMMENDED = "loans.recommended", "推荐至银行", "笔", "P3",
        Rule::Sum(&[Flow::Loans(LoanStage::Recommended)], Scale::Count),
        "统计期内（按推荐日期）团组织推荐至合作银行的贷款申请笔数。";
    LOANS_APPROVED = "loans.approved", "银行批准", "笔", "P3",
        Rule::Sum(&[Flow::Loans(LoanStage::Approved)], Scale::Count),
        "统计期内（按批准日期）合作银行批准的贷款笔数。";
    LOANS_DISBURSED = "loans.disbursed", "青创贷款放款", "笔", "P3",
        Rule::Sum(&[Flow::Loans(LoanStage::Disbursed)], Scale::Count),
        "统计期内（按放款日期）合作银行已放款的青年创业贷款笔数。";
    LOAN_AMOUNT = "loans.amount_yuan", "青创贷款放款金额", "元", "P3",
        Rule::Sum(&[Flow::LoanAmounts], Scale::Yuan),
        "统计期内放款的青年创业贷款实际放款金额之和。";
    LOAN_JOBS = "loans.jobs", "贷款带动就业", "人", "P3",
        Rule::Sum(&[Flow::LoanJobs], Scale::Count),
        "统计期内放款的贷款所扶持的经营主体，按最近一次回访登记的新增就业人数之和。";
    LOAN_RECOMMEND_RATE = "loans.conversion.recommended", "申请推荐率", "%", "P3",
        Rule::Share(Flow::Loans(LoanStage::Recommended), Flow::Loans(LoanStage::Applied)),
        "统计期内推荐至银行的笔数占申请笔数的百分比（取整；两者各按其日期计）。";
    LOAN_APPROVAL_RATE = "loans.conversion.approved", "银行批准率", "%", "P3",
        Rule::Share(Flow::Loans(LoanStage::Approved), Flow::Loans(LoanStage::Recommended)),
        "统计期内银行批准的笔数占推荐笔数的百分比（取整；各按其日期计）。";
    LOAN_DISBURSE_RATE = "loans.conversion.disbursed", "批准放款率", "%", "P3",
        Rule::Share(Flow::Loans(LoanStage::Disbursed), Flow::Loans(LoanStage::Approved)),
        "统计期内放款的笔数占批准笔数的百分比（取整；各按其日期计）。";
    CASES = "consultations.count", "咨询个案", "件", "P4",
        Rule::Sum(&[Flow::Cases(None)], Scale::Count),
        "统计期内（按受理日期）统计范围内的团组织受理的法律、就业、心理和创业经营咨询个案件数。";
    CASES_LEGAL = "consultations.legal", "其中法律咨询", "件", "P4",
        Rule::Sum(&[Flow::Cases(Some(CaseCategory::Legal))], Scale::Count),
        "统计期内受理的咨询个案中类别为法律咨询（法律护航）的件数。";
    CASES_EMPLOYMENT = "consultations.employment", "其中就业咨询", "件", "P4",
        Rule::Sum(&[Flow::Cases(Some(CaseCategory::Employment))], Scale::Count),
        "统计期内受理的咨询个案中类别为就业咨询的件数。";
    CASES_PSYCHOLOGICAL = "consultations.psychological", "其中心理咨询", "件", "P4",
        Rule::Sum(&[Flow::Cases(Some(CaseCategory::Psychological))], Scale::Count),
        "统计期内受理的咨询个案中类别为心理咨询的件数。";
    CASES_BUSINESS = "consultations.business", "其中创业经营咨询", "件", "P4",
        Rule::Sum(&[Flow::Cases(Some(CaseCategory::Business))], Scale::Count),
        "统计期内受理的咨询个案中类别为创业经营咨询的件数。";
    CASES_RESOLVED = "consultations.resolved", "咨询个案解决", "件", "P4",
        Rule::Sum(&[Flow::CasesClosed(CaseOutcome::Resolved)], Scale::Count),
        "统计期内（按结案日期）结案且办理结果为“已解决”的咨询个案件数。";
    STATIONS = "stations.count", "青年驿站", "个", "B4",
        Rule::Existing(Records::Stations),
        "当日在用（启用日不晚于当日、未在当日及以前停用）、运营组织在统计范围内的青年驿站个数。";
    STATION_CHECKINS = "stations.checkins", "驿站入住", "人次", "B4",
        Rule::Sum(&[Flow::StayCheckIns], Scale::Count),
        "统计期内（按入住日期）在青年驿站登记入住的人次。";
    STATION_NIGHTS = "stations.nights", "驿站入住晚数", "晚", "B4",
        Rule::Sum(&[Flow::StayNights], Scale::Count),
        "统计期内离站的入住，从入住到离站的晚数之和。";
    STATION_OCCUPANCY = "stations.occupancy", "驿站床位使用率", "%", "B4",
        Rule::Share(Flow::StayNightsWithin, Flow::StationBedNights),
        "统计期内入住青年在驿站住宿的晚数（跨期的入住只计期内的晚数）占驿站可提供床位晚数（床位数 × 期内启用天数）的百分比（取整）。";
    STATION_JOB_INFO = "stations.services.job_info", "驿站提供就业信息", "人次", "B4",
        Rule::Sum(&[Flow::StayServices(StationService::JobInfo)], Scale::Count),
        "统计期内离站、入住期间获得就业信息服务的人次。";
    STATION_CAREER_GUIDANCE = "stations.services.career_guidance", "驿站提供职业指导", "人次", "B4",
        Rule::Sum(&[Flow::StayServices(StationService::CareerGuidance)], Scale::Count),
        "统计期内离站、入住期间获得职业指导的人次。";
    STATION_COUNSELLING = "stations.services.counselling", "驿站提供心理疏导", "人次", "B4",
        Rule::Sum(&[Flow::StayServices(StationService::Counselling)], Scale::Count),
        "统计期内离站、入住期间获得心理疏导的人次。";
    STATION_EMPLOYED = "stations.employed_local", "驿站入住青年在区内就业", "人", "B4",
        Rule::Sum(&[Flow::StaysEmployedLocal], Scale::Count),
        "统计期内离站的入住中，回访登记在区内就业、且入职日期在离站后驿站规定的期限（如 90 天）以内的人数。";
    STATION_EMPLOYMENT_RATE = "stations.employment_rate", "驿站入住青年区内就业率", "%", "B4",
        Rule::Share(Flow::StaysEmployedLocal, Flow::StaysOut),
        "统计期内离站的入住中，在区内就业的人数占离站人数的百分比（取整）。";
    CABINS_BUILT = "cabins.built", "希望小屋", "个", "B6",
        Rule::Existing(Records::CabinsBuilt),
        "当日及以前建成、由统计范围内的团组织负责的希望小屋个数。";
    CABINS_RAISED = "cabins.raised_yuan", "希望小屋筹集资金物资", "元", "B6",
        Rule::Sum(&[Flow::ContributedFor(Purpose::Cabin)], Scale::Yuan),
        "统计期内资源台账中用途为“希望小屋”的社会资源（企业、社会组织等捐赠的资金和物资折价）之和。";
    CABIN_VISITS = "cabins.visits", "希望小屋探访", "次", "B6",
        Rule::Sum(&[Flow::CabinVisits(None)], Scale::Count),
        "统计期内对希望小屋儿童的探访、陪伴、心理辅导和学业辅导次数。";
    CABIN_VISITS_VISIT = "cabins.visits.visit", "其中探访", "次", "B6",
        Rule::Sum(&[Flow::CabinVisits(Some(VisitKind::Visit))], Scale::Count),
        "统计期内类型为探访的次数。";
    CABIN_VISITS_COMPANIONSHIP = "cabins.visits.companionship", "其中陪伴", "次", "B6",
        Rule::Sum(&[Flow::CabinVisits(Some(VisitKind::Companionship))], Scale::Count),
        "统计期内类型为陪伴的次数。";
    CABIN_VISITS_COUNSELLING = "cabins.visits.counselling", "其中心理辅导", "次", "B6",
        Rule::Sum(&[Flow::CabinVisits(Some(VisitKind::Counselling))], Scale::Count),
        "统计期内类型为心理辅导的次数。";
    CABIN_VISITS_TUTORING = "cabins.visits.tutoring", "其中学业辅导", "次", "B6",
        Rule::Sum(&[Flow::CabinVisits(Some(VisitKind::Tutoring))], Scale::Count),
        "统计期内类型为学业辅导的次数。";
    CABINS_VISITED_QUARTERLY = "cabins.visited_quarterly", "一季度内有探访的希望小屋", "个", "B6",
        Rule::Existing(Records::CabinsVisitedQuarterly),
        "当日已建成的希望小屋中，当日及此前 91 天内（一个季度）儿童至少被探访一次的个数。";
    SOCIETIES_DIRECT = "societies.direct", "直接联系的青年社团", "个", "P6",
        Rule::Existing(Records::SocietiesLinked(LinkLevel::Direct)),
        "当日存续、由统计范围内的团组织联系指导，且当日联系程度（当日及以前最近一次变更所定）为“直接联系”的青年社团个数。与基准日比较即新增数。";
    SOCIETIES_EFFECTIVE = "societies.effective", "有效联系的青年社团", "个", "P6",
        Rule::Existing(Records::SocietiesLinked(LinkLevel::Effective)),
        "当日存续、由统计范围内的团组织联系指导，且当日联系程度为“有效联系”的青年社团个数（不含直接联系的）。与基准日比较即新增数。";
    COMMUNITIES = "communities.count", "网上青年社群", "个", "P7",
        Rule::Existing(Records::Communities(None, None)),
        "当日存续（建立日不晚于当日、未在当日及以前关闭）、所属组织在统计范围内的网上青年社群个数。";
    COMMUNITIES_DISTRICT = "communities.level.district", "其中区级社群", "个", "P7",
        Rule::Existing(Records::Communities(Some(CommunityLevel::District), None)),
        "当日存续的网上青年社群中层级为区级的个数。";
    COMMUNITIES_STREET = "communities.level.street", "其中街道级社群", "个", "P7",
        Rule::Existing(Records::Communities(Some(CommunityLevel::Street), None)),
        "当日存续的网上青年社群中层级为街道级的个数。";
    COMMUNITIES_COMMUNITY = "communities.level.community", "其中社区级社群", "个", "P7",
        Rule::Existing(Records::Communities(Some(CommunityLevel::Community), None)),
        "当日存续的网上青年社群中层级为社区级的个数。";
    COMMUNITIES_INDUSTRY = "communities.type.industry", "其中行业社群", "个", "P7",
        Rule::Existing(Records::Communities(None, Some(CommunityType::Industry))),
        "当日存续的网上青年社群中类型为行业的个数。";
    COMMUNITIES_SYSTEM = "communities.type.system", "其中系统社群", "个", "P7",
        Rule::Existing(Records::Communities(None, Some(CommunityType::System))),
        "当日存续的网上青年社群中类型为系统的个数。";
    COMMUNITIES_INTEREST = "communities.type.interest", "其中兴趣社群", "个", "P7",
        Rule::Existing(Records::Communities(None, Some(CommunityType::Interest))),
        "当日存续的网上青年社群中类型为兴趣的个数。";
    COMMUNITIES_MUTUAL_AID = "communities.type.mutual_aid", "其中互助社群", "个", "P7",
        Rule::Existing(Records::Communities(None, Some(CommunityType::MutualAid))),
        "当日存续的网上青年社群中类型为互助的个数。";
    COMMUNITY_MEMBERS = "communities.members", "网上青年社群成员", "人", "P7",
        Rule::Existing(Records::CommunityMembers),
        "当日存续的各网上青年社群在当日及以前最近一次登记的成员数之和（一人在多个社群中按多人计；未登记成员数的社群计 0）。";
    COMMUNITY_REACH = "communities.reach", "网上青年社群覆盖青年", "人", "P7",
        Rule::Existing(Records::CommunityReach),
        "当日存续的网上青年社群中，已导入成员名单（当日及以前导入）的社群所覆盖的不同人数，按手机号码去重：一人在多个社群中只计一次。未导入名单的社群不计入。";
}

pub fn find(key: &str) -> Option<Indicator> {
    CATALOGUE.iter().copied().find(|i| i.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = CATALOGUE.iter().map(|i| i.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CATALOGUE.len());
    }

    #[test]
    fn a_ratio_refers_to_a_people_figure_of_the_catalogue() {
        for i in CATALOGUE {
            if let Rule::PerTenThousandYouth(of) = i.rule {
                assert!(matches!(of.rule, Rule::People(_) | Rule::WorkForce), "{}", i.key);
                assert!(CATALOGUE.contains(of), "{}", i.key);
            }
        }
    }

    #[test]
    fn a_post_match_lies_within_a_wider_one_only_if_every_value_it_allows_is_allowed() {
        let secretaries = PostMatch::ANY.titles(SECRETARY);
        let two_committees = secretaries.sources(&[CadreSource::TwoCommittees]);
        assert!(two_committees.within(&secretaries));
        assert!(two_committees.within(&PostMatch::ANY));
        assert!(!secretaries.within(&two_committees));
        assert!(!PostMatch::ANY.within(&secretaries));
    }
}
