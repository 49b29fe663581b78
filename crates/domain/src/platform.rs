//! The platforms that link young people to the league (搭平台): youth societies (青年社团) with the
//! dated level at which a league org links them, and online youth communities (网上青年社群) with
//! their level, type and reach.

crate::code::code_enum!(
    /// What a youth society (青年社团) brings its members together for.
    #[serde(rename_all = "snake_case")]
    SocietyKind, "kind", "社团类型" {
    Interest => "interest", "兴趣爱好类";
    Industry => "industry", "行业类";
    PublicWelfare => "public_welfare", "公益类";
    Campus => "campus", "校园类";
    Culture => "culture", "文体类";
    Other => "other", "其他";
});

crate::code::code_enum!(
    /// How closely a league org is linked with a society, from a date on (联系程度).
    #[serde(rename_all = "snake_case")]
    LinkLevel, "level", "联系程度" {
    Direct => "direct", "直接联系";
    Effective => "effective", "有效联系";
    Unlinked => "none", "未联系";
});

crate::code::code_enum!(
    /// The level of the org an online community belongs to (社群层级).
    #[serde(rename_all = "snake_case")]
    CommunityLevel, "level", "社群层级" {
    District => "district", "区级";
    Street => "street", "街道级";
    Community => "community", "社区级";
});

crate::code::code_enum!(
    /// What an online youth community gathers its members around (社群类型).
    #[serde(rename_all = "snake_case")]
    CommunityType, "community_type", "社群类型" {
    Industry => "industry", "行业";
    System => "system", "系统";
    Interest => "interest", "兴趣";
    MutualAid => "mutual_aid", "互助";
});

crate::code::code_enum!(
    /// Where an online community meets.
    #[serde(rename_all = "snake_case")]
    CommunityPlatform, "platform", "社群平台" {
    WeChat => "wechat", "微信群";
    Qq => "qq", "QQ群";
    Forum => "forum", "论坛";
    Other => "other", "其他";
});

crate::code::code_enum!(
    /// Where a resource entering the work comes from.
    #[serde(rename_all = "snake_case")]
    Funding, "funding", "资源来源" {
    Fiscal => "fiscal", "财政投入";
    Social => "social", "社会资源";
});

crate::code::code_enum!(
    /// What a resource is: money, or goods, space or service hours at their valuation.
    #[serde(rename_all = "snake_case")]
    ContributionKind, "kind", "资源类型" {
    Money => "money", "资金";
    Goods => "goods", "物资";
    Space => "space", "场地";
    Service => "service", "服务";
});

impl ContributionKind {
    /// Space and service are valued as units (months of space, hours of service) at a rate.
    pub fn valued_by_rate(self) -> bool {
        matches!(self, Self::Space | Self::Service)
    }
}

crate::code::code_enum!(
    /// Who gave a social resource: a registered partner, another unit, or a person.
    #[serde(rename_all = "snake_case")]
    DonorKind, "donor_kind", "提供方类型" {
    Partner => "partner", "合作伙伴";
    Org => "org", "单位";
    Person => "person", "个人";
});

crate::code::code_enum!(
    /// What a resource was given for.
    #[serde(rename_all = "snake_case")]
    Purpose, "purpose_kind", "资源用途" {
    General => "general", "综合";
    Venue => "venue", "阵地建设";
    Project => "project", "项目";
    Activity => "activity", "活动";
    Call => "call", "招募令";
    Cabin => "cabin", "希望小屋";
});

crate::code::code_enum!(
    /// What a venue is (阵地).
    #[serde(rename_all = "snake_case")]
    VenueKind, "kind", "阵地类型" {
    YouthHome => "youth_home", "青年之家";
    EntrepreneurshipCentre => "entrepreneurship_centre", "青年人才创业中心";
    ServicePoint => "service_point", "服务点";
    Other => "other", "其他";
});

crate::code::code_enum!(
    /// Where a booking of a space stands.
    #[serde(rename_all = "snake_case")]
    BookingState, "state", "预约状态" {
    Requested => "requested", "待审核";
    Approved => "approved", "已通过";
    Refused => "refused", "未通过";
    Cancelled => "cancelled", "已取消";
    Used => "used", "已使用";
    NoShow => "no_show", "未到场";
});

impl BookingState {
    /// Whether the booking holds its time in the space (a later one may not overlap it).
    pub fn holds_time(self) -> bool {
        matches!(self, Self::Requested | Self::Approved | Self::Used)
    }
}

crate::code::code_enum!(
    /// Who books a space.
    #[serde(rename_all = "snake_case")]
    BookerKind, "booker_kind", "预约方" {
    Org => "org", "团组织";
    Partner => "partner", "合作伙伴";
    Person => "person", "青年个人";
});

/// A space's opening hours: from `opens` to `closes` (minutes after midnight) on the weekdays
/// listed (1 = Monday … 7 = Sunday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    pub opens: u32,
    pub closes: u32,
    pub weekdays: Vec<u32>,
}

impl OpeningHours {
    /// Whether a booking on `weekday` from `start` to `end` (minutes after midnight) lies within.
    pub fn admits(&self, weekday: u32, start: u32, end: u32) -> bool {
        self.weekdays.contains(&weekday) && start >= self.opens && end <= self.closes && start < end
    }

    /// "周一至周五 09:00–18:00"-like text.
    pub fn describe(&self) -> String {
        const DAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        let days: Vec<&str> = self.weekdays.iter().filter_map(|d| DAYS.get(*d as usize - 1).copied()).collect();
        let clock = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let consecutive = self.weekdays.windows(2).all(|w| w[1] == w[0] + 1);
        let when = match (days.first(), days.last()) {
            _ if days.len() == 7 => "每天".to_owned(),
            (Some(first), Some(last)) if consecutive && days.len() >= 3 => format!("周{first}至周{last}"),
            _ => format!("每周{}", days.join("、")),
        };
        format!("{when} {}–{}", clock(self.opens), clock(self.closes))
    }

    /// Parses the weekdays as stored or typed: digits 1–7, e.g. `12345`.
    pub fn parse_weekdays(raw: &str) -> Result<Vec<u32>, crate::Invalid> {
        let mut days: Vec<u32> =
            raw.chars().filter(|c| !c.is_whitespace() && *c != ',').map(|c| c.to_digit(10).unwrap_or(0)).collect();
        days.sort_unstable();
        days.dedup();
        if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(crate::Invalid::one("weekdays", "开放日应为 1 到 7 的数字（1 为周一），如 12345"));
        }
        Ok(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_fits_the_hours_only_within_them_on_an_open_day() {
        let hours = OpeningHours { opens: 9 * 60, closes: 18 * 60, weekdays: vec![1, 2, 3, 4, 5] };
        assert!(hours.admits(1, 9 * 60, 18 * 60));
        assert!(!hours.admits(1, 8 * 60 + 59, 10 * 60));
        assert!(!hours.admits(5, 17 * 60, 18 * 60 + 1));
        assert!(!hours.admits(6, 10 * 60, 11 * 60));
        assert!(!hours.admits(2, 11 * 60, 11 * 60));
        assert_eq!(hours.describe(), "周一至周五 09:00–18:00");
        let weekends = OpeningHours { weekdays: vec![6, 7], ..hours };
        assert_eq!(weekends.describe(), "每周六、日 09:00–18:00");
        assert_eq!(OpeningHours::parse_weekdays("5,1 3").ok(), Some(vec![1, 3, 5]));
        assert!(OpeningHours::parse_weekdays("18").is_err());
    }
}
