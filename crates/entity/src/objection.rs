use sea_orm::entity::prelude::*;

/// An objection to an applicant raised by anyone during the public notice, and how it was
/// resolved (`upheld`: the applicant is not appointed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub content: String,
    pub contact: String,
    pub raised_at: DateTimeUtc,
    pub upheld: Option<bool>,
    pub resolution: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
