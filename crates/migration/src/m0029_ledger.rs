//! The contributions ledger (资源台账): every resource that enters the work as a dated line —
//! fiscal (from which budget) or social (from a partner, another unit or a person, possibly
//! anonymous); money, or goods, space or service at their valuation (space and service as units at
//! a rate); what it was for; the receipt. The donations volunteering recorded become its social
//! money and goods lines (for recruitment calls), and their table goes: one book, not two.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{create_all, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Copying the donations and dropping their table happen together or not at all (SQLite too).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table("contributions")
            .col(big_pk_auto("id"))
            .col(big_integer("org_id"))
            .col(string_len("funding", 10))
            .col(string_len("budget", 100).default(""))
            .col(big_integer_null("partner_id"))
            .col(string_len_null("donor_name", 100))
            .col(string_len("donor_kind", 10).default(""))
            .col(string_len("kind", 10))
            .col(big_integer_null("units"))
            .col(big_integer_null("rate_fen"))
            .col(big_integer("value_fen"))
            .col(string_len("purpose_kind", 10))
            .col(big_integer_null("purpose_id"))
            .col(string_len("purpose", 200).default(""))
            .col(date("on_date"))
            .col(string_len("receipt_no", 40).default(""))
            .col(timestamp_with_time_zone("recorded_at"))
            .foreign_key(&mut fk("fk_contributions_org", ("contributions", "org_id"), "orgs"))
            .foreign_key(&mut fk("fk_contributions_partner", ("contributions", "partner_id"), "partners"))
            .take();
        create_all(
            manager,
            [table],
            &[("contributions", &["org_id", "on_date"], false), ("contributions", &["partner_id"], false)],
        )
        .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO contributions (org_id, funding, budget, partner_id, donor_name, donor_kind, kind, units, \
             rate_fen, value_fen, purpose_kind, purpose_id, purpose, on_date, receipt_no, recorded_at) \
             SELECT org_id, 'social', '', NULL, donor_name, donor_kind, \
             CASE WHEN kind = 'cash' THEN 'money' ELSE 'goods' END, NULL, NULL, value_fen, 'call', NULL, purpose, \
             donated_on, receipt_no, CURRENT_TIMESTAMP FROM donations ORDER BY id",
        )
        .await?;
        manager.drop_table(Table::drop().table("donations").take()).await?;
        // Ledger permissions are the platforms' (`platforms.*`, granted by m0028).
        Ok(())
    }
}
