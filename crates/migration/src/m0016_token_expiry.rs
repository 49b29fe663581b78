//! API tokens expire: each has a last day of use (90 days after creation unless chosen, at most a
//! year). Tokens made before this have none recorded and count from their creation.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("api_tokens").add_column(timestamp_with_time_zone_null("expires_at")).take(),
            )
            .await
    }
}
