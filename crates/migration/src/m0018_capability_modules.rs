//! Activities and volunteering become modules of their own (they borrowed the orgs module's
//! permissions): every role keeps exactly what it could do, by holding on each new module the
//! actions it holds on orgs.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for module in ["activities", "volunteering"] {
            for action in ["read", "write", "approve", "export"] {
                db.execute_unprepared(&format!(
                    "INSERT INTO role_permissions (role_id, permission) \
                     SELECT role_id, '{module}.{action}' FROM role_permissions WHERE permission = 'orgs.{action}'"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
