use sea_orm::entity::prelude::*;

/// A responsibility letter (责任状): what an org (`org_id`) undertakes for a year towards the org
/// above it (`issuer_id`), which assesses it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "responsibility_letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub issuer_id: i64,
    pub year: i32,
    pub title: String,
    pub signed_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
