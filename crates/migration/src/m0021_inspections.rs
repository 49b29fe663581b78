//! Mutual inspections (互检观摩): an inspection of an org on a date, by visitors, with a checklist
//! of scored items; each finding may raise a rectification item (整改) for an org, with a
//! deadline, closed with its evidence.

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
                .table("inspections")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(date("held_on"))
                .col(string_len("title", 200))
                .col(string_len("visitors", 500))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_inspections_org", ("inspections", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("inspection_items")
                .col(big_pk_auto("id"))
                .col(big_integer("inspection_id"))
                .col(string_len("item", 200))
                .col(integer("score"))
                .col(integer("max_score"))
                .foreign_key(&mut fk(
                    "fk_inspection_items_inspection",
                    ("inspection_items", "inspection_id"),
                    "inspections",
                ))
                .take(),
            Table::create()
                .table("rectifications")
                .col(big_pk_auto("id"))
                .col(big_integer("inspection_id"))
                .col(big_integer("org_id"))
                .col(string_len("finding", 500))
                .col(date("raised_on"))
                .col(date("due_on"))
                .col(date_null("closed_on"))
                .col(string_len("evidence", 500).default(""))
                .foreign_key(&mut fk(
                    "fk_rectifications_inspection",
                    ("rectifications", "inspection_id"),
                    "inspections",
                ))
                .foreign_key(&mut fk("fk_rectifications_org", ("rectifications", "org_id"), "orgs"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("inspections", &["org_id", "held_on"], false),
                ("inspection_items", &["inspection_id"], false),
                ("rectifications", &["org_id", "due_on"], false),
                ("rectifications", &["inspection_id"], false),
            ],
        )
        .await
    }
}
