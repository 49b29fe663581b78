//! Attendance through the portal: a call may require real names (an ID number); a sign-up is linked
//! to the person who turns out, carries the birth date and, for a child under 14, the guardian who
//! signed up and consented; QR and typed
//! check-in codes used by a sign-up are remembered so a replay is refused; hours added by hand wait
//! for the approval of the org above (so street and community admins may now approve).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let columns = [
            ("signups", big_integer_null("person_id")),
            ("signups", string_len_null("gender", 10)),
            ("signups", date_null("birth_on")),
            ("signups", string_len_null("guardian_name", 50)),
            ("signups", timestamp_with_time_zone_null("consent_at")),
            ("turnouts", big_integer_null("signup_id")),
            ("recruitment_calls", boolean("real_name_required").default(false).take()),
        ];
        for (table, mut column) in columns {
            manager.alter_table(Table::alter().table(table).add_column(&mut column).take()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("checkin_uses")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("signup_id"))
                    .col(string_len("code", 40))
                    .col(timestamp_with_time_zone("used_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_checkin_uses_signup")
                            .from("checkin_uses", "signup_id")
                            .to("signups", "id"),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("hour_adjustments")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("turnout_id"))
                    .col(big_integer("org_id"))
                    .col(date("on_date"))
                    .col(integer("minutes"))
                    .col(string_len("reason", 200))
                    .col(string_len("status", 20))
                    .col(big_integer_null("requested_by"))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(big_integer_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_hour_adjustments_turnout")
                            .from("hour_adjustments", "turnout_id")
                            .to("turnouts", "id"),
                    )
                    .take(),
            )
            .await?;
        for (table, name, cols, unique) in [
            ("checkin_uses", "ix_checkin_uses_signup_code", vec!["signup_id", "code"], true),
            ("turnouts", "ix_turnouts_signup_id", vec!["signup_id"], true),
            ("hour_adjustments", "ix_hour_adjustments_org_status", vec!["org_id", "status"], false),
            ("hour_adjustments", "ix_hour_adjustments_turnout", vec!["turnout_id"], false),
            ("signups", "ix_signups_person_id", vec!["person_id"], false),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(table);
            for c in cols {
                idx.col(c);
            }
            if unique {
                idx.unique();
            }
            manager.create_index(idx.take()).await?;
        }
        let grant = Query::insert()
            .into_table("role_permissions")
            .columns(["role_id", "permission"])
            .select_from(
                Query::select()
                    .column("id")
                    .expr(Expr::val("orgs.approve"))
                    .from("roles")
                    .and_where(Expr::col("code").eq("org_admin"))
                    .take(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .take();
        manager.exec_stmt(grant).await?;
        Ok(())
    }
}
