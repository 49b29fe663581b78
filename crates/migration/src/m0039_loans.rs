//! Youth entrepreneurship loans (P3): the products partner banks offer (an age limit and a top
//! amount each), the applications with every step of the pipeline dated — recommended or declined
//! by the league org, approved or refused by the bank, disbursed — and the follow-ups that record
//! repayment and jobs created. The applicant's ID number and phone are encrypted, the ID number's
//! keyed hash kept to find a person's applications. `loans.*` goes to the roles that hold the same
//! action on orgs; `bank_staff`, a role for partners' accounts, decides for its bank.

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
                .table("loan_products")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("partner_id"))
                .col(string_len("name", 100))
                .col(integer("max_age"))
                .col(big_integer("max_amount_fen"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_loan_products_org", ("loan_products", "org_id"), "orgs"))
                .foreign_key(&mut fk("fk_loan_products_partner", ("loan_products", "partner_id"), "partners"))
                .take(),
            Table::create()
                .table("loan_applications")
                .col(big_pk_auto("id"))
                .col(big_integer("product_id"))
                .col(big_integer("partner_id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 50))
                .col(text("id_number_enc"))
                .col(string_len("id_hash", 64))
                .col(text("phone_enc"))
                .col(date("birth_date"))
                .col(string_len("business_name", 100))
                .col(string_len("business_credit_code", 18).default(""))
                .col(string_len("sector", 20))
                .col(integer("jobs_before"))
                .col(big_integer("amount_fen"))
                .col(string_len("purpose", 200))
                .col(date("applied_on"))
                .col(string_len_null("token_hash", 64))
                .col(string_len("state", 20))
                .col(string_len("note", 200).default(""))
                .col(date_null("recommended_on"))
                .col(date_null("approved_on"))
                .col(big_integer_null("approved_amount_fen"))
                .col(integer_null("rate_bp"))
                .col(integer_null("term_months"))
                .col(date_null("disbursed_on"))
                .col(big_integer_null("disbursed_amount_fen"))
                .col(string_len("repayment", 20).default(""))
                .col(integer("jobs_created").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_loan_applications_product",
                    ("loan_applications", "product_id"),
                    "loan_products",
                ))
                .foreign_key(&mut fk("fk_loan_applications_partner", ("loan_applications", "partner_id"), "partners"))
                .foreign_key(&mut fk("fk_loan_applications_org", ("loan_applications", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("loan_followups")
                .col(big_pk_auto("id"))
                .col(big_integer("application_id"))
                .col(date("on_date"))
                .col(string_len("repayment", 20))
                .col(integer("jobs_created"))
                .col(string_len("note", 200).default(""))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_loan_followups_application",
                    ("loan_followups", "application_id"),
                    "loan_applications",
                ))
                .take(),
        ];
        create_all(
            manager,
            tables,
            &[
                ("loan_products", &["partner_id"], false),
                ("loan_applications", &["org_id", "applied_on"], false),
                ("loan_applications", &["partner_id", "state"], false),
                ("loan_applications", &["id_hash"], false),
                ("loan_applications", &["token_hash"], true),
                ("loan_followups", &["application_id"], false),
            ],
        )
        .await?;
        grant_as_orgs(manager, "loans").await?;
        grant_unmask_as_orgs(manager, "loans").await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO roles (code, name, description, requires_second_factor, for_partners) VALUES \
             ('bank_staff', '合作银行信贷人员', \
              '合作银行的账户：只看到团组织推荐给本行的贷款申请，审批、放款并登记回访；查看完整身份证号须说明用于征信查询并留痕', \
              FALSE, TRUE)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO role_permissions (role_id, permission) \
             SELECT id, 'loans.read' FROM roles WHERE code = 'bank_staff' \
             UNION ALL SELECT id, 'loans.approve' FROM roles WHERE code = 'bank_staff' \
             UNION ALL SELECT id, 'loans.unmask' FROM roles WHERE code = 'bank_staff'",
        )
        .await?;
        Ok(())
    }
}
