//! When the session's user last confirmed their password (ASVS 3.7.1): unmasking, exports of
//! personal data and changes of roles need a confirmation within the last few minutes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("sessions").add_column(timestamp_with_time_zone_null("reauthenticated_at")).take(),
            )
            .await
    }
}
