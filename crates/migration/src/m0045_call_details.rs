//! What a volunteer or a young person reads before signing up: a call's and an activity's
//! description and contact, a call's sign-up deadline, and a poster (PNG or JPEG, one each, kept
//! in the database so a backup holds it). A call can be closed: it leaves the portal and takes no
//! more sign-ups, its records stay.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::create_all;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let add = |table: &'static str, column: ColumnDef| Table::alter().table(table).add_column(column).take();
        for table in ["recruitment_calls", "activities"] {
            manager.alter_table(add(table, text("description").default("").take())).await?;
            manager.alter_table(add(table, string_len("contact", 100).default("").take())).await?;
        }
        manager.alter_table(add("recruitment_calls", date_null("signup_deadline"))).await?;
        manager.alter_table(add("recruitment_calls", date_null("closed_on"))).await?;
        let posters = Table::create()
            .table("posters")
            .col(big_pk_auto("id"))
            .col(string_len("owner_kind", 20))
            .col(big_integer("owner_id"))
            .col(string_len("file_name", 200))
            .col(string_len("content_type", 50))
            .col(blob("bytes"))
            .col(string_len("sha256", 64))
            .col(timestamp_with_time_zone("uploaded_at"))
            .take();
        create_all(manager, [posters], &[("posters", &["owner_kind", "owner_id"], true)]).await
    }
}
