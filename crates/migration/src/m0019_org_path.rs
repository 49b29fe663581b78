//! Each org keeps the codes of its ancestors and its own as a path (`!CY!CY01!CY01-23!`), so a list
//! in tree order is an `ORDER BY path` the database pages, and a subtree is a prefix. `!` sorts
//! before every character a code may hold, so a parent comes before its children and siblings keep
//! the order of their codes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("orgs").add_column(string("path").default("")).take()).await?;
        manager
            .get_connection()
            .execute_unprepared(
                "WITH RECURSIVE t(id, path) AS ( \
                   SELECT id, '!' || code || '!' FROM orgs WHERE parent_id IS NULL \
                   UNION ALL SELECT o.id, t.path || o.code || '!' FROM orgs o JOIN t ON o.parent_id = t.id) \
                 UPDATE orgs SET path = (SELECT t.path FROM t WHERE t.id = orgs.id)",
            )
            .await?;
        // Lists order by the bytes of the path (PostgreSQL: the "C" collation).
        let index = match manager.get_database_backend() {
            DbBackend::Postgres => "CREATE INDEX ix_orgs_path ON orgs (path COLLATE \"C\")",
            _ => "CREATE INDEX ix_orgs_path ON orgs (path)",
        };
        manager.get_connection().execute_unprepared(index).await?;
        Ok(())
    }
}
