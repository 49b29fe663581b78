//! Consultation cases (P4): who asked (possibly anonymous; name and phone encrypted), how, about
//! what, the consultant (an account of a partner), the summary and the follow-ups' notes —
//! encrypted, shown only to the case's consultant and to those holding `consultations.unmask` over
//! its org — and how it ended. `consultations.*` goes to the roles that hold the same action on
//! orgs (`unmask` as `orgs.unmask`); `consultant`, a role for partners' accounts, handles the cases
//! given to its holder.

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
                .table("consultation_cases")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("category", 20))
                .col(string_len("channel", 20))
                .col(text_null("asker_name_enc"))
                .col(text_null("asker_phone_enc"))
                .col(big_integer_null("partner_id"))
                .col(big_integer_null("consultant_id"))
                .col(text("summary_enc"))
                .col(string_len("outcome", 20).default(""))
                .col(date("opened_on"))
                .col(date_null("closed_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_consultation_cases_org", ("consultation_cases", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_consultation_cases_partner", ("consultation_cases", "partner_id"), "partners"))
                .foreign_key(&mut fk(
                    "fk_consultation_cases_consultant",
                    ("consultation_cases", "consultant_id"),
                    "users",
                ))
                .take(),
            Table::create()
                .table("consultation_followups")
                .col(big_pk_auto("id"))
                .col(big_integer("case_id"))
                .col(date("on_date"))
                .col(text("note_enc"))
                .col(string_len("by_name", 50))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_consultation_followups_case",
                    ("consultation_followups", "case_id"),
                    "consultation_cases",
                ))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("consultation_cases", &["org_id", "opened_on"], false),
                ("consultation_cases", &["consultant_id"], false),
                ("consultation_followups", &["case_id"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "consultations").await?;
        grant_unmask_as_orgs(manager, "consultations").await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO roles (code, name, description, requires_second_factor, for_partners) VALUES \
             ('consultant', '合作单位咨询师', \
              '律师事务所、心理咨询机构等合作单位的咨询师账户：只看到并办理指派给本人的咨询个案', FALSE, TRUE)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO role_permissions (role_id, permission) \
             SELECT id, 'consultations.read' FROM roles WHERE code = 'consultant' \
             UNION ALL SELECT id, 'consultations.write' FROM roles WHERE code = 'consultant' \
             UNION ALL SELECT id, 'consultations.unmask' FROM roles WHERE code = 'consultant'",
        )
        .await?;
        Ok(())
    }
}
