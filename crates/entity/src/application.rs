use sea_orm::entity::prelude::*;

/// An application to an opening, from the portal: the applicant's particulars (ID number and phone
/// encrypted; the ID number's keyed hash finds duplicates), the private link's hash, the state,
/// the check's note, the scores in tenths and the post made at appointment. Purged applications
/// keep only their state and scores.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub opening_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_on: Option<Date>,
    pub id_number_enc: Option<String>,
    pub id_number_hash: Option<String>,
    pub phone_enc: Option<String>,
    pub education: String,
    pub political_status: String,
    pub resume: String,
    pub token_hash: String,
    pub state: String,
    pub check_note: String,
    pub written_tenths: Option<i32>,
    pub interview_tenths: Option<i32>,
    pub position_id: Option<i64>,
    pub submitted_at: DateTimeUtc,
    pub purged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
