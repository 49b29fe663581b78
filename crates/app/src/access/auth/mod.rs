//! Logging in and out, sessions, password changes and the principal behind a request.
//! Sessions and failure counters live in the database, so any number of server processes on one
//! database behave as one.

mod sessions;

use chrono::{DateTime, TimeDelta, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, UserId};
use qingtuan_domain::password;
use qingtuan_domain::username::Username;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{login_attempt, session, user};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use crate::access::actor::Principal;
use crate::access::audit::{self, Entry};
use crate::access::limits;
use crate::crypto::{dummy_hash, hash_password, random_token, sha256_hex, verify_password};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};
use sessions::open_session;

pub(crate) use sessions::own_account;
pub use sessions::{SessionActor, load_actor, logout, reauthenticate, resolve_session};

/// A session just opened: the secret goes into the cookie, only its hash into the database.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// Failed logins one address may make in an hour (ASVS 2.2.1: at most 100 failures an hour).
pub const LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR: i32 = 100;

/// The one answer to every failed login, whatever the reason: unknown user, wrong password,
/// locked or disabled account.
pub const LOGIN_REJECTED: &str = "用户名或密码错误；连续失败 5 次后账户将锁定 30 分钟";

/// The key of the failure counter: the normalised name if it parses, otherwise a hash of the raw
/// input under a prefix no name can have (names have no `:`), so no typed text can reach another
/// counter (`reauth:…`, `name@device`).
fn attempt_key(raw: &str) -> String {
    match Username::parse(raw) {
        Ok(u) => u.as_str().to_owned(),
        Err(_) => format!("raw:{}", &sha256_hex(raw.trim())[..32]),
    }
}

/// What a login attempt came to.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Refused, with no reason given.
    Rejected,
    /// The password was right and the account has a second factor: its code is asked next. The
    /// challenge (a cookie) proves the password for five minutes.
    SecondFactor { challenge: String },
    /// Logged in. `device` is this browser's device cookie for the account, name and value (see
    /// [`counter_key`]).
    LoggedIn { session: NewSession, device: (String, String) },
}

/// How long the password step of a two-step login stays good.
const CHALLENGE_MINUTES: i64 = 5;

/// The failure counter a login attempt counts against. A browser the account has logged in from
/// before carries a device cookie signed for that account: its failures are counted on their own,
/// and everyone else's together. So five wrong passwords from anywhere lock the account for
/// unknown browsers (等保: lock after 5 failures) — but not for its owner's usual browser, which
/// locks only after five failures of its own.
/// Each account has its own cookie in the browser (`DEVICE_COOKIE_PREFIX` + a keyed hash of the
/// name), so several people sharing an office PC each keep theirs. `devices` are the values of
/// every such cookie the browser sent.
fn counter_key(app: &App, name: &str, devices: &[String]) -> String {
    let known = devices.iter().find_map(|cookie| {
        let (nonce, signature) = cookie.split_once('.')?;
        (device_signature(app, name, nonce) == signature).then(|| format!("{name}@{}", &sha256_hex(nonce)[..16]))
    });
    known.unwrap_or_else(|| name.to_owned())
}

/// The prefix of the device cookies' names.
pub const DEVICE_COOKIE_PREFIX: &str = "qt_device_";

fn device_signature(app: &App, name: &str, nonce: &str) -> String {
    hex::encode(&app.keys.sign(&format!("device|{name}|{nonce}"))[..16])
}

/// A new device cookie for the account, name and value, set after every successful login (a
/// year's life).
fn device_cookie(app: &App, name: &str) -> (String, String) {
    let cookie_name =
        format!("{DEVICE_COOKIE_PREFIX}{}", &hex::encode(app.keys.sign(&format!("device-name|{name}")))[..12]);
    (cookie_name, device_value(app, name))
}

fn device_value(app: &App, name: &str) -> String {
    let nonce: String = random_token().chars().take(22).collect();
    let signature = device_signature(app, name, &nonce);
    format!("{nonce}.{signature}")
}

/// The signed proof that `account` gave its password, good until `expires` (unix seconds); a
/// password change makes it worthless.
fn challenge_signature(app: &App, account: &user::Model, expires: i64) -> String {
    let message = format!("login-challenge|{}|{expires}|{}", account.id, account.password_hash);
    hex::encode(app.keys.sign(&message))
}

/// Checks the password; opens a session, or asks for the second factor. `devices` are the
/// browser's device cookies.
pub async fn login(
    app: &App,
    raw_username: &str,
    password: &str,
    devices: &[String],
    client: &ClientInfo,
) -> AppResult<LoginOutcome> {
    let now = app.now();
    let name = attempt_key(raw_username);
    // Beyond each account's lockout: at most so many failed attempts an hour from one address,
    // so guessing across many accounts is slowed; checked before any password is verified.
    let address = address_key(client);
    if let Some(wait) = limits::blocked_for(&app.db, &address, LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR, now).await? {
        let anonymous = Actor::anonymous(client, &name);
        let entry = Entry::new(AuditAction::RateLimited, ObjectKind::Page).object("login");
        audit::record(app.writer(), now, &anonymous, entry).await?;
        return Err(AppError::TooManyRequests { retry_after_secs: wait });
    }

    let counter = counter_key(app, &name, devices);
    let locked = is_locked(app, &counter, now).await?;
    let account = match Username::parse(raw_username) {
        Ok(name) => user::Entity::find().filter(user::Column::Username.eq(name.as_str())).one(&app.db).await?,
        Err(_) => None,
    };
    // Always verify against some hash, so an unknown name costs as much time as a known one. The
    // hash is checked outside any transaction, on the bounded hashing pool.
    let hash = account.as_ref().map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let password_ok = verify_password(password, &hash).await?;
    let attempt = Attempt::new(account.as_ref(), &name, &counter, client);
    let usable = account.as_ref().filter(|u| u.disabled_at.is_none());

    let (Some(user), true, false) = (usable, password_ok, locked) else {
        let txn = app.begin().await?;
        limits::hit(&txn, &address, now).await?;
        attempt.fail(app, &txn, locked, AuditAction::LoginFailed, now).await?;
        txn.commit().await?;
        return Ok(LoginOutcome::Rejected);
    };

    if is_dormant(app, user, now) {
        let txn = app.begin().await?;
        disable_dormant(&txn, user, now).await?;
        audit::record(&txn, now, &attempt.who, attempt.entry(AuditAction::LoginFailed)).await?;
        txn.commit().await?;
        return Ok(LoginOutcome::Rejected);
    }
    if crate::access::second_factor::is_enrolled(user) {
        let expires = (now + TimeDelta::minutes(CHALLENGE_MINUTES)).timestamp();
        let challenge = format!("{}.{expires}.{}", user.id, challenge_signature(app, user, expires));
        return Ok(LoginOutcome::SecondFactor { challenge });
    }
    let txn = app.begin().await?;
    attempt.succeed(app, txn, user, now).await
}

/// The second step of a login: the code from the authenticator app (or a recovery code) for the
/// account whose password the challenge proves. Wrong codes count towards the lock-out like
/// wrong passwords.
pub async fn login_second_factor(
    app: &App,
    challenge: &str,
    code: &str,
    devices: &[String],
    client: &ClientInfo,
) -> AppResult<LoginOutcome> {
    let now = app.now();
    // The per-address limit holds for codes as for passwords.
    let address = address_key(client);
    if let Some(wait) = limits::blocked_for(&app.db, &address, LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR, now).await? {
        return Err(AppError::TooManyRequests { retry_after_secs: wait });
    }
    let mut parts = challenge.splitn(3, '.');
    let (Some(id), Some(expires), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(LoginOutcome::Rejected);
    };
    let (Ok(id), Ok(expires)) = (id.parse::<i64>(), expires.parse::<i64>()) else { return Ok(LoginOutcome::Rejected) };
    let Some(account) = user::Entity::find_by_id(id).one(&app.db).await? else { return Ok(LoginOutcome::Rejected) };
    let genuine = challenge_signature(app, &account, expires) == signature;
    if !genuine || expires < now.timestamp() || account.disabled_at.is_some() {
        return Ok(LoginOutcome::Rejected);
    }
    let counter = counter_key(app, &account.username, devices);
    let attempt = Attempt::new(Some(&account), &account.username, &counter, client);
    let locked = is_locked(app, &counter, now).await?;
    let txn = app.begin().await?;
    let accepted =
        if locked { None } else { crate::access::second_factor::accept(app, &txn, &account, code, now).await? };
    let Some(accepted) = accepted else {
        limits::hit(&txn, &address, now).await?;
        attempt.fail(app, &txn, locked, AuditAction::SecondFactorFailed, now).await?;
        txn.commit().await?;
        return Ok(LoginOutcome::Rejected);
    };
    if let crate::access::second_factor::Accepted::Recovery(left) = accepted {
        let entry = attempt.entry(AuditAction::RecoveryCodeUsed).after(json!({ "left": left }));
        audit::record(&txn, now, &attempt.who, entry).await?;
    }
    attempt.succeed(app, txn, &account, now).await
}

async fn is_locked(app: &App, counter: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let attempt = login_attempt::Entity::find_by_id(counter.to_owned()).one(&app.db).await?;
    Ok(attempt.and_then(|a| a.locked_until).is_some_and(|until| until > now))
}

/// One login attempt: who was claimed and which failure counter it counts against.
struct Attempt<'a> {
    who: Actor,
    /// Known accounts are referred to by id, as everywhere else in the log; unknown names by name.
    object: String,
    name: &'a str,
    counter: &'a str,
    scope: Option<OrgId>,
}

impl<'a> Attempt<'a> {
    fn new(account: Option<&user::Model>, name: &'a str, counter: &'a str, client: &ClientInfo) -> Self {
        // The audit rows name whoever was claimed, known or not.
        let who = Actor {
            principal: match account {
                Some(u) => Principal::User {
                    id: UserId(u.id),
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                    must_change_password: u.must_change_password,
                    must_enrol_second_factor: false,
                },
                None => Principal::Anonymous(name.to_owned()),
            },
            grants: Vec::new(),
            partner: None,
            client: client.clone(),
        };
        let object = account.map_or_else(|| name.to_owned(), |u| u.id.to_string());
        Self { who, object, name, counter, scope: account.map(|u| OrgId(u.org_id)) }
    }

    fn entry(&self, action: AuditAction) -> Entry {
        let e = Entry::new(action, ObjectKind::User).object(&self.object).after(json!({ "username": self.name }));
        match self.scope {
            Some(org) => e.scope(org),
            None => e,
        }
    }

    /// Counts a failure (locking the counter at the policy's limit) and audits it.
    async fn fail<C: ConnectionTrait>(
        &self,
        app: &App,
        conn: &C,
        locked: bool,
        action: AuditAction,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let lock_now = !locked && count_failure(conn, self.counter, now).await? >= app.policy.max_failures;
        if lock_now {
            login_attempt::ActiveModel {
                username: Set(self.counter.to_owned()),
                failures: Set(0),
                locked_until: Set(Some(now + app.policy.lockout)),
                updated_at: Set(now),
            }
            .update(conn)
            .await?;
        }
        audit::record(conn, now, &self.who, self.entry(action)).await?;
        if lock_now {
            audit::record(conn, now, &self.who, self.entry(AuditAction::AccountLocked)).await?;
        }
        Ok(())
    }

    /// Clears the counter, opens the session and hands out a fresh device cookie.
    async fn succeed(
        &self,
        app: &App,
        txn: crate::db::Write,
        user: &user::Model,
        now: DateTime<Utc>,
    ) -> AppResult<LoginOutcome> {
        login_attempt::Entity::delete_by_id(self.counter.to_owned()).exec(&txn).await?;
        let mut logged_in: user::ActiveModel = user.clone().into();
        logged_in.last_login_at = Set(Some(now));
        logged_in.update(&txn).await?;
        let session = open_session(&txn, UserId(user.id), now, &self.who.client).await?;
        audit::record(&txn, now, &self.who, self.entry(AuditAction::LoginSucceeded)).await?;
        txn.commit().await?;
        Ok(LoginOutcome::LoggedIn { session, device: device_cookie(app, &user.username) })
    }
}

/// Not logged into for longer than the policy allows (counted from its creation if never).
pub(super) fn is_dormant(app: &App, account: &user::Model, now: DateTime<Utc>) -> bool {
    let last_used = account.last_login_at.unwrap_or(account.created_at);
    account.disabled_at.is_none() && app.policy.dormant_after.is_some_and(|after| now - last_used > after)
}

/// Ends every session of a user and revokes every token of theirs, in the caller's transaction:
/// a password changed or reset, an account disabled.
pub(crate) async fn end_access<C: ConnectionTrait>(conn: &C, user_id: i64, now: DateTime<Utc>) -> AppResult<()> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(conn).await?;
    crate::access::tokens::revoke_all_of(conn, user_id, now).await?;
    Ok(())
}

/// Disables a dormant account and ends its sessions; audited as the system's doing.
async fn disable_dormant<C: ConnectionTrait>(conn: &C, account: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    let mut active: user::ActiveModel = account.clone().into();
    active.disabled_at = Set(Some(now));
    active.update(conn).await?;
    session::Entity::delete_many().filter(session::Column::UserId.eq(account.id)).exec(conn).await?;
    let last_used = account.last_login_at.unwrap_or(account.created_at);
    let entry = Entry::new(AuditAction::AccountAutoDisabled, ObjectKind::User)
        .object(account.id)
        .scope(OrgId(account.org_id))
        .after(json!({ "username": account.username, "last_used": last_used }));
    audit::record(conn, now, &Actor::system(), entry).await
}

/// Disables every account not logged into for longer than the policy allows (`qingtuan user
/// disable-dormant`, run daily); returns how many.
pub async fn disable_dormant_accounts(app: &App) -> AppResult<usize> {
    let now = app.now();
    let txn = app.begin().await?;
    let dormant: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::DisabledAt.is_null())
        .all(&txn)
        .await?
        .into_iter()
        .filter(|u| is_dormant(app, u, now))
        .collect();
    for account in &dormant {
        disable_dormant(&txn, account, now).await?;
    }
    txn.commit().await?;
    Ok(dormant.len())
}

/// The throttle's key for a client address (hashed: a forwarded address can be any length).
fn address_key(client: &ClientInfo) -> String {
    format!("login:addr:{}", &sha256_hex(&client.addr)[..32])
}

/// Adds one failure to the counter atomically, so concurrent servers cannot lose a count.
pub(super) async fn count_failure<C: ConnectionTrait>(conn: &C, key: &str, now: DateTime<Utc>) -> AppResult<i32> {
    login_attempt::Entity::insert(login_attempt::ActiveModel {
        username: Set(key.to_owned()),
        failures: Set(1),
        locked_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(login_attempt::Column::Username)
            .value(
                login_attempt::Column::Failures,
                Expr::col((login_attempt::Entity, login_attempt::Column::Failures)).add(1),
            )
            .value(login_attempt::Column::UpdatedAt, now)
            .to_owned(),
    )
    .exec(conn)
    .await?;
    let row = login_attempt::Entity::find_by_id(key.to_owned()).one(conn).await?;
    Ok(row.map_or(1, |r| r.failures))
}

/// The form for a password change.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes the actor's own password and ends every other session of theirs; the current session
/// is replaced by a new one, whose secrets are returned.
pub async fn change_password(app: &App, actor: &Actor, form: &PasswordChange) -> AppResult<NewSession> {
    let account = own_account(app, actor).await?;
    let user_id = UserId(account.id);
    let mut problems = Vec::new();
    if !verify_password(&form.current, &account.password_hash).await? {
        problems.push(FieldError { field: "current", message: "当前密码不正确".into() });
    }
    if let Err(Invalid(mut errs)) = password::validate(&form.new, &[&account.username, &account.display_name]) {
        for e in &mut errs {
            e.field = "new";
        }
        problems.extend(errs);
    }
    if form.new == form.current {
        problems.push(FieldError { field: "new", message: "新密码不能与当前密码相同".into() });
    }
    if form.new != form.confirm {
        problems.push(FieldError { field: "confirm", message: "两次输入的新密码不一致".into() });
    }
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }

    let now = app.now();
    let hash = hash_password(&form.new).await?;
    let txn = app.begin().await?;
    let mut active = account.clone().into_active_model();
    active.password_hash = Set(hash);
    active.must_change_password = Set(false);
    active.password_changed_at = Set(now);
    active.update(&txn).await?;
    end_access(&txn, account.id, now).await?;
    let opened = open_session(&txn, user_id, now, &actor.client).await?;
    let entry =
        Entry::new(AuditAction::PasswordChanged, ObjectKind::User).object(account.id).scope(OrgId(account.org_id));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(opened)
}
