use sea_orm::entity::prelude::*;

/// A project of an org — a brand project (品牌项目) among them — with its partners.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// A `Category` code.
    pub category: String,
    pub brand: bool,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    /// The partners (companies, banks, NGOs …), as named by the organiser.
    pub partners: String,
    /// The venue it runs in, when named.
    pub venue_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
