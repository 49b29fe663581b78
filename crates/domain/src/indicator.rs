//! The indicator catalogue: every figure the product reports, with a stable key, a Chinese name, a
//! unit and a plain definition shown beside the figure, so users always know what was counted.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Indicator {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub measure: Measure,
    pub definition: &'static str,
    /// The figure in the seed report this indicator proves (FIGURES.md ids).
    pub seed_ref: &'static str,
}

macro_rules! catalogue {
    ($($ident:ident = $key:literal, $name:literal, $unit:literal, $measure:ident, $seed:literal, $def:literal;)*) => {
        $(pub const $ident: Indicator = Indicator {
            key: $key, name: $name, unit: $unit, measure: Measure::$measure, seed_ref: $seed, definition: $def,
        };)*
        /// Every indicator, in report order.
        pub const CATALOGUE: &[Indicator] = &[$($ident),*];
    };
}

catalogue! {
    SOCIAL_DOMAIN_ORGS = "org.social_domain.count", "社会领域团组织数", "个", Stock, "O7",
        "当日存续的团组织（团委、团工委、团总支、团支部、联合团支部）中，所属领域标记为“社会领域”的个数。";
    NEW_WORKING_COMMITTEES = "org.new.working_committees", "新成立团工委", "个", SinceBaseline, "O1 O2",
        "基准日之后、统计日及之前成立且统计日仍存续的团工委个数。";
    NEW_INDUSTRY_WORKING_COMMITTEES = "org.new.industry_working_committees", "新成立行业系统团工委", "个", SinceBaseline, "O1",
        "基准日之后成立、按行业系统组建（组建方式为“行业”）且统计日仍存续的团工委个数。";
    NEW_COMMUNITY_BRANCHES = "org.new.community_branches", "新成立社区团支部", "个", SinceBaseline, "O2",
        "基准日之后成立、所在区域为社区或村且统计日仍存续的团支部个数。";
    STREETS_WITH_YOUTH_WORK_COMMITTEE = "coverage.streets.youth_work_committee", "成立青工委的街道", "个", Stock, "O3",
        "当日有存续的街道级青工委（所在区域即该街道）的街道个数。";
    STREETS_WITH_PIONEER_WORK_COMMITTEE = "coverage.streets.pioneer_work_committee", "成立少工委的街道", "个", Stock, "O3",
        "当日有存续的街道级少工委的街道个数。";
    COMMUNITIES_WITH_YOUTH_WORK_COMMITTEE = "coverage.communities.youth_work_committee", "成立青工委的社区", "个", Stock, "O4",
        "当日有存续的社区级青工委（所在区域为该社区或村）的社区和村的个数。";
    COMMUNITIES_WITH_PIONEER_WORK_COMMITTEE = "coverage.communities.pioneer_work_committee", "成立少工委的社区", "个", Stock, "O4",
        "当日有存续的社区级少工委的社区和村的个数。";
    COMMUNITIES_WITH_BRANCH = "coverage.communities.branch", "建有团支部的社区", "个", Stock, "O2",
        "当日有存续团支部（所在区域为该社区或村）的社区和村的个数。";
    INDUSTRY_YOUTH_WORK_COMMITTEES = "org.youth_work_committees.industry", "行业青工委", "个", Stock, "O5",
        "当日存续、按行业组建的青工委个数（如快递服务行业、文学艺术团体）。";
    AREA_YOUTH_WORK_COMMITTEES = "org.youth_work_committees.area", "区域化青工委", "个", Stock, "O6",
        "当日存续、按园区商圈等区域组建的青工委个数。";
    WORKFORCE = "workforce.count", "社会领域经常性工作力量", "人", Stock, "O8",
        "当日在社会领域组织中有在岗职务的不同人数（一人多职只计一次）。";
    WORKFORCE_PER_10K = "workforce.per_10k_youth", "每万名青年对应工作力量", "人", Stock, "O8",
        "社会领域经常性工作力量 ÷ 统计范围内当年青年人口 × 10000，四舍五入到个位。";
    SECRETARIES_TWO_COMMITTEES = "secretaries.from_two_committees", "“两委”委员兼任团组织书记", "人", Stock, "C1",
        "当日在岗、职务为书记、来源为“两委委员”的不同人数。";
    SECRETARIES_GOOD_RURAL_YOUTH = "secretaries.good_rural_youth", "乡村好青年担任团组织书记", "人", Stock, "C2",
        "当日在岗、职务为书记、来源为“乡村好青年”的不同人数。";
    CADRES_DISTRICT = "cadres.seconded_part_time.district", "到团区委挂职兼职的青年", "人", Stock, "C4",
        "当日在岗、任职方式为挂职或兼职、来源为社会化选拔、挂兼职层级为区级的不同人数。";
    CADRES_STREET = "cadres.seconded_part_time.street", "到街道团工委挂职兼职的青年", "人", Stock, "C4",
        "当日在岗、任职方式为挂职或兼职、来源为社会化选拔、挂兼职层级为街道级的不同人数。";
    VOLUNTEER_TEAMS = "volunteer.teams.count", "青年突击队", "支", Flow, "P8",
        "统计期内存续过（组建日不晚于期末、未在期初前解散）的青年突击队支数。";
    VOLUNTEER_TURNOUTS = "volunteer.turnouts", "出动志愿者", "人次", Flow, "P8",
        "统计期内各招募令班次的志愿者出勤记录条数，一人参加一个班次计一人次。";
    VOLUNTEER_HOURS = "volunteer.hours", "志愿服务时长", "小时", Flow, "P8",
        "统计期内计入的志愿服务时长之和：出勤达到班次时长规定比例（默认 60%）的，按实际出勤时间计；加上经上级组织批准的补录时长，减去核减的时长。";
    PEOPLE_SERVED = "volunteer.people_served", "志愿服务人次", "人次", Flow, "P8",
        "统计期内各招募令班次和各项活动登记的服务对象人次之和。";
    DONATIONS = "donations.value_yuan", "捐款捐物", "元", Flow, "P8",
        "统计期内登记的捐款金额与捐物折价之和。";
    DONATIONS_CASH = "donations.cash_yuan", "其中捐款", "元", Flow, "P8",
        "统计期内登记的捐款金额之和。";
    DONATIONS_GOODS = "donations.goods_yuan", "其中捐物折价", "元", Flow, "P8",
        "统计期内登记的捐物折价之和。";
    ACTIVITY_SIGNUPS = "activities.signups", "活动报名", "人次", Flow, "B1 B2 B3",
        "统计期内举办的活动收到的报名人次（不含已取消的报名）。";
    ACTIVITY_ATTENDANCE = "activities.attendance", "活动参加", "人次", Flow, "B1 B2 B3",
        "统计期内举办的活动中，组织方登记为实际参加的人次。";
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
}
