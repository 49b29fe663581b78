use sea_orm::entity::prelude::*;

/// An activity with its sign-up rules.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub project_id: Option<i64>,
    pub title: String,
    /// A `Category` code.
    pub category: String,
    /// An `Audience` code.
    pub audience: String,
    pub on_date: Date,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub place: String,
    pub capacity: i32,
    pub signup_opens_on: Date,
    pub signup_closes_on: Date,
    pub needs_approval: bool,
    pub waitlist: bool,
    pub real_name_required: bool,
    /// People served at the activity (服务人次).
    pub people_served: i64,
    /// The venue's space it uses, whose time it holds through a booking.
    pub space_id: Option<i64>,
    pub description: String,
    /// Whom to ask (a name and a phone, as the activity publishes them).
    pub contact: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
