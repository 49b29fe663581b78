use sea_orm::entity::prelude::*;

/// A check-in code (QR token or typed code) a sign-up has used; using it again is a replay.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkin_uses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub signup_id: i64,
    pub code: String,
    pub used_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
