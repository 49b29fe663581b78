//! Messages to people through an outbox: a use-case that causes one (a sign-up, a booking or loan
//! decision) writes it with `enqueue` in its own transaction, so a message exists exactly when its
//! change does; `sending::Sender` sends what is due through the configured channel with retries and
//! back-off; `reminders` queues the reminders the day before a shift. A person opts out of a kind
//! through the link each message carries; staff see the outbox of their scope, its states and
//! failures, and send a failed message again.

pub mod rectifications;
pub mod reminders;
pub mod sending;

use chrono::{DateTime, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{MessageId, OrgId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::message::{MessageKind, MessageState};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{message_opt_out, outbox_message};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::page::Page;
use crate::{Actor, App, AppError, ClientInfo};

pub const READ: Permission = Permission::new(Module::Messages, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Messages, Action::Write);

/// A message a change causes.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub kind: MessageKind,
    /// The org whose work it is about: its staff see it in the outbox.
    pub org: OrgId,
    /// The recipient's mobile number, as validated.
    pub phone: &'a str,
    pub text: String,
    /// One event, one message: a second `enqueue` with the same key does nothing.
    pub dedupe: String,
    /// When it is due (none: now).
    pub due: Option<DateTime<Utc>>,
}

/// Queues a message in the caller's transaction — or records it as not sent when the recipient
/// opted out of its kind.
pub(crate) async fn enqueue<C: ConnectionTrait>(conn: &C, app: &App, m: Outgoing<'_>) -> AppResult<()> {
    let hash = app.keys.lookup_hash(m.phone);
    let state = if opted_out(conn, &hash, m.kind).await? { MessageState::OptedOut } else { MessageState::Pending };
    let row = outbox_message::ActiveModel {
        org_id: Set(m.org.0),
        kind: Set(m.kind.code().to_owned()),
        to_enc: Set(app.keys.encrypt(m.phone)?),
        to_hash: Set(hash),
        body: Set(m.text),
        dedupe_key: Set(m.dedupe),
        state: Set(state.code().to_owned()),
        attempts: Set(0),
        next_at: Set(m.due.unwrap_or_else(|| app.now())),
        lease_until: Set(None),
        lease_token: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    };
    // Queued already (the same event seen twice, by two servers at once): nothing more.
    outbox_message::Entity::insert(row)
        .on_conflict(OnConflict::column(outbox_message::Column::DedupeKey).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Has this phone (its keyed hash) opted out of this kind?
async fn opted_out<C: ConnectionTrait>(conn: &C, phone_hash: &str, kind: MessageKind) -> AppResult<bool> {
    let found = message_opt_out::Entity::find()
        .filter(message_opt_out::Column::PhoneHash.eq(phone_hash))
        .filter(message_opt_out::Column::Kind.eq(kind.code()))
        .count(conn)
        .await?;
    Ok(found > 0)
}

/// The private part of an opt-out link: the kind and the phone's keyed hash, signed.
pub fn opt_out_token(app: &App, phone_hash: &str, kind: MessageKind) -> String {
    let signature = app.keys.lookup_hash(&format!("opt-out|{}|{phone_hash}", kind.code()));
    format!("{}.{phone_hash}.{}", kind.code(), &signature[..24.min(signature.len())])
}

/// The kind and phone hash an opt-out link names, if it is one this server signed.
fn read_token(app: &App, token: &str) -> AppResult<(MessageKind, String)> {
    let mut parts = token.splitn(3, '.');
    let (Some(kind), Some(hash), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AppError::NotFound);
    };
    let kind = MessageKind::of_code(kind).ok_or(AppError::NotFound)?;
    if !crate::crypto::constant_time_eq(opt_out_token(app, hash, kind).as_bytes(), token.as_bytes()) {
        return Err(AppError::NotFound);
    }
    Ok((kind, hash.to_owned()))
}

/// What an opt-out link stops, and whether it has already.
pub async fn opt_out_status(app: &App, token: &str) -> AppResult<(MessageKind, bool)> {
    let (kind, hash) = read_token(app, token)?;
    Ok((kind, opted_out(&app.db, &hash, kind).await?))
}

/// Stops messages of the link's kind to its phone, the ones still queued too (audited without
/// the phone).
pub async fn opt_out(app: &App, client: &ClientInfo, token: &str) -> AppResult<MessageKind> {
    let (kind, hash) = read_token(app, token)?;
    let txn = app.begin().await?;
    if !opted_out(&txn, &hash, kind).await? {
        let row = message_opt_out::ActiveModel {
            phone_hash: Set(hash.clone()),
            kind: Set(kind.code().to_owned()),
            created_at: Set(app.now()),
            ..Default::default()
        };
        let key = [message_opt_out::Column::PhoneHash, message_opt_out::Column::Kind];
        message_opt_out::Entity::insert(row)
            .on_conflict(OnConflict::columns(key).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await?;
        outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::State, Expr::value(MessageState::OptedOut.code()))
            .filter(outbox_message::Column::ToHash.eq(hash))
            .filter(outbox_message::Column::Kind.eq(kind.code()))
            .filter(outbox_message::Column::State.is_in([MessageState::Pending.code(), MessageState::Failed.code()]))
            .exec(&txn)
            .await?;
        let anonymous = Actor::anonymous(client, "退订链接");
        let entry = Entry::new(AuditAction::MessageOptedOut, ObjectKind::Message).after(json!({ "kind": kind.code() }));
        audit::record(&txn, app.now(), &anonymous, entry).await?;
    }
    txn.commit().await?;
    Ok(kind)
}

/// A message as the outbox page lists it: the phone masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxRow {
    pub id: MessageId,
    pub kind: &'static str,
    pub to: String,
    pub text: String,
    pub state: MessageState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl OutboxRow {
    pub fn state_label(&self) -> &'static str {
        self.state.label()
    }

    pub fn failed(&self) -> bool {
        self.state == MessageState::Failed
    }

    pub fn created_text(&self) -> String {
        qingtuan_domain::time::format_local_minute(self.created_at)
    }

    pub fn sent_text(&self) -> String {
        self.sent_at.map(qingtuan_domain::time::format_local_minute).unwrap_or_default()
    }
}

/// Filters of the outbox page.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct OutboxFilter {
    pub state: String,
    pub kind: String,
    pub page: Option<u64>,
}

/// The messages of the actor's scope, newest first, and how many there are in each state.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &OutboxFilter,
) -> AppResult<(Page<OutboxRow>, Vec<(MessageState, u64)>)> {
    scope::require_somewhere(app, actor, READ).await?;
    let scoped =
        outbox_message::Entity::find().filter(scope::org_condition(actor, READ, outbox_message::Column::OrgId));
    let mut q = scoped.clone();
    if let Some(state) = MessageState::of_code(&f.state) {
        q = q.filter(outbox_message::Column::State.eq(state.code()));
    }
    if let Some(kind) = MessageKind::of_code(&f.kind) {
        q = q.filter(outbox_message::Column::Kind.eq(kind.code()));
    }
    let found = crate::page::fetch(&app.db, q.order_by_desc(outbox_message::Column::Id), f.page).await?;
    let mut rows = Vec::with_capacity(found.items.len());
    for m in &found.items {
        rows.push(OutboxRow {
            id: MessageId(m.id),
            kind: MessageKind::of_code(&m.kind).map_or("", MessageKind::label),
            to: app.keys.decrypt(&m.to_enc).map_or_else(|_| "—".to_owned(), |p| mask_phone(&p)),
            text: m.body.clone(),
            state: MessageState::of_code(&m.state).unwrap_or(MessageState::Pending),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            next_at: m.next_at,
            sent_at: m.sent_at,
            created_at: m.created_at,
        });
    }
    let by_state: Vec<(String, i64)> = scoped
        .select_only()
        .column(outbox_message::Column::State)
        .column_as(outbox_message::Column::Id.count(), "n")
        .group_by(outbox_message::Column::State)
        .into_tuple()
        .all(&app.db)
        .await?;
    let counts = MessageState::ALL
        .iter()
        .map(|s| (*s, by_state.iter().find(|(c, _)| c == s.code()).map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0))))
        .collect();
    Ok((found.with(rows), counts))
}

/// Sends a failed message again (messages.write over its org): due now, its attempts counted anew.
pub async fn retry(app: &App, actor: &Actor, MessageId(id): MessageId) -> AppResult<()> {
    let found = outbox_message::Entity::find_by_id(id).one(&app.db).await?;
    let org = OrgId(found.as_ref().map_or(0, |m| m.org_id));
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Message, id.to_string()), org).await?;
    let m = found.ok_or(AppError::NotFound)?;
    if m.state != MessageState::Failed.code() {
        return Err(Invalid(vec![FieldError::new("state", "只有发送失败的消息可以重新发送")]).into());
    }
    let txn = app.begin().await?;
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::State, Expr::value(MessageState::Pending.code()))
        .col_expr(outbox_message::Column::Attempts, Expr::value(0))
        .col_expr(outbox_message::Column::NextAt, Expr::value(app.now()))
        .filter(outbox_message::Column::Id.eq(m.id))
        .filter(outbox_message::Column::State.eq(MessageState::Failed.code()))
        .exec(&txn)
        .await?;
    let entry = Entry::new(AuditAction::MessageRetried, ObjectKind::Message)
        .object(m.id)
        .within(&proof)
        .before(json!({ "attempts": m.attempts, "last_error": m.last_error }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}
