use sea_orm::entity::prelude::*;

/// A youth self-organisation (青年自组织) guided by a league org (`org_id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "self_organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// A `SelfOrgKind` code.
    pub kind: String,
    pub region_id: Option<i64>,
    pub contact_name: String,
    /// The contact's mobile number, encrypted (`crypto::Keys::encrypt`).
    pub contact_phone_enc: String,
    pub members: Option<i32>,
    pub founded_on: Date,
    pub dissolved_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
