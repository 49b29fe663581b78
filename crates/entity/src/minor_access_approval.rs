use sea_orm::entity::prelude::*;

/// A standing approval for a user to see the records of children under 14 in an org subtree,
/// until a date, unless revoked.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "minor_access_approvals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub scope_org_id: i64,
    pub reason: String,
    /// `None` when granted by the system (the command line).
    pub approved_by: Option<i64>,
    pub approved_at: DateTimeUtc,
    /// The last day it holds.
    pub expires_on: Date,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
