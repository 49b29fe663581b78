//! When each account last logged in, so accounts unused for too long can be disabled (等保
//! 访问控制 "及时删除或停用多余的、过期的账户"). Existing accounts count as used at the upgrade, so
//! nobody is shut out by it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("users").add_column(timestamp_with_time_zone_null("last_login_at")).take(),
            )
            .await?;
        let now = sea_orm::prelude::DateTimeUtc::from(std::time::SystemTime::now());
        manager.exec_stmt(Query::update().table("users").value("last_login_at", now).take()).await
    }
}
