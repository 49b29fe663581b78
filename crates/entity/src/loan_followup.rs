use sea_orm::entity::prelude::*;

/// A follow-up of a disbursed loan: how it is repaid, how many jobs the business created.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_followups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub on_date: Date,
    /// A `Repayment` code.
    pub repayment: String,
    pub jobs_created: i32,
    pub note: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
