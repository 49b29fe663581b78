use sea_orm::entity::prelude::*;

/// A ledger line's attachment (PDF or image), kept in the database so a backup holds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contribution_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contribution_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
