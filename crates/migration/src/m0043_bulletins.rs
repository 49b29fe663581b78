//! The work bulletin (#12): templates users may edit (each edit a new version of its name), the
//! bulletins written from them (scope, dates, the narrative blocks and the explanations of
//! declines typed beside the computed figures), and reports frozen as published — a bulletin or a
//! figures report: the figures, the scope and dates, the content, who published it when, and a
//! digest; reopened only as a new version.
//! `bulletins.*` goes to the roles that hold the same action on orgs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk, grant_as_orgs};

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
                .table("bulletin_templates")
                .col(big_pk_auto("id"))
                .col(string_len("name", 100))
                .col(integer("version"))
                .col(text("body"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
            Table::create()
                .table("bulletins")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len_null("street", 30))
                .col(date("as_of"))
                .col(date("baseline"))
                .col(date_null("from_on"))
                .col(string_len_null("template_name", 100))
                .col(string_len("title", 200))
                .col(text("blocks"))
                .col(text("explanations"))
                .col(string_len("state", 20))
                .col(big_integer_null("previous_id"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_bulletins_org", ("bulletins", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("frozen_reports")
                .col(big_pk_auto("id"))
                .col(string_len("kind", 20))
                .col(big_integer_null("bulletin_id"))
                .col(big_integer("org_id"))
                .col(string_len_null("street", 30))
                .col(date("as_of"))
                .col(date("baseline"))
                .col(date_null("from_on"))
                .col(string_len("title", 200))
                .col(text("content"))
                .col(text("figures"))
                .col(string_len("digest", 64))
                .col(integer("version"))
                .col(big_integer_null("previous_id"))
                .col(big_integer_null("published_by"))
                .col(string_len("published_by_name", 100))
                .col(timestamp_with_time_zone("published_at"))
                .foreign_key(&mut fk("fk_frozen_reports_org", ("frozen_reports", "org_id"), "orgs"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("bulletin_templates", &["name", "version"], true),
                ("bulletins", &["org_id", "as_of"], false),
                // A published bulletin is reopened once: one next version.
                ("bulletins", &["previous_id"], true),
                ("frozen_reports", &["org_id", "published_at"], false),
                ("frozen_reports", &["bulletin_id"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "bulletins").await
    }
}
