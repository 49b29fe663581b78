use sea_orm::entity::prelude::*;

/// A youth station (青年驿站): its beds and its rules.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "youth_stations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub address: String,
    pub beds: i32,
    /// Guests are at most this old on the day they arrive.
    pub max_age: i32,
    /// Guests graduated at most this many years before they arrive (or graduate within a year).
    pub graduated_within_years: i32,
    /// Free nights a guest may stay at this station in all.
    pub max_free_nights: i32,
    /// A job started within this many days of check-out is the stay's outcome.
    pub employment_window_days: i32,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
