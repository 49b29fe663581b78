//! Cooperation agreements (合作协议) between a league org and a partner: title, scope, period, and
//! the signed copy (PDF or image) kept in the database so a backup holds it.

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
                .table("agreements")
                .col(big_pk_auto("id"))
                .col(big_integer("partner_id"))
                .col(big_integer("org_id"))
                .col(string_len("title", 200))
                .col(string_len("scope", 500))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_agreements_partner", ("agreements", "partner_id"), "partners"))
                .foreign_key(&mut fk("fk_agreements_org", ("agreements", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("agreement_documents")
                .col(big_integer("agreement_id").primary_key())
                .col(string_len("file_name", 200))
                .col(string_len("content_type", 100))
                .col(blob("bytes"))
                .col(string_len("sha256", 64))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk(
                    "fk_agreement_documents_agreement",
                    ("agreement_documents", "agreement_id"),
                    "agreements",
                ))
                .take(),
        ];
        create_all(manager, tables, &[("agreements", &["partner_id"], false), ("agreements", &["org_id"], false)]).await
    }
}
