use sea_orm::entity::prelude::*;

/// A photo of a venue (PNG or JPEG, recognised by content), shown on its page and the portal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub venue_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
