//! Messages through an outbox: written in the same transaction as the change that causes them,
//! sent by a worker with retries and back-off; the recipient's phone encrypted beside its keyed
//! hash; a unique key so one event never queues two messages; a lease so a message being sent is
//! not sent by another worker, and is sent again (with the same idempotency key) only after the
//! lease runs out. People opt out per kind, by the phone's keyed hash.
//! `messages.read`/`write` go to the roles that read/write users (the admins): a message holds
//! names and check-in codes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("outbox")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("kind", 30))
                .col(text("to_enc"))
                .col(string_len("to_hash", 64))
                .col(text("body"))
                .col(string_len("dedupe_key", 120))
                .col(string_len("state", 20))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_at"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(string_len_null("lease_token", 32))
                .col(string_len_null("last_error", 500))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_outbox_org", ("outbox", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("message_opt_outs")
                .col(big_pk_auto("id"))
                .col(string_len("phone_hash", 64))
                .col(string_len("kind", 30))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("outbox", &["dedupe_key"], true),
                ("outbox", &["state", "next_at"], false),
                ("outbox", &["org_id", "id"], false),
                ("message_opt_outs", &["phone_hash", "kind"], true),
            ],
        )
        .await?;
        for (action, like) in [("read", "users.read"), ("write", "users.write")] {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "INSERT INTO role_permissions (role_id, permission) \
                     SELECT role_id, 'messages.{action}' FROM role_permissions WHERE permission = '{like}'"
                ))
                .await?;
        }
        Ok(())
    }
}
