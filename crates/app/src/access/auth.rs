//! Logging in and out, sessions, password changes and the principal behind a request.
//! Sessions and failure counters live in the database, so any number of server processes on one
//! database behave as one.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, PartnerId, UserId};
use qingtuan_domain::password;
use qingtuan_domain::permission::Permission;
use qingtuan_domain::username::Username;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{login_attempt, org, partner, role, role_permission, session, user, user_role};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use crate::access::actor::{Grant, PartnerGrant, Principal};
use crate::access::audit::{self, Entry};
use crate::access::limits;
use crate::crypto::{dummy_hash, hash_password, random_token, sha256_hex, verify_password};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

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
fn is_dormant(app: &App, account: &user::Model, now: DateTime<Utc>) -> bool {
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
async fn count_failure<C: ConnectionTrait>(conn: &C, key: &str, now: DateTime<Utc>) -> AppResult<i32> {
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

async fn open_session<C: ConnectionTrait>(
    conn: &C,
    user: UserId,
    now: DateTime<Utc>,
    client: &ClientInfo,
) -> AppResult<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    session::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user.0),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        client_addr: Set(client.addr.chars().take(64).collect()),
        user_agent: Set(client.user_agent.chars().take(200).collect()),
        reauthenticated_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(NewSession { token, csrf_token })
}

/// A request's session, resolved.
#[derive(Debug, Clone)]
pub struct SessionActor {
    pub actor: Actor,
    pub csrf_token: String,
    /// The password was given (at login or to confirm) within the policy's re-authentication window.
    pub recently_authenticated: bool,
}

/// Finds the live session behind a cookie value, ending it if it has been idle too long or is too
/// old, and loads the user's current grants — so a disabled account or a revoked role counts from
/// the very next request.
pub async fn resolve_session(app: &App, token: &str, client: &ClientInfo) -> AppResult<Option<SessionActor>> {
    let now = app.now();
    let id = sha256_hex(token);
    let Some(found) = session::Entity::find_by_id(id.clone()).one(&app.db).await? else { return Ok(None) };
    let idle = now - found.last_seen_at > app.policy.idle_timeout;
    let expired = now - found.created_at > app.policy.absolute_timeout;
    if idle || expired {
        session::Entity::delete_by_id(id).exec(app.writer()).await?;
        return Ok(None);
    }
    let Some(actor) = load_actor(app, UserId(found.user_id), client).await? else {
        session::Entity::delete_many().filter(session::Column::UserId.eq(found.user_id)).exec(app.writer()).await?;
        return Ok(None);
    };
    // Writing on every request would serialise readers on SQLite; a minute of slack is harmless.
    if now - found.last_seen_at > TimeDelta::seconds(60) {
        let mut touched = found.clone().into_active_model();
        touched.last_seen_at = Set(now);
        touched.update(app.writer()).await?;
    }
    // The login is the first authentication; a confirmation later moves it on.
    let authenticated_at = found.reauthenticated_at.unwrap_or(found.created_at);
    let recently_authenticated = (now - authenticated_at) <= app.policy.reauth_window;
    Ok(Some(SessionActor { actor, csrf_token: found.csrf_token, recently_authenticated }))
}

/// Confirms the session user's password — and the code of their second factor if they have one —
/// before a sensitive action; `false` (audited) if wrong. A right one marks the session as just
/// authenticated. Wrong answers count towards the account's lock-out, and the fifth in a row
/// ends the session, so a stolen session cannot be used to guess the code.
pub async fn reauthenticate(app: &App, actor: &Actor, token: &str, password: &str, code: &str) -> AppResult<bool> {
    let account = own_account(app, actor).await?;
    let user_id = UserId(account.id);
    let password_ok = verify_password(password, &account.password_hash).await?;
    let now = app.now();
    let counter = format!("reauth:{}", account.id);
    let txn = app.begin().await?;
    let ok = password_ok
        && (!crate::access::second_factor::is_enrolled(&account)
            || crate::access::second_factor::accept(app, &txn, &account, code, now).await?.is_some());
    let scope = OrgId(account.org_id);
    if ok {
        let found = session::Entity::find_by_id(sha256_hex(token)).one(&txn).await?.ok_or(AppError::Unauthenticated)?;
        let mut active = found.into_active_model();
        active.reauthenticated_at = Set(Some(now));
        active.update(&txn).await?;
        login_attempt::Entity::delete_by_id(counter).exec(&txn).await?;
    } else if count_failure(&txn, &counter, now).await? >= app.policy.max_failures {
        login_attempt::Entity::delete_by_id(counter).exec(&txn).await?;
        session::Entity::delete_by_id(sha256_hex(token)).exec(&txn).await?;
        let entry = Entry::new(AuditAction::SessionsEnded, ObjectKind::User).object(user_id).scope(scope);
        audit::record(&txn, now, actor, entry.after(json!({ "sessions": 1, "reason": "reauth_failures" }))).await?;
    }
    let action = if ok { AuditAction::Reauthenticated } else { AuditAction::ReauthenticationFailed };
    audit::record(&txn, now, actor, Entry::new(action, ObjectKind::User).object(user_id).scope(scope)).await?;
    txn.commit().await?;
    Ok(ok)
}

/// The actor for an enabled user, with every grant they hold now; `None` if disabled or missing.
/// A one-time password, or one older than the policy allows, must be changed before anything else.
pub async fn load_actor(app: &App, user_id: UserId, client: &ClientInfo) -> AppResult<Option<Actor>> {
    // An account and its grants change only in write transactions, which move the data version
    // on: until then every request of the user shares one reading of them.
    let key = format!("account|{}", user_id.0);
    // Every request of the user waits for this reading after a write: it runs on the connections
    // kept for such computations, not behind the pages' queries.
    let loaded = app.memo.get(app, key, |app| Box::pin(async move { account_and_grants(&app, user_id).await })).await?;
    let Some((account, grants, partner)) = loaded.as_ref() else { return Ok(None) };
    // A dormant account's API tokens stop too, whether or not the daily run has disabled it yet.
    if account.disabled_at.is_some() || is_dormant(app, account, app.now()) {
        return Ok(None);
    }
    let password_expired = app.policy.password_max_age.is_some_and(|age| app.now() - account.password_changed_at > age);
    let second_factor_missing = (grants.iter().any(|g| g.requires_second_factor)
        || partner.as_ref().is_some_and(|p| p.requires_second_factor))
        && !crate::access::second_factor::is_enrolled(account);
    Ok(Some(Actor {
        principal: Principal::User {
            id: UserId(account.id),
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            must_change_password: account.must_change_password || password_expired,
            must_enrol_second_factor: second_factor_missing,
        },
        grants: grants.clone(),
        partner: partner.clone(),
        client: client.clone(),
    }))
}

/// The account and every grant it holds now: over the tree, or — a partner's account — over its
/// partner alone.
async fn account_and_grants(app: &App, user_id: UserId) -> AppResult<Option<Loaded>> {
    let conn = &app.db;
    let Some(account) = user::Entity::find_by_id(user_id.0).one(conn).await? else { return Ok(None) };
    let assignments = user_role::Entity::find().filter(user_role::Column::UserId.eq(account.id)).all(conn).await?;
    let role_ids: Vec<i64> = assignments.iter().map(|a| a.role_id).collect();
    let org_ids: Vec<i64> = assignments.iter().map(|a| a.scope_org_id).collect();
    let roles = role::Entity::find().filter(role::Column::Id.is_in(role_ids.clone())).all(conn).await?;
    let grants_rows =
        role_permission::Entity::find().filter(role_permission::Column::RoleId.is_in(role_ids)).all(conn).await?;
    let permissions_of = |role_id: i64| -> BTreeSet<Permission> {
        grants_rows
            .iter()
            .filter(|g| g.role_id == role_id)
            .filter_map(|g| Permission::parse(&g.permission).ok())
            .collect()
    };
    // Only roles of the account's kind count: a partner's roles over the partner, the tree's over orgs.
    let held: Vec<(&user_role::Model, &role::Model)> = assignments
        .iter()
        .filter_map(|a| roles.iter().find(|r| r.id == a.role_id).map(|r| (a, r)))
        .filter(|(_, r)| r.for_partners == account.partner_id.is_some())
        .collect();
    if let Some(partner_id) = account.partner_id {
        let Some(p) = partner::Entity::find_by_id(partner_id).one(conn).await? else { return Ok(None) };
        let grant = PartnerGrant {
            partner_id: PartnerId(p.id),
            partner_name: p.name,
            role_names: held.iter().map(|(_, r)| r.name.clone()).collect(),
            permissions: held.iter().flat_map(|(_, r)| permissions_of(r.id)).collect(),
            requires_second_factor: held.iter().any(|(_, r)| r.requires_second_factor),
        };
        return Ok(Some((account, Vec::new(), Some(grant))));
    }
    let orgs = org::Entity::find().filter(org::Column::Id.is_in(org_ids)).all(conn).await?;
    let grants = held
        .into_iter()
        .filter_map(|(a, role)| {
            let scope = orgs.iter().find(|o| o.id == a.scope_org_id)?;
            Some(Grant {
                role_code: role.code.clone(),
                role_name: role.name.clone(),
                scope_org_id: OrgId(scope.id),
                scope_org_name: scope.name.clone(),
                permissions: permissions_of(role.id),
                requires_second_factor: role.requires_second_factor,
            })
        })
        .collect();
    Ok(Some((account, grants, None)))
}

/// An account as its requests see it: the row, its grants over the tree, its grant over a partner.
type Loaded = (user::Model, Vec<Grant>, Option<PartnerGrant>);

/// The actor's own account, as stored now.
pub(crate) async fn own_account(app: &App, actor: &Actor) -> AppResult<user::Model> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    user::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::Unauthenticated)
}

/// Ends the session behind `token`.
pub async fn logout(app: &App, actor: &Actor, token: &str) -> AppResult<()> {
    let txn = app.begin().await?;
    session::Entity::delete_by_id(sha256_hex(token)).exec(&txn).await?;
    let mut entry = Entry::new(AuditAction::Logout, ObjectKind::Session);
    if let Some(id) = actor.user_id() {
        entry = entry.object(id);
        if let Some(u) = user::Entity::find_by_id(id.0).one(&txn).await? {
            entry = entry.scope(OrgId(u.org_id));
        }
    }
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
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
