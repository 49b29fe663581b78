use sea_orm::entity::prelude::*;

/// A stay at a youth station: the bed it holds from `arrives_on` to `leaves_on` (the morning it
/// leaves), the guest's ID number and phone encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "station_stays")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub station_id: i64,
    /// 1 to the station's beds.
    pub bed: i32,
    pub name: String,
    pub id_number_enc: String,
    pub id_hash: String,
    pub phone_enc: String,
    pub birth_date: Date,
    pub school: String,
    /// The first day of the month of graduation.
    pub graduated_on: Date,
    pub arrives_on: Date,
    /// Planned, then the day of check-out.
    pub leaves_on: Date,
    /// A `StayState` code.
    pub state: String,
    pub checked_in_on: Option<Date>,
    pub checked_out_on: Option<Date>,
    /// Nights stayed, set at check-out.
    pub nights: i32,
    /// `StationService` codes, comma-separated.
    pub services: String,
    /// A follow-up found the guest employed in the district within the station's window.
    pub employed_local: bool,
    pub token_hash: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
