//! The public portal: sign-ups for recruitment-call shifts (phone and ID number encrypted, a
//! private link and a short code for the volunteer), and request counters for rate limits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("signups")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("shift_id"))
                    .col(string_len("name", 50))
                    .col(text("phone_enc"))
                    .col(string_len("phone_hash", 64))
                    .col(text_null("id_number_enc"))
                    .col(string_len("code", 12))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .foreign_key(
                        ForeignKey::create().name("fk_signups_shift").from("signups", "shift_id").to("shifts", "id"),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("rate_limits")
                    .if_not_exists()
                    .col(string_len("key", 100).primary_key())
                    .col(timestamp_with_time_zone("window_start"))
                    .col(integer("hits"))
                    .take(),
            )
            .await?;
        for (name, cols, unique) in [
            ("ix_signups_token_hash", vec!["token_hash"], true),
            ("ix_signups_shift_id_phone_hash", vec!["shift_id", "phone_hash"], false),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("signups");
            for c in cols {
                idx.col(c);
            }
            if unique {
                idx.unique();
            }
            manager.create_index(idx.take()).await?;
        }
        Ok(())
    }
}
