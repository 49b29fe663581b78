use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recruitment_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub task: String,
    pub published_on: Date,
    /// Sign-ups must give an ID number.
    pub real_name_required: bool,
    pub description: String,
    /// Whom to ask (a name and a phone, as the call publishes them).
    pub contact: String,
    /// The last day to sign up (none: until each shift's day).
    pub signup_deadline: Option<Date>,
    /// Closed on this day: off the portal, no more sign-ups; its records stay.
    pub closed_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
