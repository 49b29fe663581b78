//! Idempotency keys of the writing API: a client that may retry sends `Idempotency-Key`; the
//! first request's answer is kept a day under (user, key) with a digest of what was asked, so a
//! retry gets the same answer and the write happens once.

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
        let keys = Table::create()
            .table("idempotency_keys")
            .col(big_pk_auto("id"))
            .col(big_integer("user_id"))
            .col(string_len("key", 100))
            .col(string_len("request_sha256", 64))
            .col(integer_null("status"))
            .col(text_null("body"))
            .col(timestamp_with_time_zone("created_at"))
            .take();
        create_all(manager, [keys], &[("idempotency_keys", &["user_id", "key"], true)]).await
    }
}
