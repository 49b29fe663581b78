//! People are searched by the beginning of their name or of its pinyin initials, as a range on
//! an index. SQLite compares text byte-wise already; PostgreSQL compares in the database's
//! collation, where the strings with one prefix need not be contiguous, so the search compares in
//! the "C" collation and these indexes serve it.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(r#"CREATE INDEX IF NOT EXISTS people_name_c ON people (name COLLATE "C")"#).await?;
        db.execute_unprepared(r#"CREATE INDEX IF NOT EXISTS people_initials_c ON people (initials COLLATE "C")"#)
            .await?;
        Ok(())
    }
}
