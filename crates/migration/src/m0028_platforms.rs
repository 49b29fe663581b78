//! Platforms that link young people (搭平台): youth societies with their guiding org, the dated
//! history of their link level, member-count snapshots and leaders; online youth communities with
//! their owning org and admin, member-count snapshots and imported member lists (phones kept only as
//! keyed hashes). Permissions `platforms.*` go to every role holding the same action on orgs.

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
                .table("societies")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 100))
                .col(string_len("kind", 20))
                .col(big_integer_null("region_id"))
                .col(date("founded_on"))
                .col(date_null("dissolved_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_societies_org", ("societies", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_societies_region", ("societies", "region_id"), "regions"))
                .take(),
            Table::create()
                .table("society_links")
                .col(big_pk_auto("id"))
                .col(big_integer("society_id"))
                .col(string_len("level", 20))
                .col(date("on_date"))
                .col(string_len("reason", 200))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("fk_society_links_society", ("society_links", "society_id"), "societies"))
                .take(),
            Table::create()
                .table("society_counts")
                .col(big_pk_auto("id"))
                .col(big_integer("society_id"))
                .col(date("on_date"))
                .col(integer("members"))
                .foreign_key(&mut fk("fk_society_counts_society", ("society_counts", "society_id"), "societies"))
                .take(),
            Table::create()
                .table("society_leaders")
                .col(big_pk_auto("id"))
                .col(big_integer("society_id"))
                .col(big_integer("person_id"))
                .col(string_len("role", 50))
                .col(date("since"))
                .foreign_key(&mut fk("fk_society_leaders_society", ("society_leaders", "society_id"), "societies"))
                .foreign_key(&mut fk("fk_society_leaders_person", ("society_leaders", "person_id"), "people"))
                .take(),
            Table::create()
                .table("communities")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 100))
                .col(string_len("platform", 20))
                .col(string_len("level", 20))
                .col(string_len("community_type", 20))
                .col(big_integer_null("admin_person_id"))
                .col(date("created_on"))
                .col(date_null("closed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_communities_org", ("communities", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_communities_admin", ("communities", "admin_person_id"), "people"))
                .take(),
            Table::create()
                .table("community_counts")
                .col(big_pk_auto("id"))
                .col(big_integer("community_id"))
                .col(date("on_date"))
                .col(integer("members"))
                .foreign_key(&mut fk(
                    "fk_community_counts_community",
                    ("community_counts", "community_id"),
                    "communities",
                ))
                .take(),
            Table::create()
                .table("community_members")
                .col(big_pk_auto("id"))
                .col(big_integer("community_id"))
                .col(string_len("phone_hash", 64))
                .col(date("listed_on"))
                .foreign_key(&mut fk(
                    "fk_community_members_community",
                    ("community_members", "community_id"),
                    "communities",
                ))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("societies", &["org_id"], false),
                ("society_links", &["society_id", "on_date"], false),
                ("society_counts", &["society_id", "on_date"], true),
                ("society_leaders", &["society_id", "person_id"], true),
                ("communities", &["org_id"], false),
                ("community_counts", &["community_id", "on_date"], true),
                ("community_members", &["community_id", "phone_hash"], true),
                ("community_members", &["phone_hash"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "platforms").await
    }
}
