//! Venues (阵地): the Youth Home network, the entrepreneurship centre, service points — each run by
//! an org, with its operating team (people with their role); bookable spaces with capacity and
//! opening hours; bookings of a space by an org, a partner or a young person (from the portal, with
//! a private link's hash), their state, check-in and no-show.

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
                .table("venues")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 100))
                .col(string_len("kind", 30))
                .col(boolean("flagship").default(false))
                .col(big_integer_null("region_id"))
                .col(string_len("address", 200))
                .col(string_len("hours", 100).default(""))
                .col(string_len("honours", 200).default(""))
                .col(date("opened_on"))
                .col(date_null("closed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_venues_org", ("venues", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_venues_region", ("venues", "region_id"), "regions"))
                .take(),
            Table::create()
                .table("venue_team")
                .col(big_pk_auto("id"))
                .col(big_integer("venue_id"))
                .col(big_integer("person_id"))
                .col(string_len("role", 20))
                .col(date("since"))
                .foreign_key(&mut fk("fk_venue_team_venue", ("venue_team", "venue_id"), "venues"))
                .foreign_key(&mut fk("fk_venue_team_person", ("venue_team", "person_id"), "people"))
                .take(),
            Table::create()
                .table("venue_spaces")
                .col(big_pk_auto("id"))
                .col(big_integer("venue_id"))
                .col(string_len("name", 100))
                .col(integer("capacity"))
                .col(integer("opens_min"))
                .col(integer("closes_min"))
                .col(string_len("weekdays", 7))
                .foreign_key(&mut fk("fk_venue_spaces_venue", ("venue_spaces", "venue_id"), "venues"))
                .take(),
            Table::create()
                .table("venue_bookings")
                .col(big_pk_auto("id"))
                .col(big_integer("space_id"))
                .col(string_len("booker_kind", 10))
                .col(big_integer_null("org_id"))
                .col(big_integer_null("partner_id"))
                .col(string_len("name", 50))
                .col(text_null("phone_enc"))
                .col(string_len("purpose", 200))
                .col(integer("attendees"))
                .col(date("on_date"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string_len("state", 20))
                .col(string_len_null("token_hash", 64))
                .col(string_len("note", 200).default(""))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("checked_in_at"))
                .foreign_key(&mut fk("fk_venue_bookings_space", ("venue_bookings", "space_id"), "venue_spaces"))
                .foreign_key(&mut fk("fk_venue_bookings_org", ("venue_bookings", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_venue_bookings_partner", ("venue_bookings", "partner_id"), "partners"))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("venues", &["org_id"], false),
                ("venue_team", &["venue_id", "person_id"], true),
                ("venue_spaces", &["venue_id"], false),
                ("venue_bookings", &["space_id", "starts_at"], false),
                ("venue_bookings", &["token_hash"], true),
            ],
        )
        .await
    }
}
