//! Projects (brand projects among them) with their indicators and dated values, and activities
//! with a sign-up window, capacity, approval and a waiting list; the public signs up through the
//! portal and organisers mark attendance and the people served. Commando teams get members.

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
                .table("projects")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 100))
                .col(string_len("category", 40))
                .col(boolean("brand"))
                .col(date("starts_on"))
                .col(date_null("ends_on"))
                .col(string_len("partners", 500))
                .foreign_key(&mut fk("fk_projects_org", ("projects", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("project_indicators")
                .col(big_pk_auto("id"))
                .col(big_integer("project_id"))
                .col(string_len("name", 100))
                .col(string_len("unit", 20))
                .foreign_key(&mut fk("fk_project_indicators_project", ("project_indicators", "project_id"), "projects"))
                .take(),
            Table::create()
                .table("indicator_values")
                .col(big_pk_auto("id"))
                .col(big_integer("indicator_id"))
                .col(date("on_date"))
                .col(double("value"))
                .col(string_len("note", 200))
                .foreign_key(&mut fk(
                    "fk_indicator_values_indicator",
                    ("indicator_values", "indicator_id"),
                    "project_indicators",
                ))
                .take(),
            Table::create()
                .table("activities")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer_null("project_id"))
                .col(string_len("title", 200))
                .col(string_len("category", 40))
                .col(string_len("audience", 20))
                .col(date("on_date"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string_len("place", 200))
                .col(integer("capacity"))
                .col(date("signup_opens_on"))
                .col(date("signup_closes_on"))
                .col(boolean("needs_approval"))
                .col(boolean("waitlist"))
                .col(boolean("real_name_required"))
                .col(big_integer("people_served").default(0))
                .foreign_key(&mut fk("fk_activities_org", ("activities", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_activities_project", ("activities", "project_id"), "projects"))
                .take(),
            Table::create()
                .table("activity_signups")
                .col(big_pk_auto("id"))
                .col(big_integer("activity_id"))
                .col(string_len("name", 50))
                .col(text("phone_enc"))
                .col(string_len("phone_hash", 64))
                .col(text_null("id_number_enc"))
                .col(string_len("gender", 10))
                .col(date("birth_on"))
                .col(string_len_null("guardian_name", 50))
                .col(timestamp_with_time_zone_null("consent_at"))
                .col(string_len("status", 20))
                .col(boolean("attended"))
                .col(string_len("code", 12))
                .col(string_len("token_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_activity_signups_activity", ("activity_signups", "activity_id"), "activities"))
                .take(),
            Table::create()
                .table("team_members")
                .col(big_pk_auto("id"))
                .col(big_integer("team_id"))
                .col(big_integer("person_id"))
                .col(date("joined_on"))
                .col(date_null("left_on"))
                .foreign_key(&mut fk("fk_team_members_team", ("team_members", "team_id"), "volunteer_teams"))
                .foreign_key(&mut fk("fk_team_members_person", ("team_members", "person_id"), "people"))
                .take(),
        ];
        for mut t in tables {
            manager.create_table(t.if_not_exists().take()).await?;
        }
        for (table, cols, unique) in [
            ("projects", vec!["org_id"], false),
            ("project_indicators", vec!["project_id"], false),
            ("indicator_values", vec!["indicator_id", "on_date"], false),
            ("activities", vec!["org_id", "on_date"], false),
            ("activities", vec!["project_id"], false),
            ("activity_signups", vec!["activity_id", "status"], false),
            ("activity_signups", vec!["token_hash"], true),
            ("team_members", vec!["team_id"], false),
        ] {
            let mut idx = Index::create();
            idx.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
            for c in cols {
                idx.col(c);
            }
            if unique {
                idx.unique();
            }
            manager.create_index(idx.take()).await?;
        }
        Ok(())
    }
}
