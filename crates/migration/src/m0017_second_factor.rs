//! A second factor: a TOTP secret per account (encrypted, kept pending until the first code
//! confirms it), the last time step used (a code works once), the hashes of the unused recovery
//! codes; and per role whether its holders must use a second factor.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let columns = [
            text_null("totp_secret"),
            timestamp_with_time_zone_null("totp_enabled_at"),
            big_integer_null("totp_last_step"),
            text_null("recovery_codes"),
        ];
        for column in columns {
            manager.alter_table(Table::alter().table("users").add_column(column).take()).await?;
        }
        manager
            .alter_table(
                Table::alter().table("roles").add_column(boolean("requires_second_factor").default(false)).take(),
            )
            .await
    }
}
