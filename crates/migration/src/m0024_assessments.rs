//! Published assessments (通报考核): for a year, an assessing org's ranking of the orgs it holds to
//! account — each org's letter completion, review score and inspection score, its weighted total,
//! rank and grade — frozen as published (who, when, the date the letters were measured on).

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
                .table("assessments")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(integer("year"))
                .col(string_len("title", 200))
                .col(integer("letter_weight"))
                .col(integer("review_weight"))
                .col(integer("inspection_weight"))
                .col(date("measured_on"))
                .col(timestamp_with_time_zone("published_at"))
                .col(string_len("published_by", 100))
                .foreign_key(&mut fk("fk_assessments_org", ("assessments", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("assessment_rows")
                .col(big_pk_auto("id"))
                .col(big_integer("assessment_id"))
                .col(big_integer("org_id"))
                .col(integer_null("letter_tenths"))
                .col(integer_null("review_tenths"))
                .col(integer_null("inspection_tenths"))
                .col(integer("total_tenths"))
                .col(integer("rank"))
                .col(string_len("grade", 20))
                .foreign_key(&mut fk(
                    "fk_assessment_rows_assessment",
                    ("assessment_rows", "assessment_id"),
                    "assessments",
                ))
                .foreign_key(&mut fk("fk_assessment_rows_org", ("assessment_rows", "org_id"), "orgs"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("assessments", &["org_id", "year"], true),
                ("assessment_rows", &["assessment_id"], false),
                ("assessment_rows", &["org_id"], false),
            ],
        )
        .await
    }
}
