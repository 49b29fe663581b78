use sea_orm::entity::prelude::*;

/// A partner (合作伙伴) registered by a league org (`org_id`): name, unified social credit code
/// (unique), kind, contact (the phone encrypted).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub credit_code: String,
    pub kind: String,
    pub contact_name: String,
    pub contact_phone_enc: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
