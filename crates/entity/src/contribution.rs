use sea_orm::entity::prelude::*;

/// A line of the contributions ledger (资源台账): a resource that entered the work on a date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contributions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The org that received it (and accounts for it).
    pub org_id: i64,
    /// A `Funding` code.
    pub funding: String,
    /// For fiscal lines: which budget.
    pub budget: String,
    /// For social lines from a registered partner.
    pub partner_id: Option<i64>,
    /// For other social lines: the unit or person; `None`: anonymous.
    pub donor_name: Option<String>,
    /// A `DonorKind` code, empty for fiscal lines.
    pub donor_kind: String,
    /// A `ContributionKind` code.
    pub kind: String,
    /// For space and service: months of space, hours of service.
    pub units: Option<i64>,
    /// For space and service: the valuation of one unit, in fen.
    pub rate_fen: Option<i64>,
    /// What it is worth, in fen (for space and service: units × rate).
    pub value_fen: i64,
    /// A `Purpose` code.
    pub purpose_kind: String,
    /// The project, activity or call it was for, when one is named.
    pub purpose_id: Option<i64>,
    pub purpose: String,
    pub on_date: Date,
    pub receipt_no: String,
    pub recorded_at: DateTimeUtc,
    /// A reversing line: the line it reverses (its value is the opposite, its date the same).
    pub reverses_id: Option<i64>,
    /// Why a reversing line reverses its line.
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
