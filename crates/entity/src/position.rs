use sea_orm::entity::prelude::*;

/// A person holding a title in an org from `start_on` until before `end_on`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "positions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub org_id: i64,
    pub title: String,
    pub employment: String,
    pub source: String,
    pub serving_level: Option<String>,
    pub start_on: Date,
    pub end_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
