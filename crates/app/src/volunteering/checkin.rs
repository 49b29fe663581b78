//! Check-in and check-out at a shift. The organiser's screen shows a QR code that changes every
//! 30 seconds: a link to the portal carrying a signed, time-limited token, and beside it a
//! six-digit code to type when scanning is not possible. Both are accepted while shown and for a
//! minute after; a sign-up can use each code once, so a replay is refused. The first check-in links
//! the sign-up to a person in the registry (the same ID number, or the same name and phone, is the
//! same person) and records the turn-out; the check-out credits the hours by the attendance rule.

use super::WRITE;
use chrono::{DateTime, Utc};
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, ShiftId, ShiftSignupId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::person::{Gender, IdNumber, PoliticalStatus};
use qingtuan_domain::region::pinyin_initials;
use qingtuan_domain::time::{format_local, format_local_span};
use qingtuan_domain::volunteering::credited_minutes;
use qingtuan_entity::{checkin_use, person, recruitment_call, shift, signup, turnout};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

/// The code on the screen changes this often (seconds).
pub const ROTATE_SECS: i64 = 30;
/// A code is still accepted this long after it changed (seconds): time to scan and confirm.
pub const GRACE_SECS: i64 = 60;
/// Check-in attempts allowed per client address in an hour.
pub const ATTEMPTS_PER_HOUR: i32 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::In => "签到",
            Self::Out => "签退",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "in" => Some(Self::In),
            "out" => Some(Self::Out),
            _ => None,
        }
    }
}

fn window_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(ROTATE_SECS)
}

/// The windows whose codes are accepted at `now`: the current one and those within the grace.
fn accepted_windows(now: DateTime<Utc>) -> std::ops::RangeInclusive<i64> {
    let current = window_of(now);
    (current - GRACE_SECS / ROTATE_SECS)..=current
}

fn token_for(app: &App, shift_id: i64, d: Direction, window: i64) -> String {
    let sig = app.keys.sign(&format!("checkin-token|{shift_id}|{}|{window}", d.code()));
    format!("{shift_id}.{}.{window}.{}", d.code(), hex::encode(&sig[..12]))
}

fn typed_code_for(app: &App, shift_id: i64, d: Direction, window: i64) -> String {
    let sig = app.keys.sign(&format!("checkin-code|{shift_id}|{}|{window}", d.code()));
    let n = u32::from_be_bytes([sig[0], sig[1], sig[2], sig[3]]) % 1_000_000;
    format!("{n:06}")
}

/// What the organiser's screen shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Screen {
    pub shift_id: ShiftId,
    pub direction: Direction,
    pub token: String,
    pub code: String,
    pub call_title: String,
    pub shift_label: String,
    /// Seconds until the code changes: when the screen should reload.
    pub refresh_secs: i64,
}

async fn shift_and_call(app: &App, shift_id: i64) -> AppResult<(shift::Model, recruitment_call::Model)> {
    let s = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let c = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok((s, c))
}

fn shift_label(s: &shift::Model) -> String {
    format!("{} {} · {}", s.on_date, format_local_span(s.starts_at, s.ends_at), s.place)
}

/// The current code of a shift, for an organiser who may write over the calling org.
pub async fn screen(app: &App, actor: &Actor, ShiftId(shift_id): ShiftId, direction: Direction) -> AppResult<Screen> {
    let (s, c) = shift_and_call(app, shift_id).await?;
    scope::require(app, actor, WRITE, (ObjectKind::Org, c.org_id.to_string()), OrgId(c.org_id)).await?;
    let now = app.now();
    let window = window_of(now);
    Ok(Screen {
        refresh_secs: ROTATE_SECS - now.timestamp().rem_euclid(ROTATE_SECS),
        shift_id: ShiftId(shift_id),
        direction,
        token: token_for(app, shift_id, direction, window),
        code: typed_code_for(app, shift_id, direction, window),
        call_title: c.title,
        shift_label: shift_label(&s),
    })
}

/// A scanned token, checked: which shift, which direction, which window.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scan {
    pub shift_id: ShiftId,
    pub direction: Direction,
    pub window: i64,
    pub call_title: String,
    pub shift_label: String,
}

const EXPIRED: &str = "二维码已过期，请扫描签到屏幕上的新二维码";

/// Checks a scanned token's signature and age. A forged token is not found (404); an expired one
/// is refused with a message.
pub async fn scan(app: &App, token: &str) -> AppResult<Scan> {
    let mut parts = token.split('.');
    let (Some(shift_id), Some(d), Some(window), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AppError::NotFound);
    };
    let (Ok(shift_id), Some(direction), Ok(window)) = (shift_id.parse(), Direction::parse(d), window.parse()) else {
        return Err(AppError::NotFound);
    };
    let expected = token_for(app, shift_id, direction, window);
    if !constant_time_eq(expected.as_bytes(), token.as_bytes()) {
        return Err(AppError::NotFound);
    }
    if !accepted_windows(app.now()).contains(&window) {
        return Err(Invalid::one("token", EXPIRED).into());
    }
    let (s, c) = shift_and_call(app, shift_id).await?;
    Ok(Scan { shift_id: ShiftId(shift_id), direction, window, call_title: c.title, shift_label: shift_label(&s) })
}

/// Who is checking in at a scanned code.
#[derive(Debug, Clone)]
pub enum Who {
    /// The private-link tokens this browser keeps from its sign-ups.
    Remembered(Vec<String>),
    /// The sign-up code (报名码) typed by the volunteer.
    SignupCode(String),
}

/// What happened, as the volunteer sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub name: String,
    pub direction: Direction,
    pub at: String,
    /// After a check-out: the minutes credited (0 when attendance fell short of the rule).
    pub credited_minutes: Option<i64>,
}

/// Checks in or out through a scanned QR token.
pub async fn check_with_token(app: &App, client: &ClientInfo, token: &str, who: &Who) -> AppResult<Outcome> {
    let scan = scan(app, token).await?;
    throttle(app, client).await?;
    let found = match who {
        Who::Remembered(tokens) => remembered_signup(app, scan.shift_id.0, tokens).await?,
        Who::SignupCode(code) => {
            signup::Entity::find()
                .filter(signup::Column::ShiftId.eq(scan.shift_id.0))
                .filter(signup::Column::Code.eq(code.trim().to_uppercase()))
                .filter(signup::Column::CancelledAt.is_null())
                .one(&app.db)
                .await?
        }
    };
    let s = found.ok_or_else(|| Invalid::one("code", "没有找到你在该班次的报名，请核对报名码"))?;
    record(app, client, s, scan.direction, scan.window).await
}

/// Checks in or out on the volunteer's own page by typing the code shown beside the QR code.
pub async fn check_with_typed_code(
    app: &App,
    client: &ClientInfo,
    private_token: &str,
    typed: &str,
) -> AppResult<Outcome> {
    let s = signup::Entity::find()
        .filter(signup::Column::TokenHash.eq(sha256_hex(private_token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    throttle(app, client).await?;
    let typed = typed.trim();
    let matched = accepted_windows(app.now()).rev().find_map(|window| {
        [Direction::In, Direction::Out]
            .into_iter()
            .find(|d| constant_time_eq(typed_code_for(app, s.shift_id, *d, window).as_bytes(), typed.as_bytes()))
            .map(|d| (d, window))
    });
    let (direction, window) =
        matched.ok_or_else(|| Invalid::one("code", "签到码不正确或已过期，请输入签到屏幕上当前显示的 6 位数字"))?;
    record(app, client, s, direction, window).await
}

async fn throttle(app: &App, client: &ClientInfo) -> AppResult<()> {
    let now = app.now();
    let txn = app.begin().await?;
    let allowed =
        crate::access::limits::allow(&txn, &format!("checkin:addr:{}", client.addr), ATTEMPTS_PER_HOUR, now).await?;
    if !allowed {
        let anonymous = Actor::anonymous(client, "portal");
        let entry = Entry::new(AuditAction::RateLimited, ObjectKind::Page).object("portal.checkin");
        audit::record(&txn, now, &anonymous, entry).await?;
    }
    txn.commit().await?;
    if allowed { Ok(()) } else { Err(Invalid::one("code", "尝试过于频繁，请稍后再试").into()) }
}

async fn record(
    app: &App,
    client: &ClientInfo,
    s: signup::Model,
    direction: Direction,
    window: i64,
) -> AppResult<Outcome> {
    if s.cancelled_at.is_some() {
        return Err(Invalid::one("code", "该报名已取消").into());
    }
    let now = app.now();
    let (sh, call) = shift_and_call(app, s.shift_id).await?;
    let phone = app.keys.decrypt(&s.phone_enc)?;
    let anonymous = Actor::anonymous(client, &mask_phone(&phone));
    let used = format!("{}{window}", direction.code());
    let txn = app.begin().await?;
    let replay = checkin_use::Entity::find()
        .filter(checkin_use::Column::SignupId.eq(s.id))
        .filter(checkin_use::Column::Code.eq(used.clone()))
        .one(&txn)
        .await?
        .is_some();
    if replay {
        let entry = Entry::new(AuditAction::CheckinRefused, ObjectKind::Person)
            .object(s.id)
            .scope(OrgId(call.org_id))
            .after(json!({ "shift": sh.id, "reason": "replay" }));
        audit::record(&txn, now, &anonymous, entry).await?;
        txn.commit().await?;
        return Err(Invalid::one("code", "该二维码（签到码）已经使用过，请扫描屏幕上的新二维码").into());
    }
    checkin_use::ActiveModel { signup_id: Set(s.id), code: Set(used), used_at: Set(now), ..Default::default() }
        .insert(&txn)
        .await?;
    let existing = turnout::Entity::find().filter(turnout::Column::SignupId.eq(s.id)).one(&txn).await?;
    let (action, credited) = match (direction, existing) {
        (Direction::In, Some(_)) => return Err(Invalid::one("code", "你已签到，无需重复签到").into()),
        (Direction::In, None) => {
            let person_id = person_of(app, &txn, &s, &phone).await?;
            turnout::ActiveModel {
                shift_id: Set(sh.id),
                person_id: Set(person_id),
                team_id: Set(None),
                check_in_at: Set(Some(now)),
                check_out_at: Set(None),
                credited_minutes: Set(0),
                signup_id: Set(Some(s.id)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (AuditAction::CheckedIn, None)
        }
        (Direction::Out, None) => return Err(Invalid::one("code", "你还没有签到，请先签到").into()),
        (Direction::Out, Some(t)) if t.check_out_at.is_some() => {
            return Err(Invalid::one("code", "你已签退").into());
        }
        (Direction::Out, Some(t)) => {
            let check_in = t.check_in_at.unwrap_or(now);
            let share = crate::volunteering::min_share_percent(&txn).await?;
            let minutes = credited_minutes(sh.starts_at, sh.ends_at, check_in, now, share);
            let mut active: turnout::ActiveModel = t.into();
            active.check_out_at = Set(Some(now));
            active.credited_minutes = Set(i32::try_from(minutes).unwrap_or(i32::MAX));
            active.update(&txn).await?;
            (AuditAction::CheckedOut, Some(minutes))
        }
    };
    let entry = Entry::new(action, ObjectKind::Person)
        .object(s.id)
        .scope(OrgId(call.org_id))
        .after(json!({ "shift": sh.id, "credited_minutes": credited }));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(Outcome { name: s.name, direction, at: format_local(now), credited_minutes: credited })
}

/// The person a sign-up is: found by ID number, else by name and phone, else registered now.
async fn person_of(app: &App, txn: &crate::db::Write, s: &signup::Model, phone: &str) -> AppResult<i64> {
    if let Some(id) = s.person_id {
        return Ok(id);
    }
    let id_number = s.id_number_enc.as_deref().map(|e| app.keys.decrypt(e)).transpose()?;
    let id_number = id_number.as_deref().map(IdNumber::parse).transpose()?;
    let id_hash = id_number.as_ref().map(|id| app.keys.lookup_hash(id.as_str()));
    let phone_hash = app.keys.lookup_hash(phone);
    let found = match &id_hash {
        Some(h) => person::Entity::find().filter(person::Column::IdNumberHash.eq(h.clone())).one(txn).await?,
        None => {
            person::Entity::find()
                .filter(person::Column::PhoneHash.eq(phone_hash.clone()))
                .filter(person::Column::Name.eq(s.name.clone()))
                .one(txn)
                .await?
        }
    };
    let person_id = match found {
        Some(p) => p.id,
        None => {
            let gender = match (&id_number, s.gender.as_deref()) {
                (Some(id), _) => id.gender(),
                (None, Some(g)) => Gender::parse(g)?,
                (None, None) => return Err(Invalid::one("gender", "报名信息缺少性别").into()),
            };
            person::ActiveModel {
                initials: Set(pinyin_initials(&s.name)),
                name: Set(s.name.clone()),
                gender: Set(gender.code().to_owned()),
                birth_on: Set(s.birth_on.or_else(|| id_number.as_ref().and_then(IdNumber::birth_date))),
                id_number_enc: Set(s.id_number_enc.clone()),
                id_number_hash: Set(id_hash),
                phone_enc: Set(Some(s.phone_enc.clone())),
                phone_hash: Set(Some(phone_hash)),
                member_since: Set(None),
                political_status: Set(PoliticalStatus::Masses.code().to_owned()),
                region_id: Set(None),
                created_at: Set(app.now()),
                ..Default::default()
            }
            .insert(txn)
            .await?
            .id
        }
    };
    let mut active: signup::ActiveModel = s.clone().into();
    active.person_id = Set(Some(person_id));
    active.update(txn).await?;
    Ok(person_id)
}

/// The sign-ups' check-in state for a shift, as the organiser's list shows it.
pub async fn turnout_of_signups<C: ConnectionTrait>(
    conn: &C,
    signup_ids: Vec<i64>,
) -> AppResult<std::collections::HashMap<i64, turnout::Model>> {
    let mut out = std::collections::HashMap::new();
    for chunk in signup_ids.chunks(500) {
        for t in turnout::Entity::find().filter(turnout::Column::SignupId.is_in(chunk.to_vec())).all(conn).await? {
            if let Some(id) = t.signup_id {
                out.insert(id, t);
            }
        }
    }
    Ok(out)
}

/// The first of a browser's remembered sign-ups (private-link tokens) that is for this shift and
/// not cancelled.
pub(crate) async fn remembered_signup(app: &App, shift_id: i64, tokens: &[String]) -> AppResult<Option<signup::Model>> {
    let hashes: Vec<String> = tokens.iter().map(|t| sha256_hex(t)).collect();
    Ok(signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::TokenHash.is_in(hashes))
        .filter(signup::Column::CancelledAt.is_null())
        .one(&app.db)
        .await?)
}

/// The name on the browser's sign-up for this shift, if it has one.
pub async fn remembered_name(app: &App, ShiftId(shift_id): ShiftId, tokens: &[String]) -> AppResult<Option<String>> {
    Ok(remembered_signup(app, shift_id, tokens).await?.map(|s| s.name))
}

/// A sign-up's attendance as the organisers took it down by hand (a paper list, a phone gone
/// flat): the times on the shift's day.
#[derive(Debug, Clone, Copy)]
pub struct ByHand {
    pub signup_id: ShiftSignupId,
    pub check_in: chrono::NaiveTime,
    pub check_out: chrono::NaiveTime,
}

/// Records turn-outs of a shift's sign-ups by hand (activities' write over the calling org), all
/// or nothing: each sign-up of this shift, not cancelled, not yet checked in, at times past and in
/// order; hours credited by the attendance rule, the sign-up linked to its person as a check-in
/// would. Returns how many were recorded.
pub async fn record_by_hand(app: &App, actor: &Actor, ShiftId(shift_id): ShiftId, rows: &[ByHand]) -> AppResult<usize> {
    use qingtuan_domain::time::local_instant;
    let (sh, call) = shift_and_call(app, shift_id).await?;
    let proof =
        scope::require(app, actor, WRITE, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    if rows.is_empty() {
        return Err(Invalid::one("signups", "请至少登记一人的签到、签退时间").into());
    }
    let now = app.now();
    let ids: Vec<i64> = rows.iter().map(|r| r.signup_id.0).collect();
    let signups = signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::Id.is_in(ids.clone()))
        .all(&app.db)
        .await?;
    let recorded = turnout_of_signups(&app.db, ids).await?;
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    let mut field = |message: String| problems.push(qingtuan_domain::FieldError { field: "signups", message });
    for r in rows {
        let (check_in, check_out) = (local_instant(sh.on_date, r.check_in), local_instant(sh.on_date, r.check_out));
        match signups.iter().find(|s| ShiftSignupId(s.id) == r.signup_id) {
            None => field(format!("报名 {} 不是该班次的报名", r.signup_id)),
            Some(_) if !seen.insert(r.signup_id) => field(format!("报名 {} 重复登记", r.signup_id)),
            Some(s) if s.cancelled_at.is_some() => field(format!("{} 的报名已取消，不能登记出勤", s.name)),
            Some(s) if recorded.contains_key(&s.id) => field(format!("{} 已签到，请在名单中核减或补录时长", s.name)),
            Some(s) if check_out <= check_in => field(format!("{}：签退时间应晚于签到时间", s.name)),
            Some(s) if check_out > now => field(format!("{}：不能登记尚未到来的签退时间", s.name)),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let share = crate::volunteering::min_share_percent(&app.db).await?;
    let txn = app.begin().await?;
    let mut minutes = 0_i64;
    for r in rows {
        let Some(s) = signups.iter().find(|s| ShiftSignupId(s.id) == r.signup_id) else { continue };
        let phone = app.keys.decrypt(&s.phone_enc)?;
        let person_id = person_of(app, &txn, s, &phone).await?;
        let (check_in, check_out) = (local_instant(sh.on_date, r.check_in), local_instant(sh.on_date, r.check_out));
        let credited = credited_minutes(sh.starts_at, sh.ends_at, check_in, check_out, share);
        minutes += credited;
        turnout::ActiveModel {
            shift_id: Set(sh.id),
            person_id: Set(person_id),
            team_id: Set(None),
            check_in_at: Set(Some(check_in)),
            check_out_at: Set(Some(check_out)),
            credited_minutes: Set(i32::try_from(credited).unwrap_or(i32::MAX)),
            signup_id: Set(Some(s.id)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let entry = Entry::new(AuditAction::TurnoutsRecorded, ObjectKind::Org)
        .within(&proof)
        .after(json!({ "shift": sh.id, "turnouts": rows.len(), "credited_minutes": minutes, "by_hand": true }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(rows.len())
}
