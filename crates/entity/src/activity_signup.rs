use sea_orm::entity::prelude::*;

/// A sign-up for an activity through the portal; only the hash of the private link's token is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_signups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub name: String,
    pub phone_enc: String,
    pub phone_hash: String,
    pub id_number_enc: Option<String>,
    pub gender: String,
    pub birth_on: Date,
    pub guardian_name: Option<String>,
    pub consent_at: Option<DateTimeUtc>,
    /// A `SignupStatus` code.
    pub status: String,
    pub attended: bool,
    pub code: String,
    pub token_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
