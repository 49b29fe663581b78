//! Youth stations (青年驿站, B4): free short stays for young job-seekers new to the district. A
//! station has beds and rules — an age limit on arrival, graduated within so many years, at most so
//! many free nights in all. Stays are booked at the desk or on the portal (a private link shows and
//! cancels them); each holds one bed for its nights — the station's row is taken first, so two
//! bookings at once never get the same bed. The desk checks guests in and out, recording the
//! services they received; follow-ups after check-out record the job found, and a stay counts as
//! "employed in the district" when one says the guest started work in the district within the
//! station's window after leaving.
//!
//! Who may do what: `stations.write` over the org that runs the station registers it and keeps its
//! desk; `stations.read` sees its stays (the guest's ID number masked); the public books.

mod desk;
mod stays;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, StationId, StayId};
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::station::{StationService, StayState};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{station_stay, youth_station};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::{required_date, required_text};
use crate::page::Page;
use crate::{Actor, App};
use stays::station_of;

pub use desk::{DeskStep, act, station_of_stay};
pub use stays::{MyStay, NewStay, book_at_desk, book_on_portal, cancel, mine};

pub const READ: Permission = Permission::new(Module::Stations, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Stations, Action::Write);

/// A station as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewStation {
    pub org_code: String,
    pub name: String,
    pub address: String,
    pub beds: String,
    pub max_age: String,
    pub graduated_within_years: String,
    pub max_free_nights: String,
    pub employment_window_days: String,
    pub opened_on: String,
}

fn whole(raw: &str, field: &'static str, range: std::ops::RangeInclusive<i32>, what: &str) -> Result<i32, FieldError> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| FieldError::new(field, format!("{what}应为 {} 到 {} 的整数", range.start(), range.end())))
}

/// Registers a station (stations.write over the org that runs it).
pub async fn create(app: &App, actor: &Actor, form: &NewStation) -> AppResult<StationId> {
    let proof = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let mut problems = Vec::new();
    let mut num =
        |raw: &str, field, range, what: &str| whole(raw, field, range, what).map_err(|e| problems.push(e)).ok();
    let beds = num(&form.beds, "beds", 1..=1000, "床位数");
    let max_age = num(&form.max_age, "max_age", 18..=45, "年龄上限");
    let years = num(&form.graduated_within_years, "graduated_within_years", 0..=10, "毕业年限");
    let nights = num(&form.max_free_nights, "max_free_nights", 1..=60, "免费入住天数");
    let window = num(&form.employment_window_days, "employment_window_days", 1..=365, "就业回访期限");
    let name = required_text(&form.name, "name", "驿站名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let address = required_text(&form.address, "address", "地址", 200).map_err(|e| problems.extend(e.0)).ok();
    let opened_on = required_date("opened_on", &form.opened_on, "启用日期", local_date(app.now()))
        .map_err(|e| problems.push(e))
        .ok();
    let (
        Some(beds),
        Some(max_age),
        Some(years),
        Some(nights),
        Some(window),
        Some(name),
        Some(address),
        Some(opened_on),
        true,
    ) = (beds, max_age, years, nights, window, name, address, opened_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    let row = youth_station::ActiveModel {
        org_id: Set(proof.get().0),
        name: Set(name.clone()),
        address: Set(address),
        beds: Set(beds),
        max_age: Set(max_age),
        graduated_within_years: Set(years),
        max_free_nights: Set(nights),
        employment_window_days: Set(window),
        opened_on: Set(opened_on),
        closed_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry =
        Entry::new(AuditAction::StationCreated, ObjectKind::Station).object(row.id).within(&proof).after(json!({
            "name": name, "beds": beds, "max_age": max_age, "graduated_within_years": years,
            "max_free_nights": nights, "employment_window_days": window, "opened_on": opened_on,
        }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(StationId(row.id))
}

/// The stations open today, for the portal.
pub(super) async fn open_stations(app: &App) -> AppResult<Vec<youth_station::Model>> {
    let today = local_date(app.now());
    Ok(youth_station::Entity::find()
        .filter(youth_station::Column::OpenedOn.lte(today))
        .filter(
            Condition::any()
                .add(youth_station::Column::ClosedOn.is_null())
                .add(youth_station::Column::ClosedOn.gt(today)),
        )
        .order_by_asc(youth_station::Column::Id)
        .all(&app.db)
        .await?)
}

/// A station as lists and the portal show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StationRow {
    pub id: StationId,
    pub name: String,
    pub org_name: String,
    pub address: String,
    pub beds: i32,
    /// "35 周岁以下、毕业 2 年以内，免费入住最多 7 晚".
    pub rules: String,
    pub opened_on: NaiveDate,
}

fn rules(s: &youth_station::Model) -> String {
    format!(
        "{} 周岁以下、毕业 {} 年以内的青年，免费入住最多 {} 晚",
        s.max_age, s.graduated_within_years, s.max_free_nights
    )
}

async fn station_rows(app: &App, found: Vec<youth_station::Model>) -> AppResult<Vec<StationRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|s| s.org_id).collect()).await?;
    Ok(found
        .into_iter()
        .map(|s| StationRow {
            id: StationId(s.id),
            rules: rules(&s),
            org_name: names.get(&s.org_id).cloned().unwrap_or_default(),
            name: s.name,
            address: s.address,
            beds: s.beds,
            opened_on: s.opened_on,
        })
        .collect())
}

/// The stations run by orgs of the actor's scope.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<StationRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let found = youth_station::Entity::find()
        .filter(scope::org_condition(actor, READ, youth_station::Column::OrgId))
        .order_by_asc(youth_station::Column::Id)
        .all(&app.db)
        .await?;
    station_rows(app, found).await
}

/// The open stations as the portal shows them.
pub async fn public_list(app: &App) -> AppResult<Vec<StationRow>> {
    station_rows(app, open_stations(app).await?).await
}

/// A stay as the desk sees it (the guest's ID number masked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StayRow {
    pub id: StayId,
    pub bed: i32,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub school: String,
    pub graduated: String,
    pub arrives_on: NaiveDate,
    pub leaves_on: NaiveDate,
    pub state: StayState,
    pub checked_in_on: Option<NaiveDate>,
    pub checked_out_on: Option<NaiveDate>,
    pub nights: i32,
    pub services: String,
    pub employed_local: bool,
}

/// A station's page: its facts and its stays (latest first, paged).
#[derive(Debug, Clone)]
pub struct StationView {
    pub row: StationRow,
    pub stays: Page<StayRow>,
    pub can_write: bool,
}

/// A station with its stays (stations.read over the org that runs it).
pub async fn show(app: &App, actor: &Actor, id: StationId, page_no: Option<u64>) -> AppResult<StationView> {
    let (station, _) = station_of(app, actor, READ, id).await?;
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(station.org_id)).await?.is_some();
    let mut found = crate::page::fetch(
        &app.db,
        station_stay::Entity::find()
            .filter(station_stay::Column::StationId.eq(station.id))
            .order_by_desc(station_stay::Column::ArrivesOn)
            .order_by_desc(station_stay::Column::Id),
        page_no,
    )
    .await?;
    let mut rows = Vec::with_capacity(found.items.len());
    for s in std::mem::take(&mut found.items) {
        rows.push(StayRow {
            id: StayId(s.id),
            bed: s.bed,
            id_number: mask_id_number(&app.keys.decrypt(&s.id_number_enc)?),
            phone: mask_phone(&app.keys.decrypt(&s.phone_enc)?),
            graduated: s.graduated_on.format("%Y-%m").to_string(),
            state: StayState::parse(&s.state)?,
            services: s
                .services
                .split(',')
                .filter_map(|c| StationService::parse(c).ok())
                .map(|x| x.label())
                .collect::<Vec<_>>()
                .join("、"),
            name: s.name,
            school: s.school,
            arrives_on: s.arrives_on,
            leaves_on: s.leaves_on,
            checked_in_on: s.checked_in_on,
            checked_out_on: s.checked_out_on,
            nights: s.nights,
            employed_local: s.employed_local,
        });
    }
    let row = station_rows(app, vec![station]).await?.remove(0);
    Ok(StationView { row, stays: found.with(rows), can_write })
}
