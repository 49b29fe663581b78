//! An activity may name the venue's space it uses (`activities.space_id`); the booking that holds
//! the space's time for it says which activity it is for (`venue_bookings.activity_id`). Columns
//! only: SQLite cannot add a foreign key to an existing table; the use-cases check both ids.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("activities").add_column(big_integer_null("space_id")).take()).await?;
        manager
            .alter_table(Table::alter().table("venue_bookings").add_column(big_integer_null("activity_id")).take())
            .await
    }
}
