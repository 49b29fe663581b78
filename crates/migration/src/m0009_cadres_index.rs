//! A partial index holding only the posts that can make a secretary or a selected cadre figure
//! (a few per cent of all posts), by org, so those figures never scan the work force's posts.
//! Its condition is `figures::engine::CADRE_POSTS`, written the same way in the figures' query.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_positions_cadres ON positions \
                 (org_id, person_id, start_on, end_on, title, source, employment, serving_level) \
                 WHERE (title = 'secretary' AND source IN ('two_committees', 'good_rural_youth')) \
                 OR (source = 'social_selection' AND serving_level IN ('district', 'street') \
                 AND employment IN ('seconded', 'part_time'))",
            )
            .await?;
        Ok(())
    }
}
