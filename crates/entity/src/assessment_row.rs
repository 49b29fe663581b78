use sea_orm::entity::prelude::*;

/// One assessed org's line of a published assessment, as published (parts and total in tenths).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_rows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assessment_id: i64,
    pub org_id: i64,
    pub letter_tenths: Option<i32>,
    pub review_tenths: Option<i32>,
    pub inspection_tenths: Option<i32>,
    pub total_tenths: i32,
    pub rank: i32,
    pub grade: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
