use sea_orm::entity::prelude::*;

/// An application's attachment (a résumé or certificate: PDF, PNG or JPEG), one per application.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
