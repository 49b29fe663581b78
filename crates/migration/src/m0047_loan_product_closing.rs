//! A loan product can be closed: it is no longer offered (on the portal or at the desk) while the
//! applications made under it go on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let closed = Table::alter().table("loan_products").add_column(date_null("closed_on")).take();
        manager.alter_table(closed).await
    }
}
