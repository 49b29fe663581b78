//! The work force's periods: for each person, the days on which they hold a post in an existing
//! social-domain organisation, merged so that one person's periods never overlap. Counting the
//! whole district's work force on a date is then a count of the periods covering it, with no
//! grouping of posts by person. `app::workforce` keeps the table in the same transaction as every
//! change of posts, orgs and sectors, and fills it on the first start after this migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("workforce_spans")
                    .col(big_integer("person_id"))
                    .col(date("start_on"))
                    .col(date_null("end_on"))
                    .primary_key(Index::create().col("person_id").col("start_on"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workforce_spans_person")
                            .from("workforce_spans", "person_id")
                            .to("people", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // The count scans this index: the dates alone, narrower than the table.
        manager
            .create_index(
                Index::create()
                    .name("ix_workforce_spans_dates")
                    .table("workforce_spans")
                    .col("start_on")
                    .col("end_on")
                    .take(),
            )
            .await
    }
}
