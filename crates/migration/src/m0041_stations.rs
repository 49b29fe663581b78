//! Youth stations (B4): each station's beds and rules (age limit, graduated within so many years,
//! free nights at most, the window in which a job found counts as the stay's outcome); stays with
//! the guest's ID number and phone encrypted, the bed they hold for their nights, check-in and
//! check-out, the services received; follow-ups of where they found work. `stations.*` goes to the
//! roles that hold the same action on orgs (`unmask` as `orgs.unmask`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk, grant_as_orgs, grant_unmask_as_orgs};

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
                .table("youth_stations")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 100))
                .col(string_len("address", 200))
                .col(integer("beds"))
                .col(integer("max_age"))
                .col(integer("graduated_within_years"))
                .col(integer("max_free_nights"))
                .col(integer("employment_window_days"))
                .col(date("opened_on"))
                .col(date_null("closed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_youth_stations_org", ("youth_stations", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("station_stays")
                .col(big_pk_auto("id"))
                .col(big_integer("station_id"))
                .col(integer("bed"))
                .col(string_len("name", 50))
                .col(text("id_number_enc"))
                .col(string_len("id_hash", 64))
                .col(text("phone_enc"))
                .col(date("birth_date"))
                .col(string_len("school", 100))
                .col(date("graduated_on"))
                .col(date("arrives_on"))
                .col(date("leaves_on"))
                .col(string_len("state", 20))
                .col(date_null("checked_in_on"))
                .col(date_null("checked_out_on"))
                .col(integer("nights").default(0))
                .col(string_len("services", 100).default(""))
                .col(boolean("employed_local").default(false))
                .col(string_len_null("token_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_station_stays_station", ("station_stays", "station_id"), "youth_stations"))
                .take(),
            Table::create()
                .table("station_followups")
                .col(big_pk_auto("id"))
                .col(big_integer("stay_id"))
                .col(date("on_date"))
                .col(boolean("employed"))
                .col(string_len("employer", 100).default(""))
                .col(boolean("in_district"))
                .col(date_null("started_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_station_followups_stay", ("station_followups", "stay_id"), "station_stays"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("youth_stations", &["org_id"], false),
                ("station_stays", &["station_id", "arrives_on"], false),
                ("station_stays", &["id_hash"], false),
                ("station_stays", &["token_hash"], true),
                ("station_followups", &["stay_id"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "stations").await?;
        grant_unmask_as_orgs(manager, "stations").await?;
        Ok(())
    }
}
