use sea_orm::entity::prelude::*;

/// A person's phone (its keyed hash) that asked not to receive messages of a kind.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_opt_outs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub phone_hash: String,
    /// A `MessageKind` code.
    pub kind: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
