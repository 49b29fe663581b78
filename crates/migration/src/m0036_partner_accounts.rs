//! Accounts of partners (#10, and #11's banks and consultants): an account belongs to an org or to
//! a partner (`users.partner_id`); the roles of a partner's account hold over that partner only,
//! never over the org tree. Roles say which kind of account they are for (`roles.for_partners`).
//! The built-in `partner_staff` role becomes that: it sees its partner's records and requests
//! bookings for it (`platforms.read`, `platforms.write` held over the partner). It used to be
//! given over an org, where it read the org tree: those assignments go, as their name promised
//! what they did not do. Columns only: SQLite cannot add a foreign key to an existing table; the
//! use-cases check the partner.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("users").add_column(big_integer_null("partner_id")).take()).await?;
        manager
            .create_index(Index::create().name("ix_users_partner_id").table("users").col("partner_id").take())
            .await?;
        manager
            .alter_table(Table::alter().table("roles").add_column(boolean("for_partners").default(false)).take())
            .await?;
        let db = manager.get_connection();
        let role = "(SELECT id FROM roles WHERE code = 'partner_staff')";
        db.execute_unprepared(&format!("DELETE FROM user_roles WHERE role_id = {role}")).await?;
        db.execute_unprepared(&format!("DELETE FROM role_permissions WHERE role_id = {role}")).await?;
        db.execute_unprepared(
            "INSERT INTO role_permissions (role_id, permission) \
             SELECT id, 'platforms.read' FROM roles WHERE code = 'partner_staff' \
             UNION ALL SELECT id, 'platforms.write' FROM roles WHERE code = 'partner_staff'",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE roles SET for_partners = TRUE, name = '合作单位工作人员', \
             description = '合作单位（企业、银行、高校等）的账户：查看本单位的合作协议、投入和预约，为本单位申请预约阵地空间' \
             WHERE code = 'partner_staff'",
        )
        .await?;
        Ok(())
    }
}
