//! The station's desk: checking guests in and out with the services received, cancelling, no-shows
//! and the follow-ups that decide "employed in the district".

use chrono::Days;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{StationId, StayId};
use qingtuan_domain::station::{StationService, StayState};
use qingtuan_domain::time::local_date;
use qingtuan_entity::{station_followup, station_stay, youth_station};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::stays::station_of;
use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::error::AppResult;
use crate::forms::{parse_date, required_date};
use crate::{Actor, App, AppError};

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
