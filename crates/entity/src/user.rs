use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// The org the account belongs to; who may manage it follows from here.
    pub org_id: i64,
    pub password_hash: String,
    pub must_change_password: bool,
    pub password_changed_at: DateTimeUtc,
    pub disabled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// The TOTP secret, encrypted; pending until `totp_enabled_at` is set by a first right code.
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// The last 30-second step whose code was accepted: no code works twice.
    pub totp_last_step: Option<i64>,
    /// SHA-256 hashes of the unused recovery codes, as a JSON array.
    pub recovery_codes: Option<String>,
    /// The partner whose account this is: its roles hold over that partner, not over the tree.
    pub partner_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
