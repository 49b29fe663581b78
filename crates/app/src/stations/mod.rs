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

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, StationId, StayId};
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::person::{IdNumber, Phone, age_on};
use qingtuan_domain::station::{StationService, StayState};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{station_followup, station_stay, youth_station};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::crypto::sha256_hex;
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::{parse_date, required_date, required_text};
use crate::page::Page;
use crate::signup::Receipt;
use crate::{Actor, App, AppError, ClientInfo};

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

/// A stay as typed, at the desk or on the portal.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewStay {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub school: String,
    /// `2025-06`: the month of graduation.
    pub graduated: String,
    pub arrives_on: String,
    pub leaves_on: String,
}

/// The month of graduation as typed (`2025-06` or `2025-06-30`): its first day.
fn graduation(raw: &str) -> Result<NaiveDate, FieldError> {
    let bad = || FieldError::new("graduated", "毕业时间应形如 2025-06");
    let mut parts = raw.trim().split('-');
    let (Some(y), Some(m)) = (parts.next(), parts.next()) else { return Err(bad()) };
    let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.parse::<u32>()) else { return Err(bad()) };
    NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)
}

/// The free beds of a station for the nights from `arrives` to `leaves`, counting the stays that
/// hold their bed then (except `except`). Called with the station's row taken.
async fn free_bed(
    conn: &Write,
    station: &youth_station::Model,
    arrives: NaiveDate,
    leaves: NaiveDate,
    except: Option<i64>,
) -> AppResult<Option<i32>> {
    let holding: Vec<&str> = StayState::ALL.iter().filter(|s| s.holds_bed()).map(|s| s.code()).collect();
    let mut q = station_stay::Entity::find()
        .filter(station_stay::Column::StationId.eq(station.id))
        .filter(station_stay::Column::State.is_in(holding))
        .filter(station_stay::Column::ArrivesOn.lt(leaves))
        .filter(station_stay::Column::LeavesOn.gt(arrives));
    if let Some(id) = except {
        q = q.filter(station_stay::Column::Id.ne(id));
    }
    let taken: BTreeSet<i32> = q.all(conn).await?.into_iter().map(|s| s.bed).collect();
    Ok((1..=station.beds).find(|b| !taken.contains(b)))
}

/// Books a stay on the station's transaction: checks the guest against the station's rules and
/// finds a bed free for every night. `earliest`: the first day a stay may start (the portal: today).
async fn book(
    txn: &Write,
    app: &App,
    station: &youth_station::Model,
    form: &NewStay,
    earliest: Option<NaiveDate>,
    token_hash: Option<String>,
) -> AppResult<Result<(i64, String), Invalid>> {
    let mut problems = Vec::new();
    let today = local_date(app.now());
    let name = required_text(&form.name, "name", "姓名", 50).map_err(|e| problems.extend(e.0)).ok();
    let id_number = IdNumber::parse(&form.id_number).map_err(|e| problems.extend(e.0)).ok();
    let phone = Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok();
    let school = required_text(&form.school, "school", "毕业院校", 100).map_err(|e| problems.extend(e.0)).ok();
    let graduated = graduation(&form.graduated).map_err(|e| problems.push(e)).ok();
    let date = |field: &'static str, raw: &str, what: &str, problems: &mut Vec<FieldError>| match parse_date(field, raw)
    {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(FieldError::new(field, format!("请填写{what}")));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let arrives = date("arrives_on", &form.arrives_on, "入住日期", &mut problems);
    let leaves = date("leaves_on", &form.leaves_on, "离站日期", &mut problems);
    if let Some(a) = arrives {
        if earliest.is_some_and(|e| a < e) {
            problems.push(FieldError::new("arrives_on", "入住日期不能早于今天"));
        }
        if a > today + Days::new(90) {
            problems.push(FieldError::new("arrives_on", "最多可预订 90 天以内的床位"));
        }
        if a < station.opened_on || station.closed_on.is_some_and(|c| a >= c) {
            problems.push(FieldError::new("arrives_on", format!("{}在该日期不开放", station.name)));
        }
    }
    let nights = match (arrives, leaves) {
        (Some(a), Some(l)) if l <= a => {
            problems.push(FieldError::new("leaves_on", "离站日期应晚于入住日期"));
            None
        }
        (Some(a), Some(l)) => Some((l - a).num_days() as i32),
        _ => None,
    };
    if let (Some(b), Some(a)) = (id_number.as_ref().and_then(IdNumber::birth_date), arrives) {
        let age = age_on(b, a);
        if age < 18 {
            problems.push(FieldError::new("id_number", format!("{}接待 18 周岁以上的青年", station.name)));
        } else if age > station.max_age {
            problems.push(FieldError::new(
                "id_number",
                format!("{}接待入住时 {} 周岁以下的青年，入住人 {a} 时 {age} 周岁", station.name, station.max_age),
            ));
        }
    }
    if let (Some(g), Some(a)) = (graduated, arrives) {
        let earliest_graduation = a.checked_sub_months(Months::new(12 * station.graduated_within_years as u32));
        let latest_graduation = a.checked_add_months(Months::new(12));
        if earliest_graduation.is_some_and(|e| g < NaiveDate::from_ymd_opt(e.year(), e.month(), 1).unwrap_or(e)) {
            problems.push(FieldError::new(
                "graduated",
                format!("{}接待毕业 {} 年以内的青年", station.name, station.graduated_within_years),
            ));
        }
        if latest_graduation.is_some_and(|l| g > l) {
            problems.push(FieldError::new("graduated", "接待应届毕业生和已毕业的青年"));
        }
    }
    let (
        Some(name),
        Some(id_number),
        Some(phone),
        Some(school),
        Some(graduated),
        Some(arrives),
        Some(leaves),
        Some(nights),
        true,
    ) = (name, id_number, phone, school, graduated, arrives, leaves, nights, problems.is_empty())
    else {
        return Ok(Err(Invalid(problems)));
    };
    // Taken first: bookings at the same time are judged one after the other.
    txn.take::<youth_station::Entity>(
        youth_station::Column::Id,
        Condition::all().add(youth_station::Column::Id.eq(station.id)),
    )
    .await?;
    let id_hash = app.keys.lookup_hash(id_number.as_str());
    let before: i32 = station_stay::Entity::find()
        .filter(station_stay::Column::StationId.eq(station.id))
        .filter(station_stay::Column::IdHash.eq(id_hash.clone()))
        .filter(station_stay::Column::State.is_in(StayState::ALL.iter().filter(|s| s.holds_bed()).map(|s| s.code())))
        .all(txn)
        .await?
        .iter()
        .map(|s| (s.leaves_on - s.arrives_on).num_days() as i32)
        .sum();
    if before + nights > station.max_free_nights {
        let message = format!(
            "{}每人免费入住最多 {} 晚，此人已预订或入住 {before} 晚，本次 {nights} 晚",
            station.name, station.max_free_nights
        );
        return Ok(Err(Invalid::one("leaves_on", message)));
    }
    let Some(bed) = free_bed(txn, station, arrives, leaves, None).await? else {
        return Ok(Err(Invalid::one("arrives_on", format!("{}在 {arrives} 至 {leaves} 已无空床位", station.name))));
    };
    let row = station_stay::ActiveModel {
        station_id: Set(station.id),
        bed: Set(bed),
        name: Set(name.clone()),
        id_number_enc: Set(app.keys.encrypt(id_number.as_str())?),
        id_hash: Set(id_hash),
        phone_enc: Set(app.keys.encrypt(phone.as_str())?),
        birth_date: Set(id_number.birth_date().unwrap_or(arrives)),
        school: Set(school),
        graduated_on: Set(graduated),
        arrives_on: Set(arrives),
        leaves_on: Set(leaves),
        state: Set(StayState::Booked.code().to_owned()),
        checked_in_on: Set(None),
        checked_out_on: Set(None),
        nights: Set(0),
        services: Set(String::new()),
        employed_local: Set(false),
        token_hash: Set(token_hash),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(Ok((row.id, mask_phone(phone.as_str()))))
}

async fn station_of(
    app: &App,
    actor: &Actor,
    permission: Permission,
    id: StationId,
) -> AppResult<(youth_station::Model, InScope<OrgId>)> {
    let found = youth_station::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = OrgId(found.as_ref().map_or(0, |s| s.org_id));
    let proof = scope::require(app, actor, permission, (ObjectKind::Station, id.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, proof))
}

/// Books a stay at the desk (stations.write over the org that runs the station); a stay may be
/// recorded after the fact.
pub async fn book_at_desk(app: &App, actor: &Actor, id: StationId, form: &NewStay) -> AppResult<StayId> {
    let (station, proof) = station_of(app, actor, WRITE, id).await?;
    let txn = app.begin().await?;
    let (stay, _) = match book(&txn, app, &station, form, None, None).await? {
        Ok(made) => made,
        Err(e) => {
            txn.rollback().await?;
            return Err(e.into());
        }
    };
    let entry = Entry::new(AuditAction::StayBooked, ObjectKind::Stay)
        .object(stay)
        .within(&proof)
        .after(json!({ "station": station.id, "arrives_on": form.arrives_on, "leaves_on": form.leaves_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(StayId(stay))
}

/// Books a stay on the portal (no account), from today on; rate-limited like every portal form.
pub async fn book_on_portal(app: &App, client: &ClientInfo, id: StationId, form: &NewStay) -> AppResult<Receipt> {
    let station = open_stations(app).await?.into_iter().find(|s| s.id == id.0).ok_or(AppError::NotFound)?;
    let now = app.now();
    let receipt = Receipt::new();
    let txn = app.begin().await?;
    let phone_hash = Phone::parse(&form.phone).map(|p| app.keys.lookup_hash(p.as_str())).unwrap_or_default();
    let anonymous = Actor::anonymous(client, &mask_phone(form.phone.trim()));
    if !crate::portal::within_limits(&txn, now, &anonymous, &phone_hash).await? {
        txn.commit().await?;
        return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
    }
    let (stay, masked) =
        match book(&txn, app, &station, form, Some(local_date(now)), Some(sha256_hex(&receipt.token))).await? {
            Ok(made) => made,
            Err(e) => {
                // The counters stay: refused attempts count too.
                txn.commit().await?;
                return Err(e.into());
            }
        };
    let entry = Entry::new(AuditAction::StayBooked, ObjectKind::Stay).object(stay).scope(OrgId(station.org_id)).after(
        json!({ "station": station.id, "phone": masked, "arrives_on": form.arrives_on, "leaves_on": form.leaves_on }),
    );
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(receipt)
}

/// The stations open today, for the portal.
pub async fn open_stations(app: &App) -> AppResult<Vec<youth_station::Model>> {
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

/// What the desk does with a stay.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskStep {
    /// `check_in`, `check_out`, `cancel`, `no_show` or `follow_up`.
    pub action: String,
    pub on_date: String,
    /// Check-out: the services received, each ticked `yes`.
    pub job_info: String,
    pub career_guidance: String,
    pub counselling: String,
    /// Follow-up: `yes` when employed.
    pub employed: String,
    pub employer: String,
    /// Follow-up: `yes` when the job is in the district.
    pub in_district: String,
    pub started_on: String,
}

impl DeskStep {
    fn received(&self, service: StationService) -> bool {
        let ticked = match service {
            StationService::JobInfo => &self.job_info,
            StationService::CareerGuidance => &self.career_guidance,
            StationService::Counselling => &self.counselling,
        };
        ticked == "yes"
    }
}

/// The station a stay is at, to show its page again (stations.read over the org that runs it).
pub async fn station_of_stay(app: &App, actor: &Actor, id: StayId) -> AppResult<StationId> {
    let stay = station_stay::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    station_of(app, actor, READ, StationId(stay.station_id)).await.map(|(s, _)| StationId(s.id))
}

/// Takes a desk step on a stay (stations.write over the org that runs its station). Returns the
/// station.
pub async fn act(app: &App, actor: &Actor, id: StayId, step: &DeskStep) -> AppResult<StationId> {
    let stay = station_stay::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (station, proof) = station_of(app, actor, WRITE, StationId(stay.station_id)).await?;
    let state = StayState::parse(&stay.state)?;
    let today = local_date(app.now());
    let on = required_date("on_date", &step.on_date, "日期", today).map_err(|e| Invalid(vec![e]))?;
    let (from, to) = match step.action.as_str() {
        "check_in" => (StayState::Booked, StayState::CheckedIn),
        "check_out" => (StayState::CheckedIn, StayState::CheckedOut),
        "cancel" => (StayState::Booked, StayState::Cancelled),
        "no_show" => (StayState::Booked, StayState::NoShow),
        "follow_up" => (StayState::CheckedOut, StayState::CheckedOut),
        _ => return Err(Invalid::one("action", "未知的操作").into()),
    };
    if state != from {
        return Err(Invalid::one("state", format!("该入住当前为“{}”，不能进行此操作", state.label())).into());
    }
    let mut update = station_stay::Entity::update_many()
        .col_expr(station_stay::Column::State, Expr::value(to.code()))
        .filter(station_stay::Column::Id.eq(stay.id))
        .filter(station_stay::Column::State.eq(from.code()));
    let mut after = json!({ "state": to.code(), "on_date": on });
    let txn = app.begin().await?;
    match step.action.as_str() {
        "check_in" => {
            if on < stay.arrives_on || on >= stay.leaves_on {
                txn.rollback().await?;
                let message = format!("入住日期应在预订的 {} 至 {} 之间", stay.arrives_on, stay.leaves_on);
                return Err(Invalid::one("on_date", message).into());
            }
            update = update.col_expr(station_stay::Column::CheckedInOn, Expr::value(on));
        }
        "check_out" => {
            let checked_in = stay.checked_in_on.unwrap_or(stay.arrives_on);
            if on <= checked_in {
                txn.rollback().await?;
                return Err(Invalid::one("on_date", format!("离站日期应晚于入住日期 {checked_in}")).into());
            }
            // Staying on past the booking needs the station open, the bed free for the extra nights
            // and the guest's free nights not used up.
            if on > stay.leaves_on {
                if station.closed_on.is_some_and(|c| on > c) {
                    txn.rollback().await?;
                    return Err(Invalid::one("on_date", format!("{}已停用，不能延住到 {on}", station.name)).into());
                }
                let others: i64 = station_stay::Entity::find()
                    .filter(station_stay::Column::StationId.eq(station.id))
                    .filter(station_stay::Column::IdHash.eq(stay.id_hash.clone()))
                    .filter(station_stay::Column::Id.ne(stay.id))
                    .filter(
                        station_stay::Column::State
                            .is_in(StayState::ALL.iter().filter(|s| s.holds_bed()).map(|s| s.code())),
                    )
                    .all(&txn)
                    .await?
                    .iter()
                    .map(|s| (s.leaves_on - s.arrives_on).num_days())
                    .sum();
                if others + (on - checked_in).num_days() > i64::from(station.max_free_nights) {
                    txn.rollback().await?;
                    let message =
                        format!("{}每人免费入住最多 {} 晚，不能延住到 {on}", station.name, station.max_free_nights);
                    return Err(Invalid::one("on_date", message).into());
                }
                txn.take::<youth_station::Entity>(
                    youth_station::Column::Id,
                    Condition::all().add(youth_station::Column::Id.eq(station.id)),
                )
                .await?;
                let held: Vec<i32> = station_stay::Entity::find()
                    .filter(station_stay::Column::StationId.eq(station.id))
                    .filter(station_stay::Column::Bed.eq(stay.bed))
                    .filter(station_stay::Column::Id.ne(stay.id))
                    .filter(
                        station_stay::Column::State
                            .is_in(StayState::ALL.iter().filter(|s| s.holds_bed()).map(|s| s.code())),
                    )
                    .filter(station_stay::Column::ArrivesOn.lt(on))
                    .filter(station_stay::Column::LeavesOn.gt(stay.leaves_on))
                    .all(&txn)
                    .await?
                    .iter()
                    .map(|s| s.bed)
                    .collect();
                if !held.is_empty() {
                    txn.rollback().await?;
                    return Err(
                        Invalid::one("on_date", format!("{} 号床位已有后续预订，不能延住到 {on}", stay.bed)).into()
                    );
                }
            }
            let services: Vec<&str> =
                StationService::ALL.iter().filter(|s| step.received(**s)).map(|s| s.code()).collect();
            let nights = (on - checked_in).num_days() as i32;
            after["nights"] = json!(nights);
            after["services"] = json!(services);
            update = update
                .col_expr(station_stay::Column::CheckedOutOn, Expr::value(on))
                .col_expr(station_stay::Column::LeavesOn, Expr::value(on))
                .col_expr(station_stay::Column::Nights, Expr::value(nights))
                .col_expr(station_stay::Column::Services, Expr::value(services.join(",")));
        }
        "no_show" if on < stay.arrives_on => {
            txn.rollback().await?;
            return Err(
                Invalid::one("on_date", format!("预订的入住日期 {} 之后才能登记未入住", stay.arrives_on)).into()
            );
        }
        "follow_up" => {
            let checked_out = stay.checked_out_on.unwrap_or(stay.leaves_on);
            if on < checked_out {
                txn.rollback().await?;
                return Err(Invalid::one("on_date", format!("回访日期不能早于离站日期 {checked_out}")).into());
            }
            let employed = step.employed == "yes";
            let in_district = employed && step.in_district == "yes";
            let started_on = match parse_date("started_on", &step.started_on) {
                Ok(d) => d,
                Err(e) => {
                    txn.rollback().await?;
                    return Err(Invalid(vec![e]).into());
                }
            };
            if employed && (started_on.is_none() || step.employer.trim().is_empty()) {
                txn.rollback().await?;
                return Err(Invalid::one("employer", "已就业的请填写就业单位和入职日期").into());
            }
            if started_on.is_some_and(|d| d > on) {
                txn.rollback().await?;
                return Err(Invalid::one("started_on", "入职日期不能晚于回访日期").into());
            }
            // A job held before the stay is not its outcome.
            if employed && started_on.is_some_and(|d| d < stay.arrives_on) {
                txn.rollback().await?;
                let message = format!("入职日期早于入住日期 {}：入住前已有的工作不计为驿站就业", stay.arrives_on);
                return Err(Invalid::one("started_on", message).into());
            }
            station_followup::ActiveModel {
                stay_id: Set(stay.id),
                on_date: Set(on),
                employed: Set(employed),
                employer: Set(step.employer.trim().chars().take(100).collect()),
                in_district: Set(in_district),
                started_on: Set(started_on.filter(|_| employed)),
                created_at: Set(app.now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let window = checked_out + Days::new(station.employment_window_days as u64);
            let local = in_district && started_on.is_some_and(|d| d <= window);
            after["employed"] = json!(employed);
            after["in_district"] = json!(in_district);
            after["started_on"] = json!(started_on);
            if local {
                update = update.col_expr(station_stay::Column::EmployedLocal, Expr::value(true));
            }
        }
        _ => {}
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("state", "该入住已被处理，请刷新").into());
    }
    let action = if step.action == "follow_up" { AuditAction::StayFollowedUp } else { AuditAction::StayChanged };
    let entry = Entry::new(action, ObjectKind::Stay)
        .object(stay.id)
        .within(&proof)
        .before(json!({ "state": from.code() }))
        .after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(StationId(station.id))
}

/// A stay as its private link shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MyStay {
    pub station: String,
    pub address: String,
    pub name: String,
    pub arrives_on: NaiveDate,
    pub leaves_on: NaiveDate,
    pub bed: i32,
    pub state: String,
    pub cancellable: bool,
}

async fn by_token(app: &App, token: &str) -> AppResult<station_stay::Model> {
    station_stay::Entity::find()
        .filter(station_stay::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The stay behind a private link.
pub async fn mine(app: &App, token: &str) -> AppResult<MyStay> {
    let s = by_token(app, token).await?;
    let station = youth_station::Entity::find_by_id(s.station_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let state = StayState::parse(&s.state)?;
    Ok(MyStay {
        station: station.name,
        address: station.address,
        name: s.name,
        arrives_on: s.arrives_on,
        leaves_on: s.leaves_on,
        bed: s.bed,
        state: state.label().to_owned(),
        cancellable: state == StayState::Booked && local_date(app.now()) < s.arrives_on,
    })
}

/// Cancels through the private link, before the day of arrival: the bed is free again.
pub async fn cancel(app: &App, client: &ClientInfo, token: &str) -> AppResult<()> {
    let s = by_token(app, token).await?;
    if local_date(app.now()) >= s.arrives_on {
        return Err(Invalid::one("state", "入住当天及以后不能在线取消，请联系驿站").into());
    }
    let station = youth_station::Entity::find_by_id(s.station_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let anonymous = Actor::anonymous(client, &mask_phone(&app.keys.decrypt(&s.phone_enc)?));
    let txn = app.begin().await?;
    let changed = station_stay::Entity::update_many()
        .col_expr(station_stay::Column::State, Expr::value(StayState::Cancelled.code()))
        .filter(station_stay::Column::Id.eq(s.id))
        .filter(station_stay::Column::State.eq(StayState::Booked.code()))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(());
    }
    let entry = Entry::new(AuditAction::StayChanged, ObjectKind::Stay)
        .object(s.id)
        .scope(OrgId(station.org_id))
        .after(json!({ "state": StayState::Cancelled.code() }));
    audit::record(&txn, app.now(), &anonymous, entry).await?;
    txn.commit().await?;
    Ok(())
}
