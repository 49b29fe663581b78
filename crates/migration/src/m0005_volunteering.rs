//! Volunteer mobilisation: commando teams, recruitment calls with shifts, turn-outs with check-in
//! and check-out and the hours credited, people served, and donations in money and goods.

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
                .table("volunteer_teams")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 100))
                .col(big_integer_null("leader_person_id"))
                .col(date("formed_on"))
                .col(date_null("disbanded_on"))
                .foreign_key(&mut fk("fk_volunteer_teams_org", ("volunteer_teams", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("recruitment_calls")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("title", 200))
                .col(string_len("task", 40))
                .col(date("published_on"))
                .foreign_key(&mut fk("fk_recruitment_calls_org", ("recruitment_calls", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("shifts")
                .col(big_pk_auto("id"))
                .col(big_integer("call_id"))
                .col(date("on_date"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string_len("place", 200))
                .col(integer("places"))
                .col(big_integer("people_served"))
                .foreign_key(&mut fk("fk_shifts_call", ("shifts", "call_id"), "recruitment_calls"))
                .take(),
            Table::create()
                .table("turnouts")
                .col(big_pk_auto("id"))
                .col(big_integer("shift_id"))
                .col(big_integer("person_id"))
                .col(big_integer_null("team_id"))
                .col(timestamp_with_time_zone_null("check_in_at"))
                .col(timestamp_with_time_zone_null("check_out_at"))
                .col(integer("credited_minutes"))
                .foreign_key(&mut fk("fk_turnouts_shift", ("turnouts", "shift_id"), "shifts"))
                .foreign_key(&mut fk("fk_turnouts_person", ("turnouts", "person_id"), "people"))
                .take(),
            Table::create()
                .table("donations")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len_null("donor_name", 100))
                .col(string_len("donor_kind", 20))
                .col(string_len("kind", 20))
                .col(big_integer("value_fen"))
                .col(string_len("purpose", 200))
                .col(date("donated_on"))
                .col(string_len("receipt_no", 40))
                .foreign_key(&mut fk("fk_donations_org", ("donations", "org_id"), "orgs"))
                .take(),
        ];
        for mut t in tables {
            manager.create_table(t.if_not_exists().take()).await?;
        }
        for (table, cols) in [
            ("volunteer_teams", vec!["org_id"]),
            ("recruitment_calls", vec!["org_id"]),
            ("shifts", vec!["call_id", "on_date"]),
            ("turnouts", vec!["shift_id"]),
            ("turnouts", vec!["person_id"]),
            ("donations", vec!["org_id", "donated_on"]),
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
