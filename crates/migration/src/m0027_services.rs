//! Partners (合作伙伴, one registry for every kind) and the contracts by which orgs buy services from
//! them (购买服务), with the social workers each places (their posts). The cadre index also takes
//! the purchased social workers' posts, so their figure reads it like the other cadre figures.

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
                .table("partners")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 200))
                .col(string_len("credit_code", 18))
                .col(string_len("kind", 30))
                .col(string_len("contact_name", 50))
                .col(text("contact_phone_enc"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_partners_org", ("partners", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("service_contracts")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("partner_id"))
                .col(string_len("title", 200))
                .col(big_integer("amount_fen"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(string_len("deliverables", 1000))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_service_contracts_org", ("service_contracts", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_service_contracts_partner", ("service_contracts", "partner_id"), "partners"))
                .take(),
            Table::create()
                .table("contract_workers")
                .col(big_pk_auto("id"))
                .col(big_integer("contract_id"))
                .col(big_integer("position_id"))
                .foreign_key(&mut fk(
                    "fk_contract_workers_contract",
                    ("contract_workers", "contract_id"),
                    "service_contracts",
                ))
                .foreign_key(&mut fk("fk_contract_workers_position", ("contract_workers", "position_id"), "positions"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("partners", &["credit_code"], true),
                ("partners", &["org_id"], false),
                ("service_contracts", &["org_id", "starts_on"], false),
                ("contract_workers", &["contract_id", "position_id"], true),
            ],
        )
        .await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_positions_cadres").await?;
        db.execute_unprepared(
            "CREATE INDEX ix_positions_cadres ON positions \
             (org_id, person_id, start_on, end_on, title, source, employment, serving_level) \
             WHERE (title = 'secretary' AND source IN ('two_committees', 'good_rural_youth')) \
             OR (source = 'social_selection' AND serving_level IN ('district', 'street') \
             AND employment IN ('seconded', 'part_time')) \
             OR (source = 'purchased_service' AND employment = 'social_worker')",
        )
        .await?;
        Ok(())
    }
}
