//! A project may name the venue it runs in (`projects.venue_id`). A column only: SQLite cannot add
//! a foreign key to an existing table; the use-case checks the id.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("projects").add_column(big_integer_null("venue_id")).take()).await
    }
}
