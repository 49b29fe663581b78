use sea_orm::entity::prelude::*;

/// An application for a youth entrepreneurship loan, with every step of its pipeline dated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    /// The bank that decides (the product's).
    pub partner_id: i64,
    /// The league org that handles it: recommends or declines.
    pub org_id: i64,
    pub name: String,
    pub id_number_enc: String,
    /// The ID number's keyed hash.
    pub id_hash: String,
    pub phone_enc: String,
    pub birth_date: Date,
    pub business_name: String,
    /// When the business is registered: its unified social credit code.
    pub business_credit_code: String,
    /// A `BusinessSector` code.
    pub sector: String,
    /// Jobs the business had when applying.
    pub jobs_before: i32,
    pub amount_fen: i64,
    pub purpose: String,
    pub applied_on: Date,
    /// The applicant's private link's SHA-256 (portal applications).
    pub token_hash: Option<String>,
    /// A `LoanState` code.
    pub state: String,
    /// Why it was declined or refused.
    pub note: String,
    pub recommended_on: Option<Date>,
    pub approved_on: Option<Date>,
    pub approved_amount_fen: Option<i64>,
    /// The yearly rate in hundredths of a per cent (385 = 3.85%).
    pub rate_bp: Option<i32>,
    pub term_months: Option<i32>,
    pub disbursed_on: Option<Date>,
    pub disbursed_amount_fen: Option<i64>,
    /// A `Repayment` code from the latest follow-up, empty before one.
    pub repayment: String,
    /// Jobs created, from the latest follow-up.
    pub jobs_created: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
