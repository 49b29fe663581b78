//! A venue's photos (PNG or JPEG, recognised by content; kept in the database so a backup holds
//! them), shown on its page and on the portal; and the day a member of its operating team left
//! (`venue_team.until`), so the team is kept as it was.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [Table::create()
            .table("venue_photos")
            .col(big_pk_auto("id"))
            .col(big_integer("venue_id"))
            .col(string_len("file_name", 200))
            .col(string_len("content_type", 100))
            .col(blob("bytes"))
            .col(string_len("sha256", 64))
            .col(timestamp_with_time_zone("uploaded_at"))
            .foreign_key(&mut fk("fk_venue_photos_venue", ("venue_photos", "venue_id"), "venues"))
            .take()];
        create_all(manager, tables, &[("venue_photos", &["venue_id"], false)]).await?;
        manager.alter_table(Table::alter().table("venue_team").add_column(date_null("until")).take()).await
    }
}
