//! Forward-only migrations, one file per change. Each runs on SQLite and on PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m0001_spine;
mod m0002_registry;
mod m0003_settings;
mod m0004_stats_index;
mod m0005_volunteering;
mod m0006_portal;
mod m0007_attendance;
mod m0008_activities;
mod m0009_cadres_index;
mod m0010_workforce_spans;
mod m0011_minor_access;
mod m0012_last_login;
mod m0013_reauthentication;
mod m0014_data_version;
mod m0015_name_prefix_index;
mod m0016_token_expiry;
mod m0017_second_factor;
mod m0018_capability_modules;
mod m0019_org_path;
mod m0020_accountability;
mod m0021_inspections;
mod m0022_self_organisations;
mod m0023_reviews;
mod m0024_assessments;
mod m0025_selection;
mod m0026_inspection_photos;
mod m0027_services;
mod m0028_platforms;
mod m0029_ledger;
mod m0030_venues;
mod m0031_agreements;
mod m0032_activity_spaces;
mod m0033_contribution_documents;
mod m0034_project_venues;
mod m0035_booking_phone_hash;
mod m0036_partner_accounts;
mod m0037_venue_photos;
mod m0038_contribution_reversals;
mod m0039_loans;
mod m0040_consultations;
mod m0041_stations;
mod m0042_cabins;
mod m0043_bulletins;
mod m0044_outbox;
mod m0045_call_details;
mod m0046_idempotency;
mod m0047_loan_product_closing;

/// A foreign key `name` from `from.0`.`from.1` to `to`.`id`.
fn fk(name: &str, from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to, "id").take()
}

/// Creates each table (unless it exists), then each index — `ix_{table}_{columns}`, unique when
/// marked.
async fn create_all(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = TableCreateStatement>,
    indexes: &[(&'static str, &[&'static str], bool)],
) -> Result<(), DbErr> {
    for mut t in tables {
        manager.create_table(t.if_not_exists().take()).await?;
    }
    for (table, cols, unique) in indexes {
        let mut idx = Index::create();
        idx.name(format!("ix_{table}_{}", cols.join("_"))).table(*table);
        if *unique {
            idx.unique();
        }
        for c in *cols {
            idx.col(*c);
        }
        manager.create_index(idx.take()).await?;
    }
    Ok(())
}

/// Grants a new module's read, write, approve and export to every role that holds the same action
/// on orgs (a capability that works on the org tree starts with the org roles' reach).
async fn grant_as_orgs(manager: &SchemaManager<'_>, module: &str) -> Result<(), DbErr> {
    for action in ["read", "write", "approve", "export"] {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO role_permissions (role_id, permission) \
                 SELECT role_id, '{module}.{action}' FROM role_permissions WHERE permission = 'orgs.{action}'"
            ))
            .await?;
    }
    Ok(())
}

/// Grants a new module's unmask (seeing personal data in full) to every role that unmasks orgs.
async fn grant_unmask_as_orgs(manager: &SchemaManager<'_>, module: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "INSERT INTO role_permissions (role_id, permission) \
             SELECT role_id, '{module}.unmask' FROM role_permissions WHERE permission = 'orgs.unmask'"
        ))
        .await
        .map(|_| ())
}

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_spine::Migration),
            Box::new(m0002_registry::Migration),
            Box::new(m0003_settings::Migration),
            Box::new(m0004_stats_index::Migration),
            Box::new(m0005_volunteering::Migration),
            Box::new(m0006_portal::Migration),
            Box::new(m0007_attendance::Migration),
            Box::new(m0008_activities::Migration),
            Box::new(m0009_cadres_index::Migration),
            Box::new(m0010_workforce_spans::Migration),
            Box::new(m0011_minor_access::Migration),
            Box::new(m0012_last_login::Migration),
            Box::new(m0013_reauthentication::Migration),
            Box::new(m0014_data_version::Migration),
            Box::new(m0015_name_prefix_index::Migration),
            Box::new(m0016_token_expiry::Migration),
            Box::new(m0017_second_factor::Migration),
            Box::new(m0018_capability_modules::Migration),
            Box::new(m0019_org_path::Migration),
            Box::new(m0020_accountability::Migration),
            Box::new(m0021_inspections::Migration),
            Box::new(m0022_self_organisations::Migration),
            Box::new(m0023_reviews::Migration),
            Box::new(m0024_assessments::Migration),
            Box::new(m0025_selection::Migration),
            Box::new(m0026_inspection_photos::Migration),
            Box::new(m0027_services::Migration),
            Box::new(m0028_platforms::Migration),
            Box::new(m0029_ledger::Migration),
            Box::new(m0030_venues::Migration),
            Box::new(m0031_agreements::Migration),
            Box::new(m0032_activity_spaces::Migration),
            Box::new(m0033_contribution_documents::Migration),
            Box::new(m0034_project_venues::Migration),
            Box::new(m0035_booking_phone_hash::Migration),
            Box::new(m0036_partner_accounts::Migration),
            Box::new(m0037_venue_photos::Migration),
            Box::new(m0038_contribution_reversals::Migration),
            Box::new(m0039_loans::Migration),
            Box::new(m0040_consultations::Migration),
            Box::new(m0041_stations::Migration),
            Box::new(m0042_cabins::Migration),
            Box::new(m0043_bulletins::Migration),
            Box::new(m0044_outbox::Migration),
            Box::new(m0045_call_details::Migration),
            Box::new(m0046_idempotency::Migration),
            Box::new(m0047_loan_product_closing::Migration),
        ]
    }
}
