use sea_orm::entity::prelude::*;

/// A youth society (青年社团) guided by a league org (`org_id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "societies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// A `SocietyKind` code.
    pub kind: String,
    pub region_id: Option<i64>,
    pub founded_on: Date,
    pub dissolved_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
