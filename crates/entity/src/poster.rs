use sea_orm::entity::prelude::*;

/// The poster of a recruitment call or an activity (PNG or JPEG, recognised by content), shown on
/// its page and on the portal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `call` or `activity`.
    pub owner_kind: String,
    pub owner_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
