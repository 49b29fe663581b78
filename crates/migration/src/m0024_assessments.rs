//! Published assessments (通报考核): for a year, an assessing org's ranking of the orgs it holds to
//! account — each org's letter completion, review score and inspection score, its weighted total,
//! rank and grade — frozen as published (who, when, the date the letters were measured on).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to, "id").take()
}

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
        for mut t in tables {
            manager.create_table(t.if_not_exists().take()).await?;
        }
        for (table, cols, unique) in [
            ("assessments", vec!["org_id", "year"], true),
            ("assessment_rows", vec!["assessment_id"], false),
            ("assessment_rows", vec!["org_id"], false),
        ] {
            let mut idx = Index::create();
            idx.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
            if unique {
                idx.unique();
            }
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.take()).await?;
        }
        Ok(())
    }
}
