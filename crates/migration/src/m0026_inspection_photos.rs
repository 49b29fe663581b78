//! Photos of a mutual inspection (PNG or JPEG, recognised by content), kept in the database so a
//! backup holds them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [Table::create()
            .table("inspection_photos")
            .col(big_pk_auto("id"))
            .col(big_integer("inspection_id"))
            .col(string_len("file_name", 200))
            .col(string_len("content_type", 100))
            .col(blob("bytes"))
            .col(string_len("sha256", 64))
            .col(timestamp_with_time_zone("uploaded_at"))
            .foreign_key(&mut fk(
                "fk_inspection_photos_inspection",
                ("inspection_photos", "inspection_id"),
                "inspections",
            ))
            .take()];
        create_all(manager, tables, &[("inspection_photos", &["inspection_id"], false)]).await
    }
}
