//! Hope cabins (B6): one per child — the child's name, the family situation's details and the
//! address encrypted (the birth date kept to know the child a minor), the cabin built (day, items,
//! cost); the volunteers paired with the child, each with a private link to record visits until the
//! pairing ends; the visits, their notes encrypted. The money raised is the ledger's lines for the
//! cabin.
//! `cabins.*` goes to the roles that hold the same action on orgs.

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
                .table("hope_cabins")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("child_name_enc"))
                .col(string_len("child_initial", 4))
                .col(date("child_birth_on"))
                .col(string_len("guardian", 20))
                .col(text("details_enc"))
                .col(text("address_enc"))
                .col(date_null("built_on"))
                .col(string_len("items", 200).default(""))
                .col(big_integer_null("cost_fen"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_hope_cabins_org", ("hope_cabins", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("cabin_pairs")
                .col(big_pk_auto("id"))
                .col(big_integer("cabin_id"))
                .col(big_integer("person_id"))
                .col(date("since"))
                .col(date_null("ended_on"))
                .col(string_len("token_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_cabin_pairs_cabin", ("cabin_pairs", "cabin_id"), "hope_cabins"))
                .foreign_key(&mut fk("fk_cabin_pairs_person", ("cabin_pairs", "person_id"), "people"))
                .take(),
            Table::create()
                .table("cabin_visits")
                .col(big_pk_auto("id"))
                .col(big_integer("cabin_id"))
                .col(big_integer_null("pair_id"))
                .col(date("on_date"))
                .col(string_len("kind", 20))
                .col(string_len("by_name", 50))
                .col(text("notes_enc"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_cabin_visits_cabin", ("cabin_visits", "cabin_id"), "hope_cabins"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("hope_cabins", &["org_id"], false),
                ("cabin_pairs", &["cabin_id", "person_id"], false),
                ("cabin_pairs", &["token_hash"], true),
                ("cabin_visits", &["cabin_id", "on_date"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "cabins").await
    }
}
