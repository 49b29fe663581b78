use sea_orm::entity::prelude::*;

/// One real person. The ID number and phone are stored encrypted (AES-256-GCM), with keyed hashes
/// (HMAC-SHA-256) for look-up and de-duplication.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub initials: String,
    pub gender: String,
    pub birth_on: Option<Date>,
    pub id_number_enc: Option<String>,
    pub id_number_hash: Option<String>,
    pub phone_enc: Option<String>,
    pub phone_hash: Option<String>,
    pub member_since: Option<Date>,
    pub political_status: String,
    pub region_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
