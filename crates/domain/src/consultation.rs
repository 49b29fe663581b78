//! Consultations (法律护航 and others, P4): a young person's case of legal, employment,
//! psychological or business consultation, handled by a consultant — a lawyer or counsellor with an
//! account of their partner — in confidence.

crate::code::code_enum!(
    /// What a case is about.
    #[serde(rename_all = "snake_case")]
    CaseCategory, "category", "咨询类别" {
    Legal => "legal", "法律咨询";
    Employment => "employment", "就业咨询";
    Psychological => "psychological", "心理咨询";
    Business => "business", "创业经营咨询";
});

crate::code::code_enum!(
    /// How the young person asked.
    #[serde(rename_all = "snake_case")]
    CaseChannel, "channel", "咨询渠道" {
    Visit => "visit", "来访";
    Phone => "phone", "电话";
    Online => "online", "网络";
    Outreach => "outreach", "活动现场";
});

crate::code::code_enum!(
    /// How a case ended.
    #[serde(rename_all = "snake_case")]
    CaseOutcome, "outcome", "办理结果" {
    Resolved => "resolved", "已解决";
    Referred => "referred", "已转介";
    Unresolved => "unresolved", "未解决";
});
