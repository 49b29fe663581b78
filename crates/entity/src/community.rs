use sea_orm::entity::prelude::*;

/// An online youth community (网上青年社群) owned by a league org (`org_id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "communities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// A `CommunityPlatform` code.
    pub platform: String,
    /// A `CommunityLevel` code.
    pub level: String,
    /// A `CommunityType` code.
    pub community_type: String,
    /// The person who runs it (a person of the registry), when known.
    pub admin_person_id: Option<i64>,
    pub created_on: Date,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
