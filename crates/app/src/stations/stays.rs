//! Stays: booked at the desk or on the portal, each holding one free bed for its nights (the
//! station's row taken first), checked against the station's rules; the guest's private link shows
//! and cancels one.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, StationId, StayId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::permission::Permission;
use qingtuan_domain::person::{IdNumber, Phone, age_on};
use qingtuan_domain::station::StayState;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{station_stay, youth_station};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{WRITE, open_stations};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::crypto::sha256_hex;
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::{parse_date, required_text};
use crate::signup::Receipt;
use crate::{Actor, App, AppError, ClientInfo};

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

pub(super) async fn station_of(
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
