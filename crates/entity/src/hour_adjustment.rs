use sea_orm::entity::prelude::*;

/// Hours added to a turn-out by hand (waiting for the org above to approve) or revoked, with the
/// reason. Only approved rows count.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hour_adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub turnout_id: i64,
    /// The org that called the shift.
    pub org_id: i64,
    pub on_date: Date,
    /// Positive when added, negative when revoked.
    pub minutes: i32,
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub requested_by: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
