//! A portal booking keeps the keyed hash of the booker's phone beside the encrypted phone, so the
//! requests one phone holds can be counted (and capped) without decrypting anything.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("venue_bookings").add_column(string_len_null("phone_hash", 64)).take())
            .await?;
        manager
            .create_index(
                Index::create().name("ix_venue_bookings_phone_hash").table("venue_bookings").col("phone_hash").take(),
            )
            .await
    }
}
