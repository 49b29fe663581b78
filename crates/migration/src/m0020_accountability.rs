//! Responsibility letters (责任状): a letter per org and year, signed with the org above it, its
//! targets (an indicator of the catalogue and a value, or a qualitative item the upper org
//! scores) and the signed document. The accountability module's permissions go to every role
//! holding the same action on orgs, as activities and volunteering did (m0018).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk, grant_as_orgs};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("responsibility_letters")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("issuer_id"))
                .col(integer("year"))
                .col(string_len("title", 200))
                .col(date("signed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_letters_org", ("responsibility_letters", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_letters_issuer", ("responsibility_letters", "issuer_id"), "orgs"))
                .take(),
            Table::create()
                .table("letter_targets")
                .col(big_pk_auto("id"))
                .col(big_integer("letter_id"))
                .col(string_len("description", 200))
                .col(string_len_null("indicator_key", 80))
                .col(big_integer_null("target_value"))
                .col(date("starts_on"))
                .col(date("due_on"))
                .col(integer("weight"))
                .col(integer_null("judged_score"))
                .col(string_len("judged_note", 200).default(""))
                .foreign_key(&mut fk(
                    "fk_letter_targets_letter",
                    ("letter_targets", "letter_id"),
                    "responsibility_letters",
                ))
                .take(),
            Table::create()
                .table("letter_documents")
                .col(big_integer("letter_id").primary_key())
                .col(string_len("file_name", 200))
                .col(string_len("content_type", 50))
                .col(blob("bytes"))
                .col(string_len("sha256", 64))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk(
                    "fk_letter_documents_letter",
                    ("letter_documents", "letter_id"),
                    "responsibility_letters",
                ))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("responsibility_letters", &["org_id", "year"], true),
                ("responsibility_letters", &["issuer_id"], false),
                ("responsibility_letters", &["signed_on"], false),
                ("letter_targets", &["letter_id"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "accountability").await
    }
}
