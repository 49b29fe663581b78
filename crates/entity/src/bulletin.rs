use sea_orm::entity::prelude::*;

/// A work bulletin: its scope and dates, the template it is written from (none: the default), the
/// narrative blocks and the explanations of declining figures (JSON objects of text), and whether
/// it is a draft or published (frozen in `frozen_reports`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulletins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// A street's region code, to report on the orgs located there.
    pub street: Option<String>,
    pub as_of: Date,
    pub baseline: Date,
    pub from_on: Option<Date>,
    pub template_name: Option<String>,
    pub title: String,
    pub blocks: String,
    pub explanations: String,
    /// `draft` or `published`.
    pub state: String,
    /// The bulletin this one reopened as a new version.
    pub previous_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
