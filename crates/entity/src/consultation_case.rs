use sea_orm::entity::prelude::*;

/// A consultation case: its content encrypted, shown only to its consultant and to case handlers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultation_cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The league org that took the case.
    pub org_id: i64,
    /// A `CaseCategory` code.
    pub category: String,
    /// A `CaseChannel` code.
    pub channel: String,
    /// `None`: anonymous.
    pub asker_name_enc: Option<String>,
    pub asker_phone_enc: Option<String>,
    /// The consultant's partner, and the consultant (an account of it).
    pub partner_id: Option<i64>,
    pub consultant_id: Option<i64>,
    pub summary_enc: String,
    /// A `CaseOutcome` code, empty while open.
    pub outcome: String,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
