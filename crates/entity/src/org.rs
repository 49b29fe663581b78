use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orgs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub sector_id: Option<i64>,
    pub region_id: Option<i64>,
    /// `unit`, `area` or `industry`.
    pub basis: String,
    pub founded_on: Date,
    pub dissolved_on: Option<Date>,
    /// Pinyin initials of the name, for quick search.
    pub initials: String,
    /// The codes from the root down to this org, each followed by `!`: tree order, and a
    /// subtree as a prefix (migration m0019).
    pub path: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
