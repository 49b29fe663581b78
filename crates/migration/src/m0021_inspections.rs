//! Mutual inspections (互检观摩): an inspection of an org on a date, by visitors, with a checklist
//! of scored items; each finding may raise a rectification item (整改) for an org, with a
//! deadline, closed with its evidence.

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
        for mut t in tables {
            manager.create_table(t.if_not_exists().take()).await?;
        }
        for (table, cols) in [
            ("inspections", vec!["org_id", "held_on"]),
            ("inspection_items", vec!["inspection_id"]),
            ("rectifications", vec!["org_id", "due_on"]),
            ("rectifications", vec!["inspection_id"]),
        ] {
            let mut idx = Index::create();
            idx.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.take()).await?;
        }
        Ok(())
    }
}
