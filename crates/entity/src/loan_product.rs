use sea_orm::entity::prelude::*;

/// A loan product a partner bank offers young entrepreneurs, run by a league org.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan_products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The league org that runs the programme (its staff recommend within its subtree).
    pub org_id: i64,
    /// The bank (a partner).
    pub partner_id: i64,
    pub name: String,
    /// Applicants are at most this old on the day they apply.
    pub max_age: i32,
    pub max_amount_fen: i64,
    pub created_at: DateTimeUtc,
    /// From this day no longer offered; the applications made under it go on.
    pub closed_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
