//! Youth self-organisations (青年自组织): groups young people formed themselves, each guided by a
//! league org, with a kind, a region, a contact (the phone encrypted) and founding and
//! dissolution dates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("self_organisations")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string_len("name", 100))
                    .col(string_len("kind", 30))
                    .col(big_integer_null("region_id"))
                    .col(string_len("contact_name", 50))
                    .col(text("contact_phone_enc"))
                    .col(integer_null("members"))
                    .col(date("founded_on"))
                    .col(date_null("dissolved_on"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_self_organisations_org")
                            .from("self_organisations", "org_id")
                            .to("orgs", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_self_organisations_region")
                            .from("self_organisations", "region_id")
                            .to("regions", "id"),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_self_organisations_org_id").table("self_organisations").col("org_id").take(),
            )
            .await
    }
}
