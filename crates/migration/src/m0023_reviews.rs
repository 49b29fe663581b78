//! Duty-report reviews (述职评议): a round organised by an org, the orgs whose secretaries report
//! in it, its rater groups with their weights and quorums, the raters (each with a private link,
//! kept as a hash) and their ballots; a concluded round keeps each reporter's score and grade.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("review_rounds")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(integer("year"))
                .col(string_len("title", 200))
                .col(date("held_on"))
                .col(date("closes_on"))
                .col(integer("good_cap"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("concluded_at"))
                .col(date_null("concluded_on"))
                .foreign_key(&mut fk("fk_review_rounds_org", ("review_rounds", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("review_groups")
                .col(big_pk_auto("id"))
                .col(big_integer("round_id"))
                .col(string_len("name", 50))
                .col(integer("weight"))
                .col(integer("quorum"))
                .foreign_key(&mut fk("fk_review_groups_round", ("review_groups", "round_id"), "review_rounds"))
                .take(),
            Table::create()
                .table("review_reporters")
                .col(big_pk_auto("id"))
                .col(big_integer("round_id"))
                .col(big_integer("org_id"))
                .col(integer_null("score_tenths"))
                .col(string_len_null("grade", 20))
                .foreign_key(&mut fk("fk_review_reporters_round", ("review_reporters", "round_id"), "review_rounds"))
                .foreign_key(&mut fk("fk_review_reporters_org", ("review_reporters", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("review_raters")
                .col(big_pk_auto("id"))
                .col(big_integer("round_id"))
                .col(big_integer("group_id"))
                .col(string_len("name", 50))
                .col(string_len("token_hash", 64))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .foreign_key(&mut fk("fk_review_raters_round", ("review_raters", "round_id"), "review_rounds"))
                .foreign_key(&mut fk("fk_review_raters_group", ("review_raters", "group_id"), "review_groups"))
                .take(),
            Table::create()
                .table("review_ballots")
                .col(big_pk_auto("id"))
                .col(big_integer("rater_id"))
                .col(big_integer("reporter_id"))
                .col(string_len("grade", 20))
                .foreign_key(&mut fk("fk_review_ballots_rater", ("review_ballots", "rater_id"), "review_raters"))
                .foreign_key(&mut fk(
                    "fk_review_ballots_reporter",
                    ("review_ballots", "reporter_id"),
                    "review_reporters",
                ))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("review_rounds", &["org_id", "held_on"], false),
                ("review_rounds", &["held_on"], false),
                ("review_groups", &["round_id"], false),
                ("review_reporters", &["round_id", "org_id"], true),
                ("review_reporters", &["org_id"], false),
                ("review_raters", &["token_hash"], true),
                ("review_raters", &["round_id"], false),
                ("review_ballots", &["rater_id", "reporter_id"], true),
                ("review_ballots", &["reporter_id"], false),
            ],
        )
        .await
    }
}
