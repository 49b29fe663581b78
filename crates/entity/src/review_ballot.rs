use sea_orm::entity::prelude::*;

/// One rater's grade for one reporter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_ballots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rater_id: i64,
    pub reporter_id: i64,
    pub grade: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
