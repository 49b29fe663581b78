use sea_orm::entity::prelude::*;

/// A visit to a cabin's child, its notes encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cabin_visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cabin_id: i64,
    /// The pairing whose volunteer visited, when a paired volunteer did.
    pub pair_id: Option<i64>,
    pub on_date: Date,
    /// A `VisitKind` code.
    pub kind: String,
    pub by_name: String,
    pub notes_enc: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
