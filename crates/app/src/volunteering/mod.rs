//! Volunteer mobilisation: commando teams, recruitment calls with their shifts, turn-outs with the
//! hours credited by the attendance rule, people served, and donations. Organisers act within
//! their scope (`volunteering.write` over the org that calls, forms the team or receives the donation).

pub mod checkin;

use std::collections::HashMap;

use crate::export::Exported;
use crate::forms::required_text;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::money::Fen;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::time::{format_local_clock, local_instant};
use qingtuan_domain::volunteering::{DEFAULT_MIN_SHARE_PERCENT, DonationKind, Task, credited_minutes};
use qingtuan_entity::{donation, hour_adjustment, recruitment_call, shift, team_member, turnout, volunteer_team};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::{Actor, App, AppError};

pub const READ: Permission = Permission::new(Module::Volunteering, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Volunteering, Action::Write);
pub const APPROVE: Permission = Permission::new(Module::Volunteering, Action::Approve);
pub const EXPORT: Permission = Permission::new(Module::Volunteering, Action::Export);

#[derive(Debug, Clone)]
pub struct NewTeam {
    pub org_code: String,
    pub name: String,
    pub formed_on: NaiveDate,
}

pub async fn create_team(app: &App, actor: &Actor, form: &NewTeam) -> AppResult<i64> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let name = required_text(&form.name, "name", "突击队名称", 100)?;
    let txn = app.begin().await?;
    let team = volunteer_team::ActiveModel {
        org_id: Set(org.get().0),
        name: Set(name.clone()),
        leader_person_id: Set(None),
        formed_on: Set(form.formed_on),
        disbanded_on: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::TeamFormed, ObjectKind::Org)
        .within(&org)
        .after(json!({ "team": team.id, "name": name, "formed_on": form.formed_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(team.id)
}

#[derive(Debug, Clone)]
pub struct NewShift {
    pub on_date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub place: String,
    pub places: i32,
}

#[derive(Debug, Clone)]
pub struct NewCall {
    pub org_code: String,
    pub title: String,
    pub task: String,
    pub published_on: NaiveDate,
    /// Sign-ups must give an ID number.
    pub real_name: bool,
    pub shifts: Vec<NewShift>,
}

const MIN_SHARE_SETTING: &str = "volunteering.min_share_percent";

/// The share of a shift (in %) a volunteer must attend for the hours to count: the district's
/// setting, 60 unless changed.
pub async fn min_share_percent<C: sea_orm::ConnectionTrait>(conn: &C) -> AppResult<i64> {
    Ok(qingtuan_entity::app_setting::Entity::find_by_id(MIN_SHARE_SETTING.to_owned())
        .one(conn)
        .await?
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(DEFAULT_MIN_SHARE_PERCENT))
}

/// Changes the attendance rule for turn-outs recorded from now on. Only a user who may approve
/// over the whole tree (the district) may change it; audited.
pub async fn set_min_share_percent(app: &App, actor: &Actor, percent: i64) -> AppResult<()> {
    use qingtuan_entity::app_setting;
    scope::require_everywhere(app, actor, APPROVE, (ObjectKind::Page, Some("settings".into()))).await?;
    if !(1..=100).contains(&percent) {
        return Err(Invalid::one("percent", "出勤比例应在 1% 至 100% 之间").into());
    }
    let before = min_share_percent(&app.db).await?;
    let txn = app.begin().await?;
    app_setting::Entity::delete_by_id(MIN_SHARE_SETTING.to_owned()).exec(&txn).await?;
    app_setting::ActiveModel { key: Set(MIN_SHARE_SETTING.to_owned()), value: Set(percent.to_string()) }
        .insert(&txn)
        .await?;
    let entry = Entry::new(AuditAction::SettingChanged, ObjectKind::Page)
        .object(MIN_SHARE_SETTING)
        .before(json!({ "min_share_percent": before }))
        .after(json!({ "min_share_percent": percent }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Publishes a recruitment call with its shifts; returns the call's id and the shifts' ids.
pub async fn create_call(app: &App, actor: &Actor, form: &NewCall) -> AppResult<(i64, Vec<i64>)> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let title = required_text(&form.title, "title", "招募令标题", 100)?;
    let task = Task::parse(&form.task)?;
    if form.shifts.iter().any(|s| s.end <= s.start || s.places <= 0) {
        return Err(Invalid::one("shifts", "每个班次的结束时间应晚于开始时间，名额应大于 0").into());
    }
    let txn = app.begin().await?;
    let call = recruitment_call::ActiveModel {
        org_id: Set(org.get().0),
        title: Set(title.clone()),
        task: Set(task.code().into()),
        published_on: Set(form.published_on),
        real_name_required: Set(form.real_name),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut ids = Vec::with_capacity(form.shifts.len());
    for s in &form.shifts {
        let row = shift::ActiveModel {
            call_id: Set(call.id),
            on_date: Set(s.on_date),
            starts_at: Set(local_instant(s.on_date, s.start)),
            ends_at: Set(local_instant(s.on_date, s.end)),
            place: Set(s.place.trim().chars().take(200).collect()),
            places: Set(s.places),
            people_served: Set(0),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ids.push(row.id);
    }
    let entry = Entry::new(AuditAction::CallPublished, ObjectKind::Org)
        .within(&org)
        .after(json!({ "call": call.id, "title": title, "task": task.code(), "shifts": ids.len() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok((call.id, ids))
}

/// One volunteer at one shift, with when they checked in and out.
#[derive(Debug, Clone)]
pub struct Attendance {
    pub shift_id: i64,
    pub person_id: i64,
    pub team_id: Option<i64>,
    pub check_in_at: DateTime<Utc>,
    pub check_out_at: DateTime<Utc>,
}

/// Records turn-outs, all or nothing, crediting hours by the attendance rule.
pub async fn record_turnouts(app: &App, actor: &Actor, rows: &[Attendance]) -> AppResult<usize> {
    let shift_ids: Vec<i64> = rows.iter().map(|r| r.shift_id).collect();
    let mut shifts: HashMap<i64, (shift::Model, i64)> = HashMap::new();
    for chunk in shift_ids.chunks(500) {
        use sea_orm::{ColumnTrait, QueryFilter};
        for s in shift::Entity::find().filter(shift::Column::Id.is_in(chunk.to_vec())).all(&app.db).await? {
            let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
            shifts.insert(s.id, (s, call.org_id));
        }
    }
    let mut checked: HashMap<i64, bool> = HashMap::new();
    for (_, org) in shifts.values() {
        if !checked.contains_key(org) {
            scope::require(app, actor, WRITE, (ObjectKind::Org, org.to_string()), OrgId(*org)).await?;
            checked.insert(*org, true);
        }
    }
    let share = min_share_percent(&app.db).await?;
    let txn = app.begin().await?;
    let mut minutes = 0_i64;
    for chunk in rows.chunks(1000) {
        let mut models = Vec::with_capacity(chunk.len());
        for r in chunk {
            let (s, _) = shifts.get(&r.shift_id).ok_or(AppError::NotFound)?;
            let credited = credited_minutes(s.starts_at, s.ends_at, r.check_in_at, r.check_out_at, share);
            minutes += credited;
            models.push(turnout::ActiveModel {
                shift_id: Set(r.shift_id),
                person_id: Set(r.person_id),
                team_id: Set(r.team_id),
                check_in_at: Set(Some(r.check_in_at)),
                check_out_at: Set(Some(r.check_out_at)),
                credited_minutes: Set(i32::try_from(credited).unwrap_or(i32::MAX)),
                ..Default::default()
            });
        }
        turnout::Entity::insert_many(models).exec(&txn).await?;
    }
    let entry = Entry::new(AuditAction::TurnoutsRecorded, ObjectKind::Org)
        .after(json!({ "turnouts": rows.len(), "credited_minutes": minutes }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(rows.len())
}

/// A call's title, for an organiser who may read the calling org.
pub async fn call_title(app: &App, actor: &Actor, call_id: i64) -> AppResult<String> {
    let c = recruitment_call::Entity::find_by_id(call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Org, c.org_id.to_string()), OrgId(c.org_id)).await?;
    Ok(c.title)
}

/// Records how many people a shift served (服务人次).
pub async fn record_people_served(app: &App, actor: &Actor, shift_id: i64, people: i64) -> AppResult<()> {
    if people < 0 {
        return Err(Invalid::one("people_served", "服务人次不能为负数").into());
    }
    let s = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, WRITE, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    let before = s.people_served;
    let txn = app.begin().await?;
    let mut active: shift::ActiveModel = s.into();
    active.people_served = Set(people);
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::PeopleServedRecorded, ObjectKind::Org)
        .object(call.org_id)
        .scope(OrgId(call.org_id))
        .before(json!({ "shift": shift_id, "people_served": before }))
        .after(json!({ "shift": shift_id, "people_served": people }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct NewDonation {
    pub org_code: String,
    /// `None`: the donor wishes to stay anonymous.
    pub donor_name: Option<String>,
    /// `person` or `org`.
    pub donor_kind: String,
    /// `cash` or `goods`.
    pub kind: String,
    pub value: Fen,
    pub purpose: String,
    pub donated_on: NaiveDate,
    pub receipt_no: String,
}

pub async fn record_donation(app: &App, actor: &Actor, form: &NewDonation) -> AppResult<i64> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    if !matches!(form.donor_kind.as_str(), "person" | "org") || DonationKind::parse(&form.kind).is_err() {
        return Err(Invalid::one("kind", "捐赠方应为个人或单位，类型应为捐款或捐物").into());
    }
    if form.value.0 <= 0 {
        return Err(Invalid::one("value", "金额或折价应大于 0").into());
    }
    let txn = app.begin().await?;
    let row = donation::ActiveModel {
        org_id: Set(org.get().0),
        donor_name: Set(form.donor_name.clone().filter(|n| !n.trim().is_empty())),
        donor_kind: Set(form.donor_kind.clone()),
        kind: Set(form.kind.clone()),
        value_fen: Set(form.value.0),
        purpose: Set(form.purpose.trim().chars().take(200).collect()),
        donated_on: Set(form.donated_on),
        receipt_no: Set(form.receipt_no.trim().chars().take(40).collect()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let donor = if form.donor_kind == "person" {
        "（个人，已隐去）".to_owned()
    } else {
        form.donor_name.clone().unwrap_or_else(|| "（匿名）".into())
    };
    let entry = Entry::new(AuditAction::DonationRecorded, ObjectKind::Org)
        .within(&org)
        .after(json!({ "donation": row.id, "donor": donor, "kind": form.kind, "value_fen": form.value.0, "donated_on": form.donated_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(row.id)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ShiftView {
    pub id: i64,
    pub on_date: NaiveDate,
    pub place: String,
    pub places: i32,
    pub turnouts: usize,
    pub people_served: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CallView {
    pub id: i64,
    pub org_name: String,
    pub title: String,
    pub task: String,
    pub published_on: NaiveDate,
    pub shifts: Vec<ShiftView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamView {
    pub id: i64,
    pub name: String,
    pub org_name: String,
    pub formed_on: NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DonationView {
    pub org_name: String,
    /// The donor as shown: individuals are not named on screen.
    pub donor: String,
    pub kind: String,
    pub yuan: String,
    pub purpose: String,
    pub donated_on: NaiveDate,
    pub receipt_no: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Overview {
    pub calls: Vec<CallView>,
    pub teams: Vec<TeamView>,
    pub donations: Vec<DonationView>,
}

/// Calls (with their shifts' turn-outs and people served), teams and donations of the period in
/// the actor's scope, newest first; at most 200 of each.
pub async fn overview(app: &App, actor: &Actor, from: NaiveDate, to: NaiveDate) -> AppResult<Overview> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    scope::require_somewhere(app, actor, READ).await?;
    let calls = recruitment_call::Entity::find()
        .filter(scope::org_condition(actor, READ, recruitment_call::Column::OrgId))
        .filter(recruitment_call::Column::PublishedOn.lte(to))
        .order_by_desc(recruitment_call::Column::PublishedOn)
        .limit(200)
        .all(&app.db)
        .await?;
    let call_ids: Vec<i64> = calls.iter().map(|c| c.id).collect();
    let shifts = shift::Entity::find()
        .filter(shift::Column::CallId.is_in(call_ids))
        .filter(shift::Column::OnDate.gte(from))
        .filter(shift::Column::OnDate.lte(to))
        .order_by_asc(shift::Column::OnDate)
        .all(&app.db)
        .await?;
    let shift_ids: Vec<i64> = shifts.iter().map(|s| s.id).collect();
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for chunk in shift_ids.chunks(500) {
        let per_shift: Vec<(i64, i64)> = turnout::Entity::find()
            .select_only()
            .column(turnout::Column::ShiftId)
            .column_as(turnout::Column::Id.count(), "n")
            .filter(turnout::Column::ShiftId.is_in(chunk.to_vec()))
            .group_by(turnout::Column::ShiftId)
            .into_tuple()
            .all(&app.db)
            .await?;
        for (shift_id, n) in per_shift {
            counts.insert(shift_id, usize::try_from(n).unwrap_or_default());
        }
    }
    let teams = volunteer_team::Entity::find()
        .filter(scope::org_condition(actor, READ, volunteer_team::Column::OrgId))
        .filter(volunteer_team::Column::FormedOn.lte(to))
        .order_by_desc(volunteer_team::Column::FormedOn)
        .limit(200)
        .all(&app.db)
        .await?;
    let donations = donation::Entity::find()
        .filter(scope::org_condition(actor, READ, donation::Column::OrgId))
        .filter(donation::Column::DonatedOn.gte(from))
        .filter(donation::Column::DonatedOn.lte(to))
        .order_by_desc(donation::Column::DonatedOn)
        .limit(200)
        .all(&app.db)
        .await?;
    let org_ids: Vec<i64> = calls
        .iter()
        .map(|c| c.org_id)
        .chain(teams.iter().map(|t| t.org_id))
        .chain(donations.iter().map(|d| d.org_id))
        .collect();
    let names = crate::tree::names(&app.db, org_ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(Overview {
        calls: calls
            .into_iter()
            .map(|c| CallView {
                id: c.id,
                org_name: name(c.org_id),
                task: Task::parse(&c.task).map(Task::label).unwrap_or("").to_owned(),
                published_on: c.published_on,
                shifts: shifts
                    .iter()
                    .filter(|s| s.call_id == c.id)
                    .map(|s| ShiftView {
                        id: s.id,
                        on_date: s.on_date,
                        place: s.place.clone(),
                        places: s.places,
                        turnouts: counts.get(&s.id).copied().unwrap_or(0),
                        people_served: s.people_served,
                    })
                    .collect(),
                title: c.title,
            })
            .filter(|c| !c.shifts.is_empty())
            .collect(),
        teams: teams
            .into_iter()
            .map(|t| TeamView { id: t.id, name: t.name, org_name: name(t.org_id), formed_on: t.formed_on })
            .collect(),
        donations: donations
            .into_iter()
            .map(|d| DonationView {
                org_name: name(d.org_id),
                donor: match (d.donor_kind.as_str(), &d.donor_name) {
                    (_, None) => "匿名".into(),
                    ("person", Some(_)) => "个人（姓名不公开）".into(),
                    (_, Some(n)) => n.clone(),
                },
                kind: DonationKind::parse(&d.kind).map(DonationKind::label).unwrap_or("—").into(),
                yuan: Fen(d.value_fen).yuan_text(),
                purpose: d.purpose,
                donated_on: d.donated_on,
                receipt_no: d.receipt_no,
            })
            .collect(),
    })
}

/// The minutes a turn-out counts for: those credited at check-out plus approved adjustments.
pub(crate) async fn counted_minutes<C: sea_orm::ConnectionTrait>(conn: &C, t: &turnout::Model) -> AppResult<i64> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let adjusted: i64 = hour_adjustment::Entity::find()
        .filter(hour_adjustment::Column::TurnoutId.eq(t.id))
        .filter(hour_adjustment::Column::Status.eq(APPROVED))
        .all(conn)
        .await?
        .iter()
        .map(|a| i64::from(a.minutes))
        .sum();
    Ok(i64::from(t.credited_minutes) + adjusted)
}

const PENDING: &str = "pending";
const APPROVED: &str = "approved";
const REJECTED: &str = "rejected";

async fn turnout_in_scope(app: &App, actor: &Actor, turnout_id: i64) -> AppResult<(turnout::Model, shift::Model, i64)> {
    let t = turnout::Entity::find_by_id(turnout_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let s = shift::Entity::find_by_id(t.shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, WRITE, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    Ok((t, s, call.org_id))
}

fn reason_of(raw: &str) -> Result<String, Invalid> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > 200 {
        return Err(Invalid::one("reason", "请填写原因（不超过 200 个字）"));
    }
    Ok(v.to_owned())
}

/// Asks to add hours to a turn-out by hand; they count once the org above approves.
pub async fn request_hours(app: &App, actor: &Actor, turnout_id: i64, minutes: i64, reason: &str) -> AppResult<i64> {
    let (t, s, org_id) = turnout_in_scope(app, actor, turnout_id).await?;
    let reason = reason_of(reason)?;
    let minutes = i32::try_from(minutes)
        .ok()
        .filter(|m| (1..=24 * 60).contains(m))
        .ok_or_else(|| Invalid::one("minutes", "补录时长应在 1 至 1440 分钟之间"))?;
    let txn = app.begin().await?;
    let row = hour_adjustment::ActiveModel {
        turnout_id: Set(t.id),
        org_id: Set(org_id),
        on_date: Set(s.on_date),
        minutes: Set(minutes),
        reason: Set(reason.clone()),
        status: Set(PENDING.into()),
        requested_by: Set(actor.user_id().map(|u| u.0)),
        requested_at: Set(app.now()),
        decided_by: Set(None),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::HoursRequested, ObjectKind::Org)
        .object(org_id)
        .scope(OrgId(org_id))
        .after(json!({ "adjustment": row.id, "turnout": t.id, "minutes": minutes, "reason": reason }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Revokes hours from a turn-out, with a reason; effective at once, never below zero.
pub async fn revoke_hours(app: &App, actor: &Actor, turnout_id: i64, minutes: i64, reason: &str) -> AppResult<()> {
    let (t, s, org_id) = turnout_in_scope(app, actor, turnout_id).await?;
    let reason = reason_of(reason)?;
    let counted = counted_minutes(&app.db, &t).await?;
    if minutes <= 0 || minutes > counted {
        return Err(Invalid::one(
            "minutes",
            format!("核减时长应在 1 至 {counted} 分钟之间（该次出勤现计 {counted} 分钟）"),
        )
        .into());
    }
    let now = app.now();
    let txn = app.begin().await?;
    let row = hour_adjustment::ActiveModel {
        turnout_id: Set(t.id),
        org_id: Set(org_id),
        on_date: Set(s.on_date),
        minutes: Set(-i32::try_from(minutes).unwrap_or(0)),
        reason: Set(reason.clone()),
        status: Set(APPROVED.into()),
        requested_by: Set(actor.user_id().map(|u| u.0)),
        requested_at: Set(now),
        decided_by: Set(actor.user_id().map(|u| u.0)),
        decided_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::HoursRevoked, ObjectKind::Org)
        .object(org_id)
        .scope(OrgId(org_id))
        .after(json!({ "adjustment": row.id, "turnout": t.id, "minutes": -minutes, "reason": reason }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// The org whose approvers decide on an org's requests: its parent (the district itself for the root).
async fn approving_org(app: &App, org_id: i64) -> AppResult<OrgId> {
    let o = qingtuan_entity::org::Entity::find_by_id(org_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok(OrgId(o.parent_id.unwrap_or(o.id)))
}

/// Approves or rejects added hours. Only a user holding `volunteering.approve` over the org above the one
/// that asked may decide, and never on their own request.
pub async fn decide_hours(app: &App, actor: &Actor, adjustment_id: i64, approve: bool) -> AppResult<()> {
    let a = hour_adjustment::Entity::find_by_id(adjustment_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let above = approving_org(app, a.org_id).await?;
    scope::require(app, actor, APPROVE, (ObjectKind::Org, a.org_id.to_string()), above).await?;
    if a.status != PENDING {
        return Err(Invalid::one("status", "该申请已经处理过").into());
    }
    if a.requested_by.is_some() && a.requested_by == actor.user_id().map(|u| u.0) {
        return Err(Invalid::one("status", "不能审批自己提出的申请").into());
    }
    let now = app.now();
    let txn = app.begin().await?;
    let (org_id, minutes, turnout_id) = (a.org_id, a.minutes, a.turnout_id);
    let mut active: hour_adjustment::ActiveModel = a.into();
    active.status = Set(if approve { APPROVED } else { REJECTED }.into());
    active.decided_by = Set(actor.user_id().map(|u| u.0));
    active.decided_at = Set(Some(now));
    active.update(&txn).await?;
    let action = if approve { AuditAction::HoursApproved } else { AuditAction::HoursRejected };
    let entry = Entry::new(action, ObjectKind::Org)
        .object(org_id)
        .scope(OrgId(org_id))
        .after(json!({ "adjustment": adjustment_id, "turnout": turnout_id, "minutes": minutes }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A request for added hours, as the approver's list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingHours {
    pub id: i64,
    pub org_name: String,
    pub on_date: NaiveDate,
    pub volunteer: String,
    pub minutes: i32,
    pub reason: String,
}

/// Requests waiting for the actor: those of orgs whose parent lies in the actor's approval scope.
pub async fn pending_hours(app: &App, actor: &Actor) -> AppResult<Vec<PendingHours>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    scope::require_somewhere(app, actor, APPROVE).await?;
    let rows = hour_adjustment::Entity::find()
        .filter(hour_adjustment::Column::Status.eq(PENDING))
        .filter(scope::org_condition(actor, APPROVE, hour_adjustment::Column::OrgId))
        .order_by_asc(hour_adjustment::Column::RequestedAt)
        .limit(500)
        .all(&app.db)
        .await?;
    let names = crate::tree::names(&app.db, rows.iter().map(|r| r.org_id).collect()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let above = approving_org(app, r.org_id).await?;
        if !scope::covers(&app.db, actor, APPROVE, above).await? {
            continue;
        }
        let volunteer = match turnout::Entity::find_by_id(r.turnout_id).one(&app.db).await? {
            Some(t) => match qingtuan_entity::person::Entity::find_by_id(t.person_id).one(&app.db).await? {
                Some(p) => {
                    let child = crate::registry::minors::children(
                        app,
                        actor,
                        std::iter::once((p.id, p.birth_on)),
                        Some("hours"),
                    )
                    .await?;
                    if child.get(&p.id) == Some(&false) {
                        crate::registry::minors::masked_name(&p.name)
                    } else {
                        p.name
                    }
                }
                None => String::new(),
            },
            None => String::new(),
        };
        out.push(PendingHours {
            id: r.id,
            org_name: names.get(&r.org_id).cloned().unwrap_or_default(),
            on_date: r.on_date,
            volunteer,
            minutes: r.minutes,
            reason: r.reason,
        });
    }
    Ok(out)
}

/// One sign-up of a shift, as the organisers' list shows it (phone masked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignupRow {
    pub name: String,
    pub phone: String,
    pub guardian: Option<String>,
    pub status: &'static str,
    pub check_in: String,
    pub check_out: String,
    pub turnout_id: Option<i64>,
    pub minutes: i64,
}

/// A shift with its sign-ups, for the organisers of the calling org.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShiftDetail {
    pub id: i64,
    /// The org that called the shift.
    pub org_id: i64,
    pub call_title: String,
    pub org_name: String,
    pub on_date: NaiveDate,
    pub place: String,
    pub places: i32,
    pub people_served: i64,
    pub signups: Vec<SignupRow>,
}

/// A shift's sign-ups with their check-in state; outside the reader's scope the shift is missing.
pub async fn shift_detail(app: &App, actor: &Actor, shift_id: i64) -> AppResult<ShiftDetail> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let s = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    let signups = qingtuan_entity::signup::Entity::find()
        .filter(qingtuan_entity::signup::Column::ShiftId.eq(shift_id))
        .order_by_asc(qingtuan_entity::signup::Column::Id)
        .all(&app.db)
        .await?;
    let turnouts = checkin::turnout_of_signups(&app.db, signups.iter().map(|s| s.id).collect()).await?;
    let mut rows = Vec::with_capacity(signups.len());
    for su in signups {
        let t = turnouts.get(&su.id);
        let minutes = match t {
            Some(t) => counted_minutes(&app.db, t).await?,
            None => 0,
        };
        let status = match (su.cancelled_at, t) {
            (Some(_), _) => "已取消",
            (None, Some(t)) if t.check_out_at.is_some() => "已签退",
            (None, Some(_)) => "已签到",
            (None, None) => "已报名",
        };
        rows.push(SignupRow {
            phone: app.keys.decrypt(&su.phone_enc).map(|p| qingtuan_domain::mask::mask_phone(&p)).unwrap_or_default(),
            name: su.name,
            guardian: su.guardian_name,
            status,
            check_in: t.and_then(|t| t.check_in_at).map(format_local_clock).unwrap_or_default(),
            check_out: t.and_then(|t| t.check_out_at).map(format_local_clock).unwrap_or_default(),
            turnout_id: t.map(|t| t.id),
            minutes,
        });
    }
    Ok(ShiftDetail {
        id: s.id,
        org_id: call.org_id,
        org_name: crate::tree::names(&app.db, vec![call.org_id]).await?.remove(&call.org_id).unwrap_or_default(),
        call_title: call.title,
        on_date: s.on_date,
        place: s.place,
        places: s.places,
        people_served: s.people_served,
        signups: rows,
    })
}

/// The shift's sign-ups as a workbook (phones masked); the export is audited.
pub async fn export_signups(app: &App, actor: &Actor, shift_id: i64) -> AppResult<Vec<u8>> {
    let d = shift_detail(app, actor, shift_id).await?;
    scope::require(app, actor, EXPORT, (ObjectKind::Org, d.org_id.to_string()), OrgId(d.org_id)).await?;
    let rows: Vec<Vec<String>> = d
        .signups
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.phone.clone(),
                r.guardian.clone().unwrap_or_default(),
                r.status.to_owned(),
                r.check_in.clone(),
                r.check_out.clone(),
                format!("{:.1}", r.minutes as f64 / 60.0),
            ]
        })
        .collect();
    let what = Exported::of(ObjectKind::Org, json!({ "signups_of_shift": shift_id })).within(OrgId(d.org_id));
    let header = ["姓名", "手机号码", "监护人", "状态", "签到", "签退", "服务时长（小时）"];
    crate::export::audited(app, actor, what, "报名", &header, rows).await
}

/// A commando team with its members, as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamDetail {
    pub id: i64,
    pub name: String,
    pub org_name: String,
    pub formed_on: NaiveDate,
    pub disbanded_on: Option<NaiveDate>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberView {
    pub person_id: i64,
    pub name: String,
    pub phone: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub leader: bool,
}

async fn team_in_scope(
    app: &App,
    actor: &Actor,
    team_id: i64,
    permission: Permission,
) -> AppResult<volunteer_team::Model> {
    let t = volunteer_team::Entity::find_by_id(team_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, permission, (ObjectKind::Org, t.org_id.to_string()), OrgId(t.org_id)).await?;
    Ok(t)
}

pub async fn team(app: &App, actor: &Actor, team_id: i64) -> AppResult<TeamDetail> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let t = team_in_scope(app, actor, team_id, READ).await?;
    let rows = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .order_by_asc(team_member::Column::Id)
        .all(&app.db)
        .await?;
    let mut people = Vec::with_capacity(rows.len());
    for m in &rows {
        people.push(
            qingtuan_entity::person::Entity::find_by_id(m.person_id).one(&app.db).await?.ok_or(AppError::NotFound)?,
        );
    }
    let children =
        crate::registry::minors::children(app, actor, people.iter().map(|p| (p.id, p.birth_on)), Some("team")).await?;
    let mut members = Vec::with_capacity(rows.len());
    for (m, p) in rows.into_iter().zip(people) {
        let withheld = children.get(&p.id) == Some(&false);
        let phone = match &p.phone_enc {
            Some(_) if withheld => crate::registry::minors::WITHHELD.to_owned(),
            Some(e) => qingtuan_domain::mask::mask_phone(&app.keys.decrypt(e)?),
            None => String::new(),
        };
        members.push(MemberView {
            person_id: p.id,
            name: if withheld { crate::registry::minors::masked_name(&p.name) } else { p.name },
            phone,
            joined_on: m.joined_on,
            left_on: m.left_on,
            leader: t.leader_person_id == Some(m.person_id),
        });
    }
    Ok(TeamDetail {
        id: t.id,
        org_name: crate::tree::names(&app.db, vec![t.org_id]).await?.remove(&t.org_id).unwrap_or_default(),
        name: t.name,
        formed_on: t.formed_on,
        disbanded_on: t.disbanded_on,
        members,
    })
}

/// Adds a registered person — found by name and phone — to a team.
pub async fn add_member(
    app: &App,
    actor: &Actor,
    team_id: i64,
    name: &str,
    phone: &str,
    joined_on: NaiveDate,
) -> AppResult<i64> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = team_in_scope(app, actor, team_id, WRITE).await?;
    let phone = qingtuan_domain::person::Phone::parse(phone)?;
    let person = qingtuan_entity::person::Entity::find()
        .filter(qingtuan_entity::person::Column::Name.eq(name.trim()))
        .filter(qingtuan_entity::person::Column::PhoneHash.eq(app.keys.lookup_hash(phone.as_str())))
        .one(&app.db)
        .await?
        .ok_or_else(|| {
            Invalid::one("name", "人员库中没有该姓名和手机号的人员：请先登记人员，或由本人在门户报名签到")
        })?;
    let already = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::PersonId.eq(person.id))
        .filter(team_member::Column::LeftOn.is_null())
        .one(&app.db)
        .await?;
    if already.is_some() {
        return Err(Invalid::one("name", "此人已在突击队中").into());
    }
    let txn = app.begin().await?;
    team_member::ActiveModel {
        team_id: Set(team_id),
        person_id: Set(person.id),
        joined_on: Set(joined_on),
        left_on: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::TeamChanged, ObjectKind::Org)
        .object(t.org_id)
        .scope(OrgId(t.org_id))
        .after(json!({ "team": team_id, "member_joined": person.id, "joined_on": joined_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(person.id)
}

/// A member leaves, or becomes the leader; or the team disbands.
#[derive(Debug, Clone, Copy)]
pub enum TeamChange {
    Leave { person_id: i64, on: NaiveDate },
    Lead { person_id: i64 },
    Disband { on: NaiveDate },
}

pub async fn change_team(app: &App, actor: &Actor, team_id: i64, change: TeamChange) -> AppResult<()> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = team_in_scope(app, actor, team_id, WRITE).await?;
    let member = |person_id: i64| {
        team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(team_id))
            .filter(team_member::Column::PersonId.eq(person_id))
            .filter(team_member::Column::LeftOn.is_null())
    };
    let txn = app.begin().await?;
    let after = match change {
        TeamChange::Leave { person_id, on } => {
            let m = member(person_id).one(&txn).await?.ok_or(AppError::NotFound)?;
            if on < m.joined_on {
                return Err(Invalid::one("on", "离队日期不能早于入队日期").into());
            }
            let mut active: team_member::ActiveModel = m.into();
            active.left_on = Set(Some(on));
            active.update(&txn).await?;
            json!({ "team": team_id, "member_left": person_id, "left_on": on })
        }
        TeamChange::Lead { person_id } => {
            member(person_id).one(&txn).await?.ok_or_else(|| Invalid::one("leader", "队长应是突击队的现有队员"))?;
            let mut active: volunteer_team::ActiveModel = t.clone().into();
            active.leader_person_id = Set(Some(person_id));
            active.update(&txn).await?;
            json!({ "team": team_id, "leader": person_id })
        }
        TeamChange::Disband { on } => {
            if on < t.formed_on || t.disbanded_on.is_some() {
                return Err(Invalid::one("on", "解散日期不能早于组建日期，已解散的突击队不能再次解散").into());
            }
            let mut active: volunteer_team::ActiveModel = t.clone().into();
            active.disbanded_on = Set(Some(on));
            active.update(&txn).await?;
            json!({ "team": team_id, "disbanded_on": on })
        }
    };
    let entry =
        Entry::new(AuditAction::TeamChanged, ObjectKind::Org).object(t.org_id).scope(OrgId(t.org_id)).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A team takes a shift as a whole: one turn-out for each member on the shift's day, with the
/// team's times.
pub async fn team_takes_shift(
    app: &App,
    actor: &Actor,
    team_id: i64,
    shift_id: i64,
    check_in: NaiveTime,
    check_out: NaiveTime,
) -> AppResult<usize> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = team_in_scope(app, actor, team_id, WRITE).await?;
    let s = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if t.formed_on > s.on_date || t.disbanded_on.is_some_and(|d| d <= s.on_date) {
        return Err(Invalid::one("team", "该突击队在班次当天不存续").into());
    }
    let members: Vec<i64> = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::JoinedOn.lte(s.on_date))
        .all(&app.db)
        .await?
        .into_iter()
        .filter(|m| m.left_on.is_none_or(|l| l > s.on_date))
        .map(|m| m.person_id)
        .collect();
    if members.is_empty() {
        return Err(Invalid::one("team", "该突击队在班次当天没有队员").into());
    }
    let rows: Vec<Attendance> = members
        .into_iter()
        .map(|person_id| Attendance {
            shift_id,
            person_id,
            team_id: Some(team_id),
            check_in_at: local_instant(s.on_date, check_in),
            check_out_at: local_instant(s.on_date, check_out),
        })
        .collect();
    record_turnouts(app, actor, &rows).await
}

/// Teams in the actor's scope, for choosing one (at most 500, newest first).
pub async fn teams_in_scope(app: &App, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let rows = volunteer_team::Entity::find()
        .filter(scope::org_condition(actor, WRITE, volunteer_team::Column::OrgId))
        .filter(volunteer_team::Column::DisbandedOn.is_null())
        .order_by_desc(volunteer_team::Column::Id)
        .limit(500)
        .all(&app.db)
        .await?;
    Ok(rows.into_iter().map(|t| (t.id, t.name)).collect())
}
