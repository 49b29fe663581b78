//! Open selection (社会化选拔): openings for places in an org, the public's applications (ID number
//! and phone encrypted, the ID number's keyed hash for duplicates, a private link's hash), their
//! attachments, and objections during the public notice. Permissions `selection.*` go to every
//! role holding the same action on orgs.

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
                .table("openings")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("title", 200))
                .col(string_len("serving_level", 20))
                .col(string_len("employment", 20))
                .col(string_len("post_title", 20))
                .col(integer("places"))
                .col(integer("max_age"))
                .col(date("age_on"))
                .col(string_len("requirements", 1000))
                .col(integer("term_months"))
                .col(date("opens_on"))
                .col(date("closes_on"))
                .col(integer("written_weight"))
                .col(integer("interview_weight"))
                .col(date_null("notice_from"))
                .col(date_null("notice_until"))
                .col(date_null("appointed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_openings_org", ("openings", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("applications")
                .col(big_pk_auto("id"))
                .col(big_integer("opening_id"))
                .col(string_len("name", 50))
                .col(string_len("gender", 10))
                .col(date_null("birth_on"))
                .col(text_null("id_number_enc"))
                .col(string_len_null("id_number_hash", 64))
                .col(text_null("phone_enc"))
                .col(string_len("education", 50))
                .col(string_len("political_status", 30))
                .col(text("resume"))
                .col(string_len("token_hash", 64))
                .col(string_len("state", 20))
                .col(string_len("check_note", 500).default(""))
                .col(integer_null("written_tenths"))
                .col(integer_null("interview_tenths"))
                .col(big_integer_null("position_id"))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(timestamp_with_time_zone_null("purged_at"))
                .foreign_key(&mut fk("fk_applications_opening", ("applications", "opening_id"), "openings"))
                .take(),
            Table::create()
                .table("application_documents")
                .col(big_integer("application_id").primary_key())
                .col(string_len("file_name", 200))
                .col(string_len("content_type", 100))
                .col(blob("bytes"))
                .col(string_len("sha256", 64))
                .foreign_key(&mut fk(
                    "fk_application_documents_application",
                    ("application_documents", "application_id"),
                    "applications",
                ))
                .take(),
            Table::create()
                .table("objections")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(string_len("content", 1000))
                .col(string_len("contact", 100))
                .col(timestamp_with_time_zone("raised_at"))
                .col(boolean_null("upheld"))
                .col(string_len("resolution", 500).default(""))
                .foreign_key(&mut fk("fk_objections_application", ("objections", "application_id"), "applications"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("openings", &["org_id"], false),
                ("openings", &["opens_on"], false),
                ("applications", &["opening_id", "id_number_hash"], true),
                ("applications", &["token_hash"], true),
                ("applications", &["state"], false),
                ("objections", &["application_id"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "selection").await
    }
}
