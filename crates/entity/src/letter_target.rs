use sea_orm::entity::prelude::*;

/// One target of a responsibility letter: an indicator of the catalogue (`indicator_key`) and the
/// value to reach over the period, or a qualitative item the assessing org scores out of 100.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    pub description: String,
    pub indicator_key: Option<String>,
    pub target_value: Option<i64>,
    pub starts_on: Date,
    pub due_on: Date,
    pub weight: i32,
    pub judged_score: Option<i32>,
    pub judged_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
