//! A ledger line entered by mistake is reversed (红字冲销), never edited or deleted: a reversing
//! line of the opposite value on the same date names the line it reverses (`reverses_id`, at most
//! one reversal a line) and why (`reason`), so every sum nets the mistake out while the book keeps
//! both. Columns only: SQLite cannot add a foreign key to an existing table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("contributions").add_column(big_integer_null("reverses_id")).take())
            .await?;
        manager
            .alter_table(Table::alter().table("contributions").add_column(string_len("reason", 200).default("")).take())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contributions_reverses_id")
                    .table("contributions")
                    .col("reverses_id")
                    .unique()
                    .take(),
            )
            .await
    }
}
