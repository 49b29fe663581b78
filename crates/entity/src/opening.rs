use sea_orm::entity::prelude::*;

/// An opening of open selection (社会化选拔): places for seconded or part-time cadres in an org
/// (`org_id`), the requirements, the application window, the weights of the scores and, as it
/// goes on, the public notice's days and the appointment's date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "openings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub serving_level: String,
    pub employment: String,
    pub post_title: String,
    pub places: i32,
    pub max_age: i32,
    pub age_on: Date,
    pub requirements: String,
    pub term_months: i32,
    pub opens_on: Date,
    pub closes_on: Date,
    pub written_weight: i32,
    pub interview_weight: i32,
    pub notice_from: Option<Date>,
    pub notice_until: Option<Date>,
    pub appointed_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
