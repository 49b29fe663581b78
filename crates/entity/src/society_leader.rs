use sea_orm::entity::prelude::*;

/// A leader of a society: a person of the registry, with their role, since a date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "society_leaders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub society_id: i64,
    pub person_id: i64,
    pub role: String,
    pub since: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
