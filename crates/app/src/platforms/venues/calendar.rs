//! A venue's week: each space's bookings holding their time, day by day, as the desk (who booked)
//! and the public (only that the time is taken) see them.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use qingtuan_domain::ids::{BookingId, SpaceId};
use qingtuan_domain::platform::BookingState;
use qingtuan_domain::time::{format_local_clock, local_date};
use qingtuan_entity::{org, partner, venue, venue_booking, venue_space};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::SpaceRow;
use super::spaces::space_row;
use crate::App;
use crate::error::AppResult;

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

/// The Monday of the week `day` falls in.
fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
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

pub(super) async fn booking_rows(
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
