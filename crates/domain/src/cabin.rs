//! Hope cabins (希望小屋, B6): a room built for a child in need, paid for by companies and NGOs,
//! with volunteers paired to the child who visit. Every child is a minor: the children's records
//! rules apply.

crate::code::code_enum!(
    /// The child's family situation (shown only to approved viewers).
    #[serde(rename_all = "snake_case")]
    Guardian, "guardian", "监护情况" {
    LeftBehind => "left_behind", "留守儿童";
    SingleParent => "single_parent", "单亲家庭";
    Orphan => "orphan", "孤儿或事实无人抚养";
    Hardship => "hardship", "困难家庭";
});

crate::code::code_enum!(
    /// What a visit was.
    #[serde(rename_all = "snake_case")]
    VisitKind, "kind", "探访类型" {
    Visit => "visit", "探访";
    Companionship => "companionship", "陪伴";
    Counselling => "counselling", "心理辅导";
    Tutoring => "tutoring", "学业辅导";
});
