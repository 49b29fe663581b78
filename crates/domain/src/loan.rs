//! Youth entrepreneurship loans (青创先锋贷, P3): a young entrepreneur applies, the league org
//! recommends or declines, the partner bank's own staff approve or refuse in the product, the bank
//! disburses, and follow-ups record repayment and the jobs the business created.

crate::code::code_enum!(
    /// Where an application stands.
    #[serde(rename_all = "snake_case")]
    LoanState, "state", "申请状态" {
    Applied => "applied", "待推荐";
    Declined => "declined", "未推荐";
    Recommended => "recommended", "已推荐待审批";
    Refused => "refused", "银行未批准";
    Approved => "approved", "已批准待放款";
    Disbursed => "disbursed", "已放款";
});

impl LoanState {
    /// States the bank sees: from the league's recommendation on.
    pub const FOR_BANK: [LoanState; 4] = [Self::Recommended, Self::Refused, Self::Approved, Self::Disbursed];
}

crate::code::code_enum!(
    /// How a disbursed loan is being repaid, as the latest follow-up says.
    #[serde(rename_all = "snake_case")]
    Repayment, "repayment", "还款情况" {
    Current => "current", "正常还款";
    Overdue => "overdue", "逾期";
    Repaid => "repaid", "已结清";
});

crate::code::code_enum!(
    /// The business's line of trade.
    #[serde(rename_all = "snake_case")]
    BusinessSector, "sector", "行业" {
    Agriculture => "agriculture", "现代农业";
    Manufacturing => "manufacturing", "制造加工";
    Commerce => "commerce", "批发零售";
    Catering => "catering", "餐饮住宿";
    Technology => "technology", "信息技术";
    Ecommerce => "ecommerce", "电子商务";
    Culture => "culture", "文化创意";
    Services => "services", "居民服务";
    Other => "other", "其他";
});

/// A step of the pipeline, as the figures count it by the step's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoanStage {
    /// Applied (the application's date).
    Applied,
    /// Recommended by the league org to the bank.
    Recommended,
    /// Approved by the bank.
    Approved,
    /// Disbursed by the bank.
    Disbursed,
}
