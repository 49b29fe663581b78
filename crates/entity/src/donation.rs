use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "donations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// `None` for an anonymous donor.
    pub donor_name: Option<String>,
    /// `person` or `org`.
    pub donor_kind: String,
    /// `cash` or `goods`.
    pub kind: String,
    /// Money, or the valuation of goods, in fen.
    pub value_fen: i64,
    pub purpose: String,
    pub donated_on: Date,
    pub receipt_no: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
