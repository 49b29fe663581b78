use sea_orm::entity::prelude::*;

/// A change of a society's link level, from `on_date` on (every change kept).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "society_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub society_id: i64,
    /// A `LinkLevel` code.
    pub level: String,
    pub on_date: Date,
    pub reason: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
