use sea_orm::entity::prelude::*;

/// A follow-up of a guest after check-out: whether they found work, where, from when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "station_followups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub stay_id: i64,
    pub on_date: Date,
    pub employed: bool,
    pub employer: String,
    pub in_district: bool,
    pub started_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
