//! A ledger line's attachment (a receipt, a donation certificate, a valuation): PDF or image, kept
//! in the database so a backup holds it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table("contribution_documents")
            .col(big_integer("contribution_id").primary_key())
            .col(string_len("file_name", 200))
            .col(string_len("content_type", 100))
            .col(blob("bytes"))
            .col(string_len("sha256", 64))
            .col(timestamp_with_time_zone("uploaded_at"))
            .foreign_key(&mut fk(
                "fk_contribution_documents_contribution",
                ("contribution_documents", "contribution_id"),
                "contributions",
            ))
            .take();
        create_all(manager, [table], &[]).await
    }
}
