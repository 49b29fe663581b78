use sea_orm::entity::prelude::*;

/// A person of a venue's operating team, with their role there.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_team")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub venue_id: i64,
    pub person_id: i64,
    /// `cadre`, `social_worker` or `volunteer`.
    pub role: String,
    pub since: Date,
    /// The day they left the team (the last day they were in it is the day before).
    pub until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
