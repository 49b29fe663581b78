use sea_orm::entity::prelude::*;

/// A volunteer's sign-up for a shift through the public portal. Only the hash of the private
/// link's token is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub shift_id: i64,
    pub name: String,
    pub phone_enc: String,
    pub phone_hash: String,
    pub id_number_enc: Option<String>,
    pub code: String,
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    /// The person who turned out, linked at the first check-in.
    pub person_id: Option<i64>,
    pub gender: Option<String>,
    pub birth_on: Option<Date>,
    /// For a child under 14: the guardian who signed up, and when they consented.
    pub guardian_name: Option<String>,
    pub consent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
