//! A venue's bookable spaces: name, capacity and opening hours, checked as typed; changed hours
//! apply to bookings made from then on.

use chrono::{NaiveTime, Timelike};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{SpaceId, VenueId};
use qingtuan_domain::platform::OpeningHours;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::venue_space;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use super::{SpaceRow, run_by};
use crate::access::audit::{self, Entry};
use crate::error::AppResult;
use crate::forms::required_text;
use crate::platforms::WRITE;
use crate::{Actor, App, AppError};

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
pub(super) fn clock(field: &'static str, raw: &str, what: &str) -> Result<u32, FieldError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.hour() * 60 + t.minute())
        .map_err(|_| FieldError::new(field, format!("{what}应形如 09:00")))
}

pub(super) fn space_row(s: &venue_space::Model) -> SpaceRow {
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
