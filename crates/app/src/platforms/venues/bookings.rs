//! Bookings of a space: a slot checked against the space's hours and capacity and, after taking
//! the space's row, against every booking holding its time; the desk's bookings and its decisions
//! (approve, refuse, check in, no-show); an activity's booking on the activity's transaction.

use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{BookingId, OrgId, VenueId};
use qingtuan_domain::platform::{BookerKind, BookingState, OpeningHours};
use qingtuan_domain::time::{format_local_clock, local_date, local_instant};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{venue, venue_booking, venue_space};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::run_by;
use super::spaces::clock;
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::required_text;
use crate::platforms::WRITE;
use crate::{Actor, App, AppError};

/// The requested time in a space, checked against its hours: what a booking asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Slot {
    pub space_id: String,
    pub on_date: String,
    /// `14:00`.
    pub starts: String,
    pub ends: String,
    pub attendees: String,
    pub purpose: String,
}

/// How far ahead a space may be booked, in days.
const HORIZON_DAYS: u64 = 180;

/// A slot that fits its space's hours and capacity, not yet checked against other bookings.
#[derive(Debug, Clone)]
pub(crate) struct CheckedSlot {
    pub space: venue_space::Model,
    pub venue: venue::Model,
    pub on_date: NaiveDate,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub attendees: i32,
    pub purpose: String,
}

/// Checks a slot: the space exists (of a venue that is open), the day is today or later and an
/// open day, the times lie within the hours, the attendees fit. Problems are the form's.
pub(crate) async fn check_slot<C: ConnectionTrait>(
    conn: &C,
    app: &App,
    slot: &Slot,
    problems: &mut Vec<FieldError>,
) -> AppResult<Option<CheckedSlot>> {
    let today = local_date(app.now());
    let space = match slot.space_id.trim().parse::<i64>() {
        Ok(id) => venue_space::Entity::find_by_id(id).one(conn).await?,
        Err(_) => None,
    };
    let venue = match &space {
        Some(s) => venue::Entity::find_by_id(s.venue_id).one(conn).await?,
        None => None,
    };
    let on_date = match crate::forms::parse_date("on_date", &slot.on_date) {
        Ok(Some(d)) if d < today => {
            problems.push(FieldError::new("on_date", "预约日期不能早于今天"));
            None
        }
        Ok(Some(d)) if d > today + Days::new(HORIZON_DAYS) => {
            problems.push(FieldError::new("on_date", format!("最多可预约 {HORIZON_DAYS} 天以内的时段")));
            None
        }
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(FieldError::new("on_date", "请填写预约日期"));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let starts = clock("starts", &slot.starts, "开始时间").map_err(|e| problems.push(e)).ok();
    let ends = clock("ends", &slot.ends, "结束时间").map_err(|e| problems.push(e)).ok();
    let attendees = slot.attendees.trim().parse::<i32>().ok().filter(|n| *n >= 1);
    if attendees.is_none() {
        problems.push(FieldError::new("attendees", "人数应为大于 0 的整数"));
    }
    let purpose = required_text(&slot.purpose, "purpose", "用途", 200).map_err(|e| problems.extend(e.0)).ok();
    let (Some(space), Some(venue)) = (space, venue) else {
        problems.push(FieldError::new("space_id", "请选择要预约的空间"));
        return Ok(None);
    };
    if let Some(d) = venue.closed_on.filter(|c| on_date.is_some_and(|d| d >= *c)) {
        problems.push(FieldError::new("on_date", format!("{}已于 {d} 停用", venue.name)));
    }
    if on_date.is_some_and(|d| d < venue.opened_on) {
        problems.push(FieldError::new("on_date", format!("{}自 {} 起启用", venue.name, venue.opened_on)));
    }
    let hours = OpeningHours {
        opens: space.opens_min as u32,
        closes: space.closes_min as u32,
        weekdays: OpeningHours::parse_weekdays(&space.weekdays).unwrap_or_default(),
    };
    if let (Some(d), Some(s), Some(e)) = (on_date, starts, ends) {
        if s >= e {
            problems.push(FieldError::new("ends", "结束时间应晚于开始时间"));
        } else if !hours.admits(d.weekday().number_from_monday(), s, e) {
            problems.push(FieldError::new(
                "starts",
                format!("{}的开放时间为{}，所约时段不在开放时间内", space.name, hours.describe()),
            ));
        }
    }
    if let Some(n) = attendees.filter(|n| *n > space.capacity) {
        problems.push(FieldError::new(
            "attendees",
            format!("{}最多容纳 {} 人，不能预约 {n} 人", space.name, space.capacity),
        ));
    }
    let (Some(on_date), Some(s), Some(e), Some(attendees), Some(purpose), true) =
        (on_date, starts, ends, attendees, purpose, problems.is_empty())
    else {
        return Ok(None);
    };
    let at = |m: u32| local_instant(on_date, NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap_or_default());
    if at(s) <= app.now() {
        problems.push(FieldError::new("starts", "开始时间已过，请预约以后的时段"));
        return Ok(None);
    }
    Ok(Some(CheckedSlot { on_date, starts_at: at(s), ends_at: at(e), attendees, purpose, space, venue }))
}

/// Whether another booking holding its time overlaps the slot (end = next start does not).
/// Called after taking the space's row, so two bookings at once are judged one after the other.
pub(crate) async fn overlapping(conn: &Write, slot: &CheckedSlot, except: Option<i64>) -> AppResult<Option<String>> {
    conn.take::<venue_space::Entity>(
        venue_space::Column::Id,
        Condition::all().add(venue_space::Column::Id.eq(slot.space.id)),
    )
    .await?;
    let holding: Vec<&str> = BookingState::ALL.iter().filter(|s| s.holds_time()).map(|s| s.code()).collect();
    let mut q = venue_booking::Entity::find()
        .filter(venue_booking::Column::SpaceId.eq(slot.space.id))
        .filter(venue_booking::Column::State.is_in(holding))
        .filter(venue_booking::Column::StartsAt.lt(slot.ends_at))
        .filter(venue_booking::Column::EndsAt.gt(slot.starts_at));
    if let Some(id) = except {
        q = q.filter(venue_booking::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.map(|b| {
        format!(
            "{}在 {} {} 已被预约，请换一个时段",
            slot.space.name,
            b.on_date,
            qingtuan_domain::time::format_local_span(b.starts_at, b.ends_at)
        )
    }))
}

/// A booking as the desk types it: by an org (its code) or a partner (its credit code).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskBooking {
    pub booker_kind: String,
    pub org_code: String,
    pub partner_code: String,
    /// The contact's name.
    pub name: String,
    #[serde(flatten)]
    pub slot: Slot,
}

/// Books a space for an org or a partner at the desk (platforms.write over the org that runs the
/// venue): approved at once.
pub async fn book(app: &App, actor: &Actor, venue_id: VenueId, form: &DeskBooking) -> AppResult<BookingId> {
    let (v, proof) = run_by(app, actor, venue_id, WRITE).await?;
    let mut problems = Vec::new();
    let kind = BookerKind::parse(&form.booker_kind).map_err(|e| problems.extend(e.0)).ok();
    let (mut org_id, mut partner_id) = (None, None);
    match kind {
        Some(BookerKind::Org) => match scope::named(&app.db, actor, WRITE, "org_code", &form.org_code).await? {
            Ok(o) => org_id = Some(o.id),
            Err(problem) => problems.push(problem),
        },
        Some(BookerKind::Partner) => match crate::tree::partner_by_credit_code(&app.db, &form.partner_code).await? {
            Some(p) => partner_id = Some(p.id),
            None => problems.push(FieldError::new(
                "partner_code",
                format!("统一社会信用代码“{}”不是已登记的合作伙伴", form.partner_code.trim()),
            )),
        },
        Some(BookerKind::Person) => problems.push(FieldError::new("booker_kind", "青年个人请在门户网站预约")),
        None => {}
    }
    let name = required_text(&form.name, "name", "联系人", 50).map_err(|e| problems.extend(e.0)).ok();
    let txn = app.begin().await?;
    let slot = check_slot(&txn, app, &form.slot, &mut problems).await?;
    if slot.as_ref().is_some_and(|s| s.venue.id != v.id) {
        problems.push(FieldError::new("space_id", "请选择本阵地的空间"));
    }
    let (Some(kind), Some(name), Some(slot), true) = (kind, name, slot, problems.is_empty()) else {
        txn.rollback().await?;
        return Err(Invalid(problems).into());
    };
    if let Some(clash) = overlapping(&txn, &slot, None).await? {
        txn.rollback().await?;
        return Err(Invalid::one("starts", clash).into());
    }
    let booker = Booker {
        kind,
        org_id,
        partner_id,
        name,
        phone_enc: None,
        token_hash: None,
        activity_id: None,
        phone_hash: None,
    };
    let id = insert_booking(&txn, app, &slot, booker, BookingState::Approved).await?;
    let entry = Entry::new(AuditAction::BookingRequested, ObjectKind::Booking).object(id).within(&proof).after(json!({
        "space": slot.space.id, "booker": kind.code(), "org": org_id, "partner": partner_id,
        "starts_at": slot.starts_at, "ends_at": slot.ends_at, "state": BookingState::Approved.code(),
    }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(BookingId(id))
}

/// Who books: an org, a partner, or a young person (with their phone, encrypted, and the private
/// link's hash).
#[derive(Debug, Clone)]
pub(crate) struct Booker {
    pub kind: BookerKind,
    pub org_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub name: String,
    pub phone_enc: Option<String>,
    pub token_hash: Option<String>,
    /// The activity the space is booked for.
    pub activity_id: Option<i64>,
    /// The keyed hash of a young person's phone.
    pub phone_hash: Option<String>,
}

/// Writes a booking of a checked slot (the caller has checked it overlaps nothing).
pub(crate) async fn insert_booking(
    conn: &Write,
    app: &App,
    slot: &CheckedSlot,
    booker: Booker,
    state: BookingState,
) -> AppResult<i64> {
    let row = venue_booking::ActiveModel {
        space_id: Set(slot.space.id),
        booker_kind: Set(booker.kind.code().to_owned()),
        org_id: Set(booker.org_id),
        partner_id: Set(booker.partner_id),
        name: Set(booker.name),
        phone_enc: Set(booker.phone_enc),
        purpose: Set(slot.purpose.clone()),
        attendees: Set(slot.attendees),
        on_date: Set(slot.on_date),
        starts_at: Set(slot.starts_at),
        ends_at: Set(slot.ends_at),
        state: Set(state.code().to_owned()),
        token_hash: Set(booker.token_hash),
        activity_id: Set(booker.activity_id),
        phone_hash: Set(booker.phone_hash),
        note: Set(String::new()),
        created_at: Set(app.now()),
        checked_in_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// What the desk does with a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskAction {
    Approve,
    Refuse,
    /// The booker came: checked in.
    CheckIn,
    NoShow,
    /// The desk cancels a requested or approved booking before it begins (a reason is kept).
    Cancel,
}

/// Approves or refuses a requested booking, checks an approved one in or records its no-show
/// (platforms.write over the org that runs the venue). A refusal says why.
pub async fn act(app: &App, actor: &Actor, id: BookingId, action: DeskAction, note: &str) -> AppResult<VenueId> {
    let b = venue_booking::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let space = venue_space::Entity::find_by_id(b.space_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (v, proof) = run_by(app, actor, VenueId(space.venue_id), WRITE).await?;
    let state = BookingState::parse(&b.state)?;
    let now = app.now();
    let (from, to) = match action {
        DeskAction::Approve => (BookingState::Requested, BookingState::Approved),
        DeskAction::Refuse => (BookingState::Requested, BookingState::Refused),
        DeskAction::CheckIn => (BookingState::Approved, BookingState::Used),
        DeskAction::NoShow => (BookingState::Approved, BookingState::NoShow),
        DeskAction::Cancel if state == BookingState::Requested => (BookingState::Requested, BookingState::Cancelled),
        DeskAction::Cancel => (BookingState::Approved, BookingState::Cancelled),
    };
    if state != from {
        let verb = match action {
            DeskAction::Approve => "通过",
            DeskAction::Refuse => "不通过",
            DeskAction::CheckIn => "登记使用",
            DeskAction::NoShow => "登记未到场",
            DeskAction::Cancel => "取消",
        };
        return Err(Invalid::one("state", format!("该预约当前为“{}”，不能{verb}", state.label())).into());
    }
    if matches!(action, DeskAction::Refuse | DeskAction::Cancel) && note.trim().is_empty() {
        return Err(Invalid::one("note", "请在备注中填写原因").into());
    }
    if action == DeskAction::Cancel && now >= b.starts_at {
        return Err(Invalid::one("state", "预约时段已开始，不能取消；未到场请登记未到场").into());
    }
    if action == DeskAction::CheckIn && local_date(now) != b.on_date {
        return Err(Invalid::one("state", format!("只能在预约当天（{}）登记使用", b.on_date)).into());
    }
    if action == DeskAction::NoShow && now < b.starts_at {
        return Err(Invalid::one("state", "预约时段开始后才能登记未到场").into());
    }
    let txn = app.begin().await?;
    // Changed once: of two desks acting at the same time, the second finds it changed.
    let changed = venue_booking::Entity::update_many()
        .col_expr(venue_booking::Column::State, sea_orm::sea_query::Expr::value(to.code()))
        .col_expr(
            venue_booking::Column::Note,
            sea_orm::sea_query::Expr::value(note.trim().chars().take(200).collect::<String>()),
        )
        .col_expr(
            venue_booking::Column::CheckedInAt,
            sea_orm::sea_query::Expr::value((action == DeskAction::CheckIn).then_some(now)),
        )
        .filter(venue_booking::Column::Id.eq(b.id))
        .filter(venue_booking::Column::State.eq(from.code()))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("state", "该预约已被处理，请刷新").into());
    }
    let action_code = if matches!(action, DeskAction::CheckIn | DeskAction::NoShow) {
        AuditAction::BookingUsed
    } else {
        AuditAction::BookingDecided
    };
    let entry = Entry::new(action_code, ObjectKind::Booking)
        .object(b.id)
        .within(&proof)
        .before(json!({ "state": from.code() }))
        .after(json!({ "state": to.code(), "note": note.trim(), "venue": v.id }));
    audit::record(&txn, now, actor, entry).await?;
    // A booking requested on the portal hears of the desk's decision.
    if let (Some(phone), DeskAction::Approve | DeskAction::Refuse | DeskAction::Cancel) = (&b.phone_enc, action) {
        let phone = app.keys.decrypt(phone)?;
        let reason = if note.trim().is_empty() { String::new() } else { format!("，说明：{}", note.trim()) };
        let text = format!(
            "【{}】{}您好，您预约的{}（{} {}）{}{reason}。",
            v.name,
            b.name,
            space.name,
            b.on_date,
            qingtuan_domain::time::format_local_span(b.starts_at, b.ends_at),
            to.label()
        );
        let m = crate::messages::Outgoing {
            kind: qingtuan_domain::message::MessageKind::BookingDecision,
            org: proof.get(),
            phone: &phone,
            text,
            dedupe: format!("booking:{}:{}", b.id, to.code()),
            due: None,
        };
        crate::messages::enqueue(&txn, app, m).await?;
    }
    txn.commit().await?;
    Ok(VenueId(v.id))
}

/// Holds a space's time for an activity, on the activity's transaction: checked like any
/// booking; approved when the actor may write over the org that runs the venue, otherwise
/// requested for that venue's desk. Returns the space's "venue space" name.
pub(crate) async fn book_for_activity(
    conn: &Write,
    app: &App,
    actor: &Actor,
    activity: &qingtuan_entity::activity::Model,
    space_id: i64,
) -> AppResult<String> {
    let clock = |at: chrono::DateTime<chrono::Utc>| format_local_clock(at);
    let slot = Slot {
        space_id: space_id.to_string(),
        on_date: activity.on_date.to_string(),
        starts: clock(activity.starts_at),
        ends: clock(activity.ends_at),
        attendees: activity.capacity.to_string(),
        purpose: activity.title.clone(),
    };
    let mut problems = Vec::new();
    let Some(slot) = check_slot(conn, app, &slot, &mut problems).await? else {
        let problems = problems.into_iter().map(|p| FieldError { field: "space_id", ..p }).collect();
        return Err(Invalid(problems).into());
    };
    if let Some(clash) = overlapping(conn, &slot, None).await? {
        return Err(Invalid::one("space_id", clash).into());
    }
    let state = match scope::checked(conn, actor, WRITE, OrgId(slot.venue.org_id)).await? {
        Some(_) => BookingState::Approved,
        None => BookingState::Requested,
    };
    let booker = Booker {
        kind: BookerKind::Org,
        org_id: Some(activity.org_id),
        partner_id: None,
        name: "活动主办方".into(),
        phone_enc: None,
        token_hash: None,
        activity_id: Some(activity.id),
        phone_hash: None,
    };
    insert_booking(conn, app, &slot, booker, state).await?;
    Ok(format!("{} {}", slot.venue.name, slot.space.name))
}
