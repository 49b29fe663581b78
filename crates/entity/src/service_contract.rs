use sea_orm::entity::prelude::*;

/// A contract by which an org (`org_id`, the buyer) buys services from a partner: amount in fen,
/// period, deliverables.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub partner_id: i64,
    pub title: String,
    pub amount_fen: i64,
    pub starts_on: Date,
    pub ends_on: Date,
    pub deliverables: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
