use sea_orm::entity::prelude::*;

/// A booking of a space by an org, a partner or a young person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_bookings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub space_id: i64,
    /// A `BookerKind` code.
    pub booker_kind: String,
    pub org_id: Option<i64>,
    pub partner_id: Option<i64>,
    /// The contact's or the young person's name.
    pub name: String,
    /// The young person's phone, encrypted.
    pub phone_enc: Option<String>,
    pub purpose: String,
    pub attendees: i32,
    /// The local day it is on (its start and end fall on it).
    pub on_date: Date,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// A `BookingState` code.
    pub state: String,
    /// The private link's hash (portal bookings).
    pub token_hash: Option<String>,
    /// Why it was refused, or what the desk noted.
    pub note: String,
    pub created_at: DateTimeUtc,
    pub checked_in_at: Option<DateTimeUtc>,
    /// The activity the booking holds the space for.
    pub activity_id: Option<i64>,
    /// The keyed hash of the young person's phone (portal bookings), to count their requests.
    pub phone_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
