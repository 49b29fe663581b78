use sea_orm::entity::prelude::*;

/// A volunteer (a registered person) paired with a cabin's child, with the private link they
/// record visits through.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cabin_pairs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub cabin_id: i64,
    pub person_id: i64,
    pub since: Date,
    /// The pairing ended: its private link no longer opens.
    pub ended_on: Option<Date>,
    pub token_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
