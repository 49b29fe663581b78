//! Projects and activities: the categories of league work a project belongs to, and whom an
//! activity is for.

use crate::code::code_enum;

code_enum!(
    /// The category of a project or activity (the district's dictionary of work lines).
    Category, "category", "类别" {
    Ideology => "ideology", "思想引领";
    Entrepreneurship => "entrepreneurship", "创新创业";
    Volunteering => "volunteering", "公益志愿";
    Matchmaking => "matchmaking", "婚恋交友";
    Development => "development", "素质提升";
    Governance => "governance", "社会治理";
    Care => "care", "关爱帮扶";
});

code_enum!(
    /// Whom an activity is for.
    Audience, "audience", "对象" {
    Youth => "youth", "青年";
    Children => "children", "儿童（监护人陪同）";
    Cadres => "cadres", "团干部";
});

code_enum!(
    /// Where an activity sign-up stands.
    SignupStatus, "status", "状态" {
    Pending => "pending", "待审核";
    Approved => "approved", "已录取";
    Waitlisted => "waitlisted", "候补";
    Rejected => "rejected", "未录取";
    Cancelled => "cancelled", "已取消";
});

impl SignupStatus {
    /// Holds one of the activity's places.
    pub fn holds_place(self) -> bool {
        matches!(self, Self::Pending | Self::Approved)
    }
}
