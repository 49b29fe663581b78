use sea_orm::entity::prelude::*;

/// A venue (阵地): a Youth Home, the entrepreneurship centre, a service point, run by an org.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// A `VenueKind` code.
    pub kind: String,
    /// The network's flagship (旗舰店).
    pub flagship: bool,
    pub region_id: Option<i64>,
    pub address: String,
    /// Its opening hours as told to visitors.
    pub hours: String,
    /// The honours it is built around (e.g. a 五四红旗团支部).
    pub honours: String,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
