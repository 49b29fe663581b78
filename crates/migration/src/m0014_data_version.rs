//! The data version: one counter every write transaction increments as it commits, so figures
//! computed for a version can be shared by the requests that read the same version — on every
//! server process of one database — and are never served after a write.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("data_version")
                    .col(integer("id").primary_key())
                    .col(big_integer("version").default(0))
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("data_version")
                    .columns(["id", "version"])
                    .values_panic([1.into(), 0.into()])
                    .take(),
            )
            .await
    }
}
