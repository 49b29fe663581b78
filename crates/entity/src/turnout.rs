use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "turnouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub shift_id: i64,
    pub person_id: i64,
    pub team_id: Option<i64>,
    pub check_in_at: Option<DateTimeUtc>,
    pub check_out_at: Option<DateTimeUtc>,
    /// Minutes credited: the time attended, if it reached the required share of the shift.
    pub credited_minutes: i32,
    /// The portal sign-up this turn-out was checked in through, if any.
    pub signup_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
