use sea_orm::entity::prelude::*;

/// A message in the outbox: its org and kind, the recipient's phone encrypted beside its keyed
/// hash, the text, the key that keeps one event to one message, and its sending state — attempts,
/// when it is next due, the lease of the worker sending it, the last error.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// A `MessageKind` code.
    pub kind: String,
    pub to_enc: String,
    pub to_hash: String,
    pub body: String,
    pub dedupe_key: String,
    /// A `MessageState` code.
    pub state: String,
    pub attempts: i32,
    pub next_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    /// The claim of the worker sending it: only that worker records the outcome.
    pub lease_token: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
