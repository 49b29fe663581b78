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
