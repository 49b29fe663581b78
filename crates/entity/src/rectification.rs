use sea_orm::entity::prelude::*;

/// A rectification item (整改事项) an inspection raised for an org (`org_id`, the owner): open
/// from `raised_on` until `closed_on`, overdue after `due_on`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inspection_id: i64,
    pub org_id: i64,
    pub finding: String,
    pub raised_on: Date,
    pub due_on: Date,
    pub closed_on: Option<Date>,
    pub evidence: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
