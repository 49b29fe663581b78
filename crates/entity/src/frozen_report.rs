use sea_orm::entity::prelude::*;

/// A report as published, never changed: its kind (`bulletin` or `figures`), scope and dates, the
/// content (a bulletin's document as JSON), the figures as computed then (JSON), a SHA-256 digest
/// of both, and its version among the reports it reopens.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "frozen_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub bulletin_id: Option<i64>,
    pub org_id: i64,
    pub street: Option<String>,
    pub as_of: Date,
    pub baseline: Date,
    pub from_on: Option<Date>,
    pub title: String,
    pub content: String,
    pub figures: String,
    pub digest: String,
    pub version: i32,
    pub previous_id: Option<i64>,
    pub published_by: Option<i64>,
    pub published_by_name: String,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
