//! Standing approvals to see the records of children under 14 (《儿童个人信息网络保护规定》第15条):
//! who may, over which part of the tree, why, until when, approved by whom; revocable. The
//! district admin gets `people.approve` to grant them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from("minor_access_approvals", from).to(to, "id").take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("minor_access_approvals")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("scope_org_id"))
                    .col(string_len("reason", 200))
                    .col(big_integer_null("approved_by"))
                    .col(timestamp_with_time_zone("approved_at"))
                    .col(date("expires_on"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("fk_minor_access_user", "user_id", "users"))
                    .foreign_key(&mut fk("fk_minor_access_scope", "scope_org_id", "orgs"))
                    .foreign_key(&mut fk("fk_minor_access_approver", "approved_by", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_minor_access_user").table("minor_access_approvals").col("user_id").take(),
            )
            .await?;
        let grant = Query::insert()
            .into_table("role_permissions")
            .columns(["role_id", "permission"])
            .select_from(
                Query::select()
                    .column("id")
                    .expr(Expr::val("people.approve"))
                    .from("roles")
                    .and_where(Expr::col("code").eq("district_admin"))
                    .take(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .take();
        manager.exec_stmt(grant).await
    }
}
