//! District-wide settings as key–value pairs, such as the reform's baseline date that the
//! dashboard compares with by default.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("app_settings")
                    .if_not_exists()
                    .col(string_len("key", 64).primary_key())
                    .col(string_len("value", 400))
                    .take(),
            )
            .await
    }
}
