//! Youth stations (青年驿站, B4): short free stays for young job-seekers new to the district, with
//! services while they stay and the employment they find after.

crate::code::code_enum!(
    /// Where a stay stands.
    #[serde(rename_all = "snake_case")]
    StayState, "state", "入住状态" {
    Booked => "booked", "已预订";
    CheckedIn => "checked_in", "已入住";
    CheckedOut => "checked_out", "已离站";
    Cancelled => "cancelled", "已取消";
    NoShow => "no_show", "未入住";
});

impl StayState {
    /// Whether a stay in this state holds its bed for its nights.
    pub fn holds_bed(self) -> bool {
        matches!(self, Self::Booked | Self::CheckedIn | Self::CheckedOut)
    }
}

crate::code::code_enum!(
    /// What a guest received while staying.
    #[serde(rename_all = "snake_case")]
    StationService, "service", "驿站服务" {
    JobInfo => "job_info", "就业信息";
    CareerGuidance => "career_guidance", "职业指导";
    Counselling => "counselling", "心理疏导";
});
