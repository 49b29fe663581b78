use sea_orm::entity::prelude::*;

/// A bookable space of a venue, with its capacity and opening hours.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_spaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub venue_id: i64,
    pub name: String,
    pub capacity: i32,
    /// Minutes after midnight.
    pub opens_min: i32,
    pub closes_min: i32,
    /// Digits 1–7 (1 = Monday).
    pub weekdays: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
