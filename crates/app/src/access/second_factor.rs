//! The second factor: time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps,
//! six digits, one step of drift either way) from an authenticator app, and ten single-use
//! recovery codes for a lost phone. Enrolled on 我的账户; asked at login and at re-authentication;
//! required of the holders of roles a district admin marks.

use chrono::{DateTime, Utc};
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, UserId};
use qingtuan_entity::user;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::auth::own_account;
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::error::AppResult;
use crate::{Actor, App};

/// Seconds per step (RFC 6238's default, what every authenticator app uses).
const STEP_SECS: i64 = 30;
/// Steps of clock drift accepted either side of now.
const DRIFT_STEPS: i64 = 1;
const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
const ISSUER: &str = "Qingtuan";

/// The time step a moment falls in.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECS)
}

/// The six-digit code of a secret for one time step (RFC 4226's HOTP with the step as counter).
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret) else { return String::new() };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary =
        u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:06}", binary % 1_000_000)
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0_u32, 0_u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The inverse of [`base32`] (case-insensitive, spaces ignored); `None` for anything else.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0_u32, 0_u32);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// What a user typed: spaces and hyphens dropped, lower case.
fn normalise(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

/// The account's enrolled secret, decrypted; `None` if it has none or it is still pending.
fn enrolled_secret(app: &App, account: &user::Model) -> AppResult<Option<Vec<u8>>> {
    if account.totp_enabled_at.is_none() {
        return Ok(None);
    }
    secret_of(app, account)
}

fn secret_of(app: &App, account: &user::Model) -> AppResult<Option<Vec<u8>>> {
    let Some(sealed) = &account.totp_secret else { return Ok(None) };
    let text = app.keys.decrypt(sealed)?;
    Ok(from_base32(&text))
}

/// Has the account a second factor?
pub(crate) fn is_enrolled(account: &user::Model) -> bool {
    account.totp_enabled_at.is_some()
}

/// How a code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// A code from the app, for this step.
    Totp(i64),
    /// One of the recovery codes, now used up; this many remain.
    Recovery(usize),
}

/// Checks a code against the account's second factor: a TOTP code of a step within the drift and
/// after the last one accepted, or an unused recovery code. Records what it used up in `conn`
/// (the caller's transaction); `None` if the code is wrong.
pub(crate) async fn accept<C: ConnectionTrait>(
    app: &App,
    conn: &C,
    account: &user::Model,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Accepted>> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, Condition, QueryFilter};
    let Some(secret) = enrolled_secret(app, account)? else { return Ok(None) };
    let typed = normalise(typed);
    // Each use is written only if nothing used the same code meanwhile (a conditional update:
    // two requests with one code at once — one wins, the other finds nothing changed).
    if typed.len() == 6 && typed.chars().all(|c| c.is_ascii_digit()) {
        let now_step = step_at(now);
        let last = account.totp_last_step.unwrap_or(i64::MIN);
        let step = (now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS)
            .filter(|s| *s > last)
            .find(|s| constant_time_eq(code_for_step(&secret, *s).as_bytes(), typed.as_bytes()));
        let Some(step) = step else { return Ok(None) };
        let used = user::Entity::update_many()
            .col_expr(user::Column::TotpLastStep, Expr::value(step))
            .filter(user::Column::Id.eq(account.id))
            .filter(Condition::any().add(user::Column::TotpLastStep.is_null()).add(user::Column::TotpLastStep.lt(step)))
            .exec(conn)
            .await?;
        return Ok((used.rows_affected == 1).then_some(Accepted::Totp(step)));
    }
    let Some(stored) = account.recovery_codes.clone() else { return Ok(None) };
    let mut hashes: Vec<String> = serde_json::from_str(&stored).unwrap_or_default();
    let hashed = sha256_hex(&typed);
    let Some(index) = hashes.iter().position(|h| constant_time_eq(h.as_bytes(), hashed.as_bytes())) else {
        return Ok(None);
    };
    hashes.remove(index);
    let used = user::Entity::update_many()
        .col_expr(user::Column::RecoveryCodes, Expr::value(json!(hashes).to_string()))
        .filter(user::Column::Id.eq(account.id))
        .filter(user::Column::RecoveryCodes.eq(stored))
        .exec(conn)
        .await?;
    Ok((used.rows_affected == 1).then_some(Accepted::Recovery(hashes.len())))
}

/// A secret being enrolled: what the authenticator app needs.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://` URI the QR code carries.
    pub uri: String,
}

impl Enrolment {
    /// The secret in groups of four, for reading off the screen.
    pub fn grouped(&self) -> String {
        let chars: Vec<char> = self.secret.chars().collect();
        chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }
}

/// Starts an enrolment (or restarts one not yet confirmed): a new random secret, stored encrypted
/// and pending until a code from the app confirms it.
pub async fn start(app: &App, actor: &Actor) -> AppResult<Enrolment> {
    let account = own_account(app, actor).await?;
    if is_enrolled(&account) {
        return Err(Invalid::one("code", "两步验证已启用；如需更换手机，请先停用再重新启用").into());
    }
    let mut bytes = [0_u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = base32(&bytes);
    let txn = app.begin().await?;
    let mut active = account.clone().into_active_model();
    active.totp_secret = Set(Some(app.keys.encrypt(&secret)?));
    active.totp_last_step = Set(None);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(enrolment(&account.username, secret))
}

/// The pending enrolment of the actor, if one was started and not confirmed.
pub async fn pending(app: &App, actor: &Actor) -> AppResult<Option<Enrolment>> {
    let account = own_account(app, actor).await?;
    if is_enrolled(&account) {
        return Ok(None);
    }
    Ok(secret_of(app, &account)?.map(|bytes| enrolment(&account.username, base32(&bytes))))
}

fn enrolment(username: &str, secret: String) -> Enrolment {
    let uri = format!("otpauth://totp/{ISSUER}:{username}?secret={secret}&issuer={ISSUER}&digits=6&period={STEP_SECS}");
    Enrolment { secret, uri }
}

/// Confirms a pending enrolment with a code from the app; returns the recovery codes, shown once.
pub async fn confirm(app: &App, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
    let account = own_account(app, actor).await?;
    let Some(secret) = (if is_enrolled(&account) { None } else { secret_of(app, &account)? }) else {
        return Err(Invalid::one("code", "请先点击“启用两步验证”取得密钥").into());
    };
    let now = app.now();
    let now_step = step_at(now);
    let typed = normalise(code);
    let step = (now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS)
        .find(|s| constant_time_eq(code_for_step(&secret, *s).as_bytes(), typed.as_bytes()));
    let Some(step) = step else {
        return Err(Invalid::one("code", "验证码不正确：请核对手机时间，输入验证器应用当前显示的 6 位数字").into());
    };
    let (codes, hashes) = new_recovery_codes();
    let txn = app.begin().await?;
    let mut active = account.clone().into_active_model();
    active.totp_enabled_at = Set(Some(now));
    active.totp_last_step = Set(Some(step));
    active.recovery_codes = Set(Some(json!(hashes).to_string()));
    active.update(&txn).await?;
    record(&txn, now, actor, &account, AuditAction::SecondFactorEnabled).await?;
    txn.commit().await?;
    Ok(codes)
}

/// Ten new recovery codes (shown once), replacing the unused ones.
pub async fn renew_recovery_codes(app: &App, actor: &Actor) -> AppResult<Vec<String>> {
    let account = own_account(app, actor).await?;
    if !is_enrolled(&account) {
        return Err(Invalid::one("code", "尚未启用两步验证").into());
    }
    let (codes, hashes) = new_recovery_codes();
    let now = app.now();
    let txn = app.begin().await?;
    let mut active = account.clone().into_active_model();
    active.recovery_codes = Set(Some(json!(hashes).to_string()));
    active.update(&txn).await?;
    record(&txn, now, actor, &account, AuditAction::RecoveryCodesRenewed).await?;
    txn.commit().await?;
    Ok(codes)
}

/// Turns the actor's own second factor off — refused while a role of theirs requires one.
pub async fn disable(app: &App, actor: &Actor) -> AppResult<()> {
    if actor.must_use_second_factor() {
        return Err(Invalid::one("code", "您的角色要求使用两步验证，不能停用；更换手机请联系管理员重置").into());
    }
    let account = own_account(app, actor).await?;
    let now = app.now();
    let txn = app.begin().await?;
    clear(&txn, &account).await?;
    record(&txn, now, actor, &account, AuditAction::SecondFactorDisabled).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes an account's second factor (for a lost phone, by an administrator): the owner enrols
/// again at the next login if a role requires it.
pub(crate) async fn clear<C: ConnectionTrait>(conn: &C, account: &user::Model) -> AppResult<()> {
    let mut active = account.clone().into_active_model();
    active.totp_secret = Set(None);
    active.totp_enabled_at = Set(None);
    active.totp_last_step = Set(None);
    active.recovery_codes = Set(None);
    active.update(conn).await?;
    Ok(())
}

/// The actor's own second factor, as their account's pages show it.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Standing {
    pub enrolled: bool,
    /// Recovery codes left (none without a second factor).
    pub recovery_codes_left: usize,
}

/// Whether the actor has a second factor, and how many recovery codes are left.
pub async fn standing(app: &App, actor: &Actor) -> AppResult<Standing> {
    let account = own_account(app, actor).await?;
    Ok(Standing { enrolled: is_enrolled(&account), recovery_codes_left: recovery_codes_left(&account).unwrap_or(0) })
}

/// How many recovery codes the account has left; `None` if it has no second factor.
fn recovery_codes_left(account: &user::Model) -> Option<usize> {
    is_enrolled(account).then(|| {
        account
            .recovery_codes
            .as_deref()
            .and_then(|j| serde_json::from_str::<Vec<String>>(j).ok())
            .map_or(0, |v| v.len())
    })
}

fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0_u8; 5];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let text = base32(&bytes).to_lowercase();
            format!("{}-{}", &text[..4], &text[4..])
        })
        .collect();
    let hashes = codes.iter().map(|c| sha256_hex(&normalise(c))).collect();
    (codes, hashes)
}

/// An audit row of the owner's own second factor (enrolled, renewed, disabled).
async fn record<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    actor: &Actor,
    account: &user::Model,
    action: AuditAction,
) -> AppResult<()> {
    let entry = Entry::new(action, ObjectKind::User).object(UserId(account.id)).scope(OrgId(account.org_id));
    audit::record(conn, now, actor, entry).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, eight digits there; the last six are what six-digit apps show.
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_for_step(secret, time.div_euclid(30)), eight[2..], "{time}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(from_base32("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(from_base32("MZ1"), None);
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_base32(&base32(&bytes)), Some(bytes));
    }
}
