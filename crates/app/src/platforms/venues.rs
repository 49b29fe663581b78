//! Venues (阵地, P1 P2 P5): the Youth Home network with its flagship, the youth talent
//! entrepreneurship centre, service points such as the government-services e-hall — each run by an
//! org, with its honours and its operating team (cadres, social workers, volunteers from the people
//! registry). A venue's spaces (shared workstations, the live-stream room, meeting rooms) have a
//! capacity and opening hours and are booked by orgs, partners or young people (the portal's side
//! is `portal::bookings`): a booking holds its time while requested, approved or used, so two
//! bookings of one space never overlap (one may start when another ends); the desk approves or
//! refuses, checks the booker in on use, or records a no-show. A week's calendar per venue shows
//! every space's bookings without any script.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Timelike};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{BookingId, OrgId, SpaceId, VenueId};
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::platform::{BookerKind, BookingState, OpeningHours, VenueKind};
use qingtuan_domain::time::{format_local_clock, local_date, local_instant};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, partner, venue, venue_booking, venue_space, venue_team_member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use super::{EXPORT, READ, WRITE, check_org, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::{required_date, required_text};
use crate::page::Page;
use crate::{Actor, App, AppError};

/// A venue as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewVenue {
    /// The org that runs it.
    pub org_code: String,
    pub name: String,
    pub kind: String,
    /// `是` or `true`: the network's flagship.
    pub flagship: String,
    pub region_code: String,
    pub address: String,
    pub hours: String,
    pub honours: String,
    pub opened_on: String,
}

/// The columns of the venues spreadsheet, as users see them.
pub const VENUE_COLUMNS: [(&str, &str); 9] = [
    ("org_code", "运营组织代码"),
    ("name", "阵地名称"),
    ("kind", "类型"),
    ("flagship", "旗舰店"),
    ("region_code", "所在区域代码"),
    ("address", "地址"),
    ("hours", "开放时间"),
    ("honours", "荣誉"),
    ("opened_on", "启用日期"),
];

/// Registers a venue (platforms.write over the org that runs it).
pub async fn create(app: &App, actor: &Actor, form: &NewVenue) -> AppResult<VenueId> {
    check_org(app, actor, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewVenue) -> AppResult<VenueId> {
    let mut problems: Vec<FieldError> = Vec::new();
    let runner = org_for_write(conn, actor, &form.org_code, "运营组织").await?.map_err(|e| problems.push(e)).ok();
    let name = required_text(&form.name, "name", "阵地名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let kind = VenueKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let flagship = matches!(form.flagship.trim(), "是" | "true" | "on" | "1");
    let region = match form.region_code.trim() {
        "" => None,
        code => {
            let found = crate::registry::regions::find_named(conn, code).await?;
            if found.is_none() {
                problems.push(FieldError::new("region_code", format!("区域“{code}”不存在")));
            }
            found
        }
    };
    let address = required_text(&form.address, "address", "地址", 200).map_err(|e| problems.extend(e.0)).ok();
    for (raw, field, what, max) in [(&form.hours, "hours", "开放时间", 100), (&form.honours, "honours", "荣誉", 200)]
    {
        if raw.trim().chars().count() > max {
            problems.push(FieldError::new(field, format!("{what}不超过 {max} 个字")));
        }
    }
    let opened_on = required_date("opened_on", &form.opened_on, "启用日期", local_date(app.now()))
        .map_err(|e| problems.push(e))
        .ok();
    let (Some((runner, proof)), Some(name), Some(kind), Some(address), Some(opened_on), true) =
        (runner, name, kind, address, opened_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let row = venue::ActiveModel {
        org_id: Set(runner.id),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        flagship: Set(flagship),
        region_id: Set(region.map(|r| r.id)),
        address: Set(address),
        hours: Set(form.hours.trim().to_owned()),
        honours: Set(form.honours.trim().to_owned()),
        opened_on: Set(opened_on),
        closed_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let entry = Entry::new(AuditAction::VenueCreated, ObjectKind::Venue).object(row.id).within(&proof).after(json!({
        "org": runner.code, "name": name, "kind": kind.code(), "flagship": flagship, "opened_on": opened_on,
    }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(VenueId(row.id))
}

impl crate::batch::Importable for NewVenue {
    const COLUMNS: &'static [(&'static str, &'static str)] = &VENUE_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "kind", "address", "opened_on"];
    const EXAMPLE: &'static [&'static str] = &[
        "CY",
        "城阳区青年之家旗舰店",
        "青年之家",
        "是",
        "CY01",
        "城阳区正阳路 1 号",
        "周二至周日 9:00–21:00",
        "全国五四红旗团支部",
        "2021-05-04",
    ];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "kind" => Some(VenueKind::ALL.iter().map(|k| k.label()).collect()),
            "flagship" => Some(vec!["是", "否"]),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            kind: cell("kind"),
            flagship: cell("flagship"),
            region_code: cell("region_code"),
            address: cell("address"),
            hours: cell("hours"),
            honours: cell("honours"),
            opened_on: cell("opened_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &VENUE_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// A space as typed on the venue's page.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewSpace {
    pub name: String,
    pub capacity: String,
    /// `09:00`.
    pub opens: String,
    pub closes: String,
    /// Digits 1–7, e.g. `12345`.
    pub weekdays: String,
}

/// A space's fields as checked: name, capacity, opening and closing minutes, the open weekdays.
struct SpaceFields {
    name: String,
    capacity: i32,
    opens: u32,
    closes: u32,
    weekdays: String,
}

fn space_fields(form: &NewSpace) -> Result<SpaceFields, Invalid> {
    let mut problems = Vec::new();
    let name = required_text(&form.name, "name", "空间名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let capacity = match form.capacity.trim().parse::<i32>() {
        Ok(n) if (1..=10_000).contains(&n) => Some(n),
        _ => {
            problems.push(FieldError::new("capacity", "容纳人数应为 1 到 10000 的整数"));
            None
        }
    };
    let opens = clock("opens", &form.opens, "开放时间").map_err(|e| problems.push(e)).ok();
    let closes = clock("closes", &form.closes, "关闭时间").map_err(|e| problems.push(e)).ok();
    if let (Some(o), Some(c)) = (opens, closes)
        && o >= c
    {
        problems.push(FieldError::new("closes", "关闭时间应晚于开放时间"));
    }
    let weekdays = OpeningHours::parse_weekdays(&form.weekdays).map_err(|e| problems.extend(e.0)).ok();
    let (Some(name), Some(capacity), Some(opens), Some(closes), Some(weekdays), true) =
        (name, capacity, opens, closes, weekdays, problems.is_empty())
    else {
        return Err(Invalid(problems));
    };
    Ok(SpaceFields { name, capacity, opens, closes, weekdays: weekdays.iter().map(u32::to_string).collect() })
}

impl SpaceFields {
    fn json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "capacity": self.capacity, "opens": self.opens, "closes": self.closes,
            "weekdays": self.weekdays,
        })
    }
}

/// Adds a bookable space to a venue (platforms.write over the org that runs it).
pub async fn add_space(app: &App, actor: &Actor, id: VenueId, form: &NewSpace) -> AppResult<SpaceId> {
    let (v, proof) = run_by(app, actor, id, WRITE).await?;
    let f = space_fields(form)?;
    let txn = app.begin().await?;
    let row = venue_space::ActiveModel {
        venue_id: Set(v.id),
        name: Set(f.name.clone()),
        capacity: Set(f.capacity),
        opens_min: Set(f.opens as i32),
        closes_min: Set(f.closes as i32),
        weekdays: Set(f.weekdays.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut after = f.json();
    after["space"] = json!(row.id);
    let entry = Entry::new(AuditAction::VenueSpaceAdded, ObjectKind::Venue).object(v.id).within(&proof).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(SpaceId(row.id))
}

/// Changes a space's name, capacity or hours (platforms.write over the org that runs its venue).
/// New bookings are checked against them; bookings already made keep their times.
pub async fn change_space(app: &App, actor: &Actor, id: SpaceId, form: &NewSpace) -> AppResult<VenueId> {
    let s = venue_space::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (v, proof) = run_by(app, actor, VenueId(s.venue_id), WRITE).await?;
    let f = space_fields(form)?;
    let before = json!({
        "name": s.name, "capacity": s.capacity, "opens": s.opens_min, "closes": s.closes_min, "weekdays": s.weekdays,
    });
    let txn = app.begin().await?;
    let mut row: venue_space::ActiveModel = s.into();
    row.name = Set(f.name.clone());
    row.capacity = Set(f.capacity);
    row.opens_min = Set(f.opens as i32);
    row.closes_min = Set(f.closes as i32);
    row.weekdays = Set(f.weekdays.clone());
    row.update(&txn).await?;
    let entry = Entry::new(AuditAction::VenueSpaceChanged, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .before(before)
        .after(f.json());
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(VenueId(v.id))
}

/// A time of day as typed (`9:00`, `09:00`), in minutes after midnight.
fn clock(field: &'static str, raw: &str, what: &str) -> Result<u32, FieldError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.hour() * 60 + t.minute())
        .map_err(|_| FieldError::new(field, format!("{what}应形如 09:00")))
}

/// A member of the operating team as typed: a registered person, found by ID number.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewTeamMember {
    pub id_number: String,
    /// As registered: the number alone finds no one.
    pub name: String,
    /// `cadre`, `social_worker` or `volunteer`.
    pub role: String,
    pub since: String,
}

const ROLES: [(&str, &str); 3] = [("cadre", "团干部"), ("social_worker", "社工"), ("volunteer", "志愿者")];

/// The roles of an operating team: code and label.
pub fn team_roles() -> &'static [(&'static str, &'static str)] {
    &ROLES
}

/// Adds a person to a venue's operating team (platforms.write over the org that runs it).
pub async fn add_team_member(app: &App, actor: &Actor, id: VenueId, form: &NewTeamMember) -> AppResult<()> {
    let (v, proof) = run_by(app, actor, id, WRITE).await?;
    let mut problems = Vec::new();
    let role = ROLES.iter().find(|(code, label)| *code == form.role.trim() || *label == form.role.trim());
    if role.is_none() {
        problems.push(FieldError::new("role", "角色应为团干部、社工或志愿者"));
    }
    let since =
        required_date("since", &form.since, "加入日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let person = match IdNumber::parse(&form.id_number) {
        Err(e) => {
            problems.extend(e.0.into_iter().map(|f| FieldError { field: "id_number", ..f }));
            None
        }
        Ok(n) => {
            let found = crate::registry::people::registered_as(app, &n, &form.name).await?;
            if found.is_none() {
                problems.push(FieldError::new("id_number", crate::registry::people::NOT_REGISTERED));
            }
            found
        }
    };
    let (Some((role, _)), Some(since), Some(person), true) = (role, since, person, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    venue_team_member::ActiveModel {
        venue_id: Set(v.id),
        person_id: Set(person),
        role: Set((*role).to_owned()),
        since: Set(since),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "id_number", &format!("此人已在{}的运营团队中", v.name)))?;
    let entry = Entry::new(AuditAction::VenueTeamAdded, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .after(json!({ "person": person, "role": role, "since": since }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Records the day a member left the operating team (platforms.write over the org that runs the
/// venue): the team keeps them as they were, no longer serving.
pub async fn end_team_member(app: &App, actor: &Actor, member: i64, until: &str) -> AppResult<VenueId> {
    let m = venue_team_member::Entity::find_by_id(member).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (v, proof) = run_by(app, actor, VenueId(m.venue_id), WRITE).await?;
    if m.until.is_some() {
        return Err(Invalid::one("until", "此人已离开运营团队").into());
    }
    let until = required_date("until", until, "离开日期", local_date(app.now())).map_err(|e| Invalid(vec![e]))?;
    if until <= m.since {
        return Err(Invalid::one("until", format!("离开日期应晚于加入日期（{}）", m.since)).into());
    }
    let txn = app.begin().await?;
    let (person, since) = (m.person_id, m.since);
    let mut row: venue_team_member::ActiveModel = m.into();
    row.until = Set(Some(until));
    row.update(&txn).await?;
    let entry = Entry::new(AuditAction::VenueTeamLeft, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .after(json!({ "person": person, "since": since, "until": until }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(VenueId(v.id))
}

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

/// A venue as the list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueRow {
    pub id: VenueId,
    pub name: String,
    pub kind: String,
    pub flagship: bool,
    pub org_name: String,
    pub region_name: String,
    pub address: String,
    pub hours: String,
    pub honours: String,
    pub spaces: i64,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub q: String,
    pub kind: String,
    pub org: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<venue::Entity>> {
    let mut q = venue::Entity::find().filter(scope::org_condition(actor, permission, venue::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(venue::Column::Name.contains(filter.q.trim()));
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(venue::Column::Kind.eq(VenueKind::parse(&filter.kind)?.code()));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(venue::Column::OrgId.in_subquery(below));
    }
    Ok(q.order_by_desc(venue::Column::Flagship).order_by_asc(venue::Column::Name).order_by_asc(venue::Column::Id))
}

/// The venues run by orgs in the actor's scope, the flagship first, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<VenueRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(app, actor, READ, filter).await?, filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The list as a workbook, audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = query(app, actor, EXPORT, filter).await?.limit(50_000).all(&app.db).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                r.kind,
                if r.flagship { "是" } else { "" }.into(),
                r.org_name,
                r.region_name,
                r.address,
                r.hours,
                r.honours,
                r.spaces.to_string(),
                r.opened_on.to_string(),
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "阵地名称",
        "类型",
        "旗舰店",
        "运营组织",
        "所在区域",
        "地址",
        "开放时间",
        "荣誉",
        "空间数",
        "启用日期",
        "停用日期",
    ];
    let asked = json!({ "list": "venues", "q": filter.q, "kind": filter.kind, "org": filter.org });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Venue, asked), "阵地", &header, rows).await
}

async fn rows(app: &App, found: Vec<venue::Model>) -> AppResult<Vec<VenueRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|v| v.org_id).collect()).await?;
    let regions = crate::registry::regions::names(&app.db, found.iter().filter_map(|v| v.region_id)).await?;
    let mut spaces: HashMap<i64, i64> = HashMap::new();
    for s in venue_space::Entity::find()
        .filter(venue_space::Column::VenueId.is_in(found.iter().map(|v| v.id)))
        .all(&app.db)
        .await?
    {
        *spaces.entry(s.venue_id).or_default() += 1;
    }
    Ok(found
        .into_iter()
        .map(|v| VenueRow {
            id: VenueId(v.id),
            kind: VenueKind::parse(&v.kind).map(|k| k.label().to_owned()).unwrap_or(v.kind.clone()),
            flagship: v.flagship,
            org_name: names.get(&v.org_id).cloned().unwrap_or_default(),
            region_name: v.region_id.and_then(|r| regions.get(&r).cloned()).unwrap_or_default(),
            spaces: spaces.get(&v.id).copied().unwrap_or(0),
            name: v.name,
            address: v.address,
            hours: v.hours,
            honours: v.honours,
            opened_on: v.opened_on,
            closed_on: v.closed_on,
        })
        .collect())
}

/// A space as a venue's page and the portal show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SpaceRow {
    pub id: SpaceId,
    pub name: String,
    pub capacity: i32,
    pub hours: String,
    /// As its form shows it, to change it.
    pub typed: NewSpace,
}

/// A booking as the desk sees it (a young person's phone masked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct BookingRow {
    pub id: BookingId,
    pub space_id: SpaceId,
    pub space: String,
    pub on_date: NaiveDate,
    /// `14:00–16:00`.
    pub time: String,
    pub booker: String,
    pub purpose: String,
    pub attendees: i32,
    pub state: BookingState,
    pub note: String,
}

/// A week of a venue: each day, each space's bookings holding their time (latest states).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Week {
    pub monday: NaiveDate,
    pub days: Vec<NaiveDate>,
    /// Per space (in the order of `spaces`), per day, the bookings of that day.
    pub cells: Vec<Vec<Vec<BookingRow>>>,
}

impl Week {
    pub fn previous(&self) -> NaiveDate {
        self.monday.checked_sub_days(Days::new(7)).unwrap_or(self.monday)
    }
    pub fn next(&self) -> NaiveDate {
        self.monday.checked_add_days(Days::new(7)).unwrap_or(self.monday)
    }
}

/// The week a calendar shows, as asked in the query string (any day of it, `2022-03-07`): a date
/// that does not parse, or lies outside the records' era, shows this week.
pub fn week_of(raw: Option<&str>) -> Option<NaiveDate> {
    crate::forms::parse_date("week", raw.unwrap_or_default()).ok().flatten()
}

/// One of the operating team.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub role: String,
    pub since: NaiveDate,
    /// The day they left.
    pub until: Option<NaiveDate>,
}

/// A venue's page: its facts, team, spaces, a week's calendar and the bookings waiting for the
/// desk.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueView {
    pub row: VenueRow,
    pub team: Vec<TeamRow>,
    pub spaces: Vec<SpaceRow>,
    pub week: Week,
    /// Requested bookings, and approved ones not yet checked in or recorded as no-shows.
    pub waiting: Vec<BookingRow>,
    /// Its photos: (id, file name).
    pub photos: Vec<(i64, String)>,
    pub can_write: bool,
}

/// The Monday of the week `day` falls in.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// A venue with the week of `day` (platforms.read over the org that runs it).
pub async fn show(app: &App, actor: &Actor, id: VenueId, day: Option<NaiveDate>) -> AppResult<VenueView> {
    let (v, _) = run_by(app, actor, id, READ).await?;
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(v.org_id)).await?.is_some();
    let team_rows = venue_team_member::Entity::find()
        .filter(venue_team_member::Column::VenueId.eq(v.id))
        .order_by_asc(venue_team_member::Column::Since)
        .all(&app.db)
        .await?;
    let people = crate::registry::people::names_masked(app, team_rows.iter().map(|t| t.person_id).collect()).await?;
    let team = team_rows
        .into_iter()
        .filter_map(|t| {
            let (name, id_number) = people.get(&t.person_id)?.clone();
            let role = ROLES.iter().find(|(c, _)| *c == t.role).map_or(t.role.clone(), |(_, l)| (*l).to_owned());
            Some(TeamRow { id: t.id, name, id_number, role, since: t.since, until: t.until })
        })
        .collect();
    let (spaces, week) = calendar(app, &v, day, true).await?;
    let space_ids: Vec<i64> = spaces.iter().map(|s| s.id.0).collect();
    let waiting_rows = venue_booking::Entity::find()
        .filter(venue_booking::Column::SpaceId.is_in(space_ids))
        .filter(venue_booking::Column::State.is_in([BookingState::Requested.code(), BookingState::Approved.code()]))
        .order_by_asc(venue_booking::Column::StartsAt)
        .limit(200)
        .all(&app.db)
        .await?;
    let waiting = booking_rows(app, &spaces, waiting_rows, true).await?;
    let photos = super::venue_photos::of(app, v.id).await?;
    let row = rows(app, vec![v]).await?.remove(0);
    Ok(VenueView { row, team, spaces, week, waiting, photos, can_write })
}

/// A venue's spaces and the week of `day` (this week when none), every booking holding its time.
/// `named`: the desk sees who booked; the public sees only that the time is taken.
pub(crate) async fn calendar(
    app: &App,
    v: &venue::Model,
    day: Option<NaiveDate>,
    named: bool,
) -> AppResult<(Vec<SpaceRow>, Week)> {
    let found = venue_space::Entity::find()
        .filter(venue_space::Column::VenueId.eq(v.id))
        .order_by_asc(venue_space::Column::Id)
        .all(&app.db)
        .await?;
    let spaces: Vec<SpaceRow> = found.iter().map(space_row).collect();
    let monday = monday_of(day.unwrap_or_else(|| local_date(app.now())));
    let days: Vec<NaiveDate> = (0..7).map(|k| monday + Days::new(k)).collect();
    let holding: Vec<&str> = BookingState::ALL.iter().filter(|s| s.holds_time()).map(|s| s.code()).collect();
    let bookings = venue_booking::Entity::find()
        .filter(venue_booking::Column::SpaceId.is_in(found.iter().map(|s| s.id)))
        .filter(venue_booking::Column::OnDate.gte(monday))
        .filter(venue_booking::Column::OnDate.lte(days[6]))
        .filter(venue_booking::Column::State.is_in(holding))
        .order_by_asc(venue_booking::Column::StartsAt)
        .all(&app.db)
        .await?;
    let bookings = booking_rows(app, &spaces, bookings, named).await?;
    let cells = spaces
        .iter()
        .map(|s| {
            days.iter()
                .map(|d| bookings.iter().filter(|b| b.space_id == s.id && b.on_date == *d).cloned().collect())
                .collect()
        })
        .collect();
    Ok((spaces, Week { monday, days, cells }))
}

async fn booking_rows(
    app: &App,
    spaces: &[SpaceRow],
    found: Vec<venue_booking::Model>,
    named: bool,
) -> AppResult<Vec<BookingRow>> {
    let orgs: HashMap<i64, String> = org::Entity::find()
        .filter(org::Column::Id.is_in(found.iter().filter_map(|b| b.org_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let partners: HashMap<i64, String> = partner::Entity::find()
        .filter(partner::Column::Id.is_in(found.iter().filter_map(|b| b.partner_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(found
        .into_iter()
        .map(|b| {
            let booker = match (b.org_id.and_then(|o| orgs.get(&o)), b.partner_id.and_then(|p| partners.get(&p))) {
                _ if !named => "已预约".to_owned(),
                (Some(o), _) => format!("{o}（{}）", b.name),
                (_, Some(p)) => format!("{p}（{}）", b.name),
                _ => format!("{}（青年个人）", b.name),
            };
            BookingRow {
                id: BookingId(b.id),
                space_id: SpaceId(b.space_id),
                space: spaces.iter().find(|s| s.id.0 == b.space_id).map(|s| s.name.clone()).unwrap_or_default(),
                on_date: b.on_date,
                time: format!("{}–{}", format_local_clock(b.starts_at), format_local_clock(b.ends_at)),
                booker,
                purpose: if named { b.purpose } else { String::new() },
                attendees: b.attendees,
                state: BookingState::parse(&b.state).unwrap_or(BookingState::Requested),
                note: b.note,
            }
        })
        .collect())
}

async fn run_by(
    app: &App,
    actor: &Actor,
    id: VenueId,
    permission: qingtuan_domain::permission::Permission,
) -> AppResult<(venue::Model, InScope<OrgId>)> {
    let v = venue::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, permission, (ObjectKind::Venue, id.to_string()), OrgId(v.org_id)).await?;
    Ok((v, proof))
}

/// The venues the public may book: open ones with at least one space, each with its spaces.
pub(crate) async fn bookable(app: &App) -> AppResult<Vec<(venue::Model, Vec<SpaceRow>)>> {
    let today = local_date(app.now());
    let venues = venue::Entity::find()
        .filter(venue::Column::OpenedOn.lte(today))
        .filter(Condition::any().add(venue::Column::ClosedOn.is_null()).add(venue::Column::ClosedOn.gt(today)))
        .order_by_desc(venue::Column::Flagship)
        .order_by_asc(venue::Column::Name)
        .limit(500)
        .all(&app.db)
        .await?;
    let spaces = venue_space::Entity::find()
        .filter(venue_space::Column::VenueId.is_in(venues.iter().map(|v| v.id)))
        .order_by_asc(venue_space::Column::Id)
        .all(&app.db)
        .await?;
    Ok(venues
        .into_iter()
        .map(|v| {
            let mine: Vec<SpaceRow> = spaces.iter().filter(|s| s.venue_id == v.id).map(space_row).collect();
            (v, mine)
        })
        .filter(|(_, spaces)| !spaces.is_empty())
        .collect())
}

fn space_row(s: &venue_space::Model) -> SpaceRow {
    let clock = |m: i32| format!("{:02}:{:02}", m / 60, m % 60);
    SpaceRow {
        typed: NewSpace {
            name: s.name.clone(),
            capacity: s.capacity.to_string(),
            opens: clock(s.opens_min),
            closes: clock(s.closes_min),
            weekdays: s.weekdays.clone(),
        },
        id: SpaceId(s.id),
        name: s.name.clone(),
        capacity: s.capacity,
        hours: OpeningHours {
            opens: s.opens_min as u32,
            closes: s.closes_min as u32,
            weekdays: OpeningHours::parse_weekdays(&s.weekdays).unwrap_or_default(),
        }
        .describe(),
    }
}

/// The venue a space is of, to show its page again (platforms.read over the org that runs it).
pub async fn venue_of_space(app: &App, actor: &Actor, id: SpaceId) -> AppResult<VenueId> {
    let s = venue_space::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    run_by(app, actor, VenueId(s.venue_id), READ).await.map(|(v, _)| VenueId(v.id))
}

/// The venue a member of a team serves, to show its page again (platforms.read over its org).
pub async fn venue_of_member(app: &App, actor: &Actor, id: i64) -> AppResult<VenueId> {
    let m = venue_team_member::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    run_by(app, actor, VenueId(m.venue_id), READ).await.map(|(v, _)| VenueId(v.id))
}

/// The venue a booking is of, to show its page again (platforms.read over the org that runs it).
pub async fn venue_of(app: &App, actor: &Actor, id: BookingId) -> AppResult<VenueId> {
    let b = venue_booking::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let space = venue_space::Entity::find_by_id(b.space_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    run_by(app, actor, VenueId(space.venue_id), READ).await.map(|(v, _)| VenueId(v.id))
}

/// The spaces an activity may name: every space of an open venue, "venue · space", by venue.
pub async fn space_choices(app: &App) -> AppResult<Vec<(SpaceId, String)>> {
    Ok(bookable(app)
        .await?
        .into_iter()
        .flat_map(|(v, spaces)| spaces.into_iter().map(move |s| (s.id, format!("{} · {}", v.name, s.name))))
        .collect())
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

/// A closing as checked, before it is confirmed.
#[derive(Debug, Clone)]
pub struct Closing {
    pub id: VenueId,
    pub name: String,
    pub on: NaiveDate,
}

/// Checks a closing (platforms.write over the org that runs the venue) without writing it: the
/// date follows the opening, and no booking still holds a time on or after it.
pub async fn closing(app: &App, actor: &Actor, id: VenueId, on: &str) -> AppResult<Closing> {
    let (v, _) = run_by(app, actor, id, WRITE).await?;
    let on = closing_date(app, &v, on).await?;
    Ok(Closing { id, name: v.name, on })
}

/// Closes a venue on a date: from that day it is no longer counted, and its spaces take no
/// bookings.
pub async fn close(app: &App, actor: &Actor, id: VenueId, on: &str) -> AppResult<()> {
    let (v, proof) = run_by(app, actor, id, WRITE).await?;
    let on = closing_date(app, &v, on).await?;
    let txn = app.begin().await?;
    let changed = venue::Entity::update_many()
        .col_expr(venue::Column::ClosedOn, sea_orm::sea_query::Expr::value(on))
        .filter(venue::Column::Id.eq(v.id))
        .filter(venue::Column::ClosedOn.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("closed_on", format!("{}已经停用", v.name)).into());
    }
    let entry = Entry::new(AuditAction::VenueClosed, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .after(json!({ "name": v.name, "closed_on": on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

async fn closing_date(app: &App, v: &venue::Model, on: &str) -> AppResult<NaiveDate> {
    if let Some(d) = v.closed_on {
        return Err(Invalid::one("closed_on", format!("{}已于 {d} 停用", v.name)).into());
    }
    let on = crate::forms::end_date("closed_on", on, v.opened_on, local_date(app.now()), ("停用", "启用"))?;
    let spaces = venue_space::Entity::find()
        .select_only()
        .column(venue_space::Column::Id)
        .filter(venue_space::Column::VenueId.eq(v.id));
    let holding: Vec<&str> = BookingState::ALL.iter().filter(|s| s.holds_time()).map(|s| s.code()).collect();
    let pending = venue_booking::Entity::find()
        .filter(venue_booking::Column::SpaceId.in_subquery(sea_orm::QueryTrait::into_query(spaces)))
        .filter(venue_booking::Column::State.is_in(holding))
        .filter(venue_booking::Column::State.ne(BookingState::Used.code()))
        .filter(venue_booking::Column::OnDate.gte(on))
        .count(&app.db)
        .await?;
    if pending > 0 {
        return Err(
            Invalid::one("closed_on", format!("{on} 及以后还有 {pending} 个预约，请先取消这些预约再停用")).into()
        );
    }
    Ok(on)
}

/// The venues a project may name: every open one, by name.
pub async fn venue_choices(app: &App) -> AppResult<Vec<(VenueId, String)>> {
    let today = local_date(app.now());
    Ok(venue::Entity::find()
        .filter(Condition::any().add(venue::Column::ClosedOn.is_null()).add(venue::Column::ClosedOn.gt(today)))
        .order_by_asc(venue::Column::Name)
        .limit(500)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|v| (VenueId(v.id), v.name))
        .collect())
}
