use sea_orm::entity::prelude::*;

/// A duty-report review round (述职评议) organised by an org (`org_id`): held on a date, graded
/// through private links until `closes_on`; concluded once every group reached its quorum.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub year: i32,
    pub title: String,
    pub held_on: Date,
    pub closes_on: Date,
    /// The most 好 a rater may give, in per cent of the reporters.
    pub good_cap: i32,
    pub created_at: DateTimeUtc,
    pub concluded_at: Option<DateTimeUtc>,
    /// The local day it was concluded: the figures count its grades from then.
    pub concluded_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
