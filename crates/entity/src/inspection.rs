use sea_orm::entity::prelude::*;

/// A mutual inspection (互检观摩) of an org (`org_id`, the host) on a date, by its visitors.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub held_on: Date,
    pub title: String,
    /// The visiting orgs and people, as named by the organiser.
    pub visitors: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
