use sea_orm::entity::prelude::*;

/// A hope cabin, one per child: what names or places the child is encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hope_cabins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub child_name_enc: String,
    /// The family name's first character, for the masked name.
    pub child_initial: String,
    pub child_birth_on: Date,
    /// A `Guardian` code.
    pub guardian: String,
    /// The family situation and the child's needs.
    pub details_enc: String,
    pub address_enc: String,
    pub built_on: Option<Date>,
    pub items: String,
    pub cost_fen: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
