use sea_orm::entity::prelude::*;

/// A published assessment (通报考核) of an assessing org (`org_id`) for a year, frozen as
/// published: its weights, the date letters were measured on, who published it and when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub year: i32,
    pub title: String,
    pub letter_weight: i32,
    pub review_weight: i32,
    pub inspection_weight: i32,
    pub measured_on: Date,
    pub published_at: DateTimeUtc,
    pub published_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
