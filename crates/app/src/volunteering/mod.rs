//! Volunteer mobilisation: commando teams, recruitment calls with their shifts, turn-outs with the
//! hours credited by the attendance rule, people served, and donations. Organisers act within
//! their scope (`volunteering.write` over the org that calls, forms the team or receives the donation).

mod hours;
pub use hours::*;

mod shifts;
pub use shifts::*;

mod teams;
pub use teams::*;

pub mod calls;
pub mod checkin;

use std::collections::HashMap;

use crate::export::Exported;
use crate::forms::required_text;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{CallId, LedgerLineId, OrgId, PersonId, ShiftId, TeamId, TurnoutId};
use qingtuan_domain::money::Fen;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::platform::{ContributionKind, DonorKind, Funding, Purpose};
use qingtuan_domain::time::{format_local_clock, local_instant};
use qingtuan_domain::volunteering::{DEFAULT_MIN_SHARE_PERCENT, DonationKind, credited_minutes};
use qingtuan_entity::{contribution, hour_adjustment, recruitment_call, shift, team_member, turnout, volunteer_team};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::page::Page;
use crate::platforms::ledger::Line;
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

pub async fn create_team(app: &App, actor: &Actor, form: &NewTeam) -> AppResult<TeamId> {
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
    Ok(TeamId(team.id))
}

#[derive(Debug, Clone, Default)]
pub struct NewShift {
    pub on_date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub place: String,
    pub places: i32,
}

#[derive(Debug, Clone, Default)]
pub struct NewCall {
    pub org_code: String,
    pub title: String,
    pub task: String,
    pub published_on: NaiveDate,
    /// Sign-ups must give an ID number.
    pub real_name: bool,
    pub shifts: Vec<NewShift>,
    pub description: String,
    pub contact: String,
    /// The last day to sign up, as typed (empty: until each shift's day).
    pub signup_deadline: String,
}

const MIN_SHARE_SETTING: &str = "volunteering.min_share_percent";

/// The share of a shift (in %) a volunteer must attend for the hours to count: the district's
/// setting, 60 unless changed.
pub(crate) async fn min_share_percent<C: sea_orm::ConnectionTrait>(conn: &C) -> AppResult<i64> {
    Ok(qingtuan_entity::app_setting::Entity::find_by_id(MIN_SHARE_SETTING.to_owned())
        .one(conn)
        .await?
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(DEFAULT_MIN_SHARE_PERCENT))
}

/// The attendance rule as the desk shows it: the share of a shift (in %) a volunteer must attend,
/// and whether the actor may change it (`volunteering.approve` over the whole tree).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct AttendanceRule {
    pub min_share_percent: i64,
    pub can_change: bool,
}

/// The attendance rule, for anyone who reads volunteering somewhere.
pub async fn attendance_rule(app: &App, actor: &Actor) -> AppResult<AttendanceRule> {
    scope::require_somewhere(app, actor, READ).await?;
    let (min_share_percent, can_change) =
        tokio::try_join!(min_share_percent(&app.db), scope::covers_everything(&app.db, actor, APPROVE))?;
    Ok(AttendanceRule { min_share_percent, can_change })
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
pub async fn create_call(app: &App, actor: &Actor, form: &NewCall) -> AppResult<(CallId, Vec<ShiftId>)> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let text = calls::CallText {
        title: form.title.clone(),
        task: form.task.clone(),
        description: form.description.clone(),
        contact: form.contact.clone(),
        signup_deadline: form.signup_deadline.clone(),
    };
    let (title, task, description, contact, signup_deadline) = calls::checked_text(&text)?;
    form.shifts.iter().try_for_each(checked_shift)?;
    let txn = app.begin().await?;
    let call = recruitment_call::ActiveModel {
        org_id: Set(org.get().0),
        title: Set(title.clone()),
        task: Set(task.code().into()),
        published_on: Set(form.published_on),
        real_name_required: Set(form.real_name),
        description: Set(description),
        contact: Set(contact),
        signup_deadline: Set(signup_deadline),
        closed_on: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut ids = Vec::with_capacity(form.shifts.len());
    for s in &form.shifts {
        ids.push(insert_shift(&txn, call.id, s).await?);
    }
    let entry = Entry::new(AuditAction::CallPublished, ObjectKind::Org)
        .within(&org)
        .after(json!({ "call": call.id, "title": title, "task": task.code(), "shifts": ids.len() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok((CallId(call.id), ids.into_iter().map(ShiftId).collect()))
}

/// A shift's times and places make sense.
fn checked_shift(s: &NewShift) -> Result<(), Invalid> {
    if s.end <= s.start || !(1..=MAX_PLACES).contains(&s.places) {
        return Err(Invalid::one(
            "shifts",
            format!("每个班次的结束时间应晚于开始时间，名额应在 1 到 {MAX_PLACES} 之间"),
        ));
    }
    if s.place.trim().chars().count() > 200 {
        return Err(Invalid::one("shifts", "班次地点不超过 200 个字"));
    }
    Ok(())
}

/// The most places a shift offers.
const MAX_PLACES: i32 = 10_000;

/// Writes a shift of a call; returns its id.
async fn insert_shift(txn: &crate::db::Write, call_id: i64, s: &NewShift) -> AppResult<i64> {
    let row = shift::ActiveModel {
        call_id: Set(call_id),
        on_date: Set(s.on_date),
        starts_at: Set(local_instant(s.on_date, s.start)),
        ends_at: Set(local_instant(s.on_date, s.end)),
        place: Set(s.place.trim().to_owned()),
        places: Set(s.places),
        people_served: Set(0),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(row.id)
}

/// One volunteer at one shift, with when they checked in and out.
#[derive(Debug, Clone)]
pub struct Attendance {
    pub shift_id: ShiftId,
    pub person_id: PersonId,
    pub team_id: Option<TeamId>,
    pub check_in_at: DateTime<Utc>,
    pub check_out_at: DateTime<Utc>,
}

/// Records turn-outs, all or nothing, crediting hours by the attendance rule.
pub async fn record_turnouts(app: &App, actor: &Actor, rows: &[Attendance]) -> AppResult<usize> {
    let shift_ids: Vec<i64> = rows.iter().map(|r| r.shift_id.0).collect();
    let mut shifts: HashMap<i64, (shift::Model, i64)> = HashMap::new();
    for chunk in shift_ids.chunks(500) {
        use sea_orm::{ColumnTrait, QueryFilter};
        for s in shift::Entity::find().filter(shift::Column::Id.is_in(chunk.to_vec())).all(&app.db).await? {
            let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
            shifts.insert(s.id, (s, call.org_id));
        }
    }
    // The proof over each calling org; each is audited with what was recorded for it.
    let mut checked: HashMap<i64, (InScope<OrgId>, usize, i64)> = HashMap::new();
    for (_, org) in shifts.values() {
        if !checked.contains_key(org) {
            let proof = scope::require(app, actor, WRITE, (ObjectKind::Org, org.to_string()), OrgId(*org)).await?;
            checked.insert(*org, (proof, 0, 0));
        }
    }
    let share = min_share_percent(&app.db).await?;
    let txn = app.begin().await?;
    for chunk in rows.chunks(1000) {
        let mut models = Vec::with_capacity(chunk.len());
        for r in chunk {
            let (s, org) = shifts.get(&r.shift_id.0).ok_or(AppError::NotFound)?;
            let credited = credited_minutes(s.starts_at, s.ends_at, r.check_in_at, r.check_out_at, share);
            if let Some((_, turnouts, minutes)) = checked.get_mut(org) {
                *turnouts += 1;
                *minutes += credited;
            }
            models.push(turnout::ActiveModel {
                shift_id: Set(r.shift_id.0),
                person_id: Set(r.person_id.0),
                team_id: Set(r.team_id.map(|id| id.0)),
                check_in_at: Set(Some(r.check_in_at)),
                check_out_at: Set(Some(r.check_out_at)),
                credited_minutes: Set(i32::try_from(credited).unwrap_or(i32::MAX)),
                ..Default::default()
            });
        }
        turnout::Entity::insert_many(models).exec(&txn).await?;
    }
    for (proof, turnouts, minutes) in checked.values() {
        let entry = Entry::new(AuditAction::TurnoutsRecorded, ObjectKind::Org)
            .within(proof)
            .after(json!({ "turnouts": turnouts, "credited_minutes": minutes }));
        audit::record(&txn, app.now(), actor, entry).await?;
    }
    txn.commit().await?;
    Ok(rows.len())
}

/// Records how many people a shift served (服务人次); returns the shift's call.
pub async fn record_people_served(app: &App, actor: &Actor, shift_id: ShiftId, people: i64) -> AppResult<CallId> {
    if people < 0 {
        return Err(Invalid::one("people_served", "服务人次不能为负数").into());
    }
    let s = shift::Entity::find_by_id(shift_id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof =
        scope::require(app, actor, WRITE, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    let before = s.people_served;
    let txn = app.begin().await?;
    let mut active: shift::ActiveModel = s.into();
    active.people_served = Set(people);
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::PeopleServedRecorded, ObjectKind::Org)
        .within(&proof)
        .before(json!({ "shift": shift_id, "people_served": before }))
        .after(json!({ "shift": shift_id, "people_served": people }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(CallId(call.id))
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

pub async fn record_donation(app: &App, actor: &Actor, form: &NewDonation) -> AppResult<LedgerLineId> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    if !matches!(form.donor_kind.as_str(), "person" | "org") || DonationKind::parse(&form.kind).is_err() {
        return Err(Invalid::one("kind", "捐赠方应为个人或单位，类型应为捐款或捐物").into());
    }
    if form.value.0 <= 0 {
        return Err(Invalid::one("value", "金额或折价应大于 0").into());
    }
    let line = Line {
        org_id: org.get().0,
        funding: Funding::Social,
        budget: String::new(),
        partner_id: None,
        donor_name: form.donor_name.clone().filter(|n| !n.trim().is_empty()),
        donor_kind: Some(if form.donor_kind == "person" { DonorKind::Person } else { DonorKind::Org }),
        kind: match DonationKind::parse(&form.kind) {
            Ok(DonationKind::Cash) => ContributionKind::Money,
            _ => ContributionKind::Goods,
        },
        units: None,
        value: form.value,
        purpose_kind: Purpose::Call,
        purpose_id: None,
        purpose: form.purpose.trim().chars().take(200).collect(),
        on_date: form.donated_on,
        receipt_no: form.receipt_no.trim().chars().take(40).collect(),
    };
    let txn = app.begin().await?;
    // A line of the one ledger (资源台账): social money or goods.
    let id = crate::platforms::ledger::write(&txn, app, &line).await?;
    let donor = if form.donor_kind == "person" {
        "（个人，已隐去）".to_owned()
    } else {
        form.donor_name.clone().unwrap_or_else(|| "（匿名）".into())
    };
    let entry = Entry::new(AuditAction::DonationRecorded, ObjectKind::Org)
        .within(&org)
        .after(json!({ "donation": id, "donor": donor, "kind": form.kind, "value_fen": form.value.0, "donated_on": form.donated_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(LedgerLineId(id))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub org_name: String,
    pub formed_on: NaiveDate,
    pub disbanded_on: Option<NaiveDate>,
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

/// The teams list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TeamFilter {
    /// An org (code or name): its teams and those below it.
    pub org: String,
    /// Part of the name.
    pub q: String,
    /// Disbanded teams too.
    pub all: bool,
    pub page: Option<u64>,
}

/// One page of the commando teams in the actor's scope, newest first.
pub async fn teams(app: &App, actor: &Actor, filter: &TeamFilter) -> AppResult<Page<TeamView>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = volunteer_team::Entity::find().filter(scope::org_condition(actor, READ, volunteer_team::Column::OrgId));
    if !filter.org.trim().is_empty() {
        q = q.filter(volunteer_team::Column::OrgId.in_subquery(scope::subtree(app, actor, READ, &filter.org).await?));
    }
    if !filter.q.trim().is_empty() {
        q = q.filter(crate::forms::like_text(volunteer_team::Column::Name, &filter.q, false));
    }
    if !filter.all {
        q = q.filter(volunteer_team::Column::DisbandedOn.is_null());
    }
    let q = q.order_by_desc(volunteer_team::Column::FormedOn).order_by_desc(volunteer_team::Column::Id);
    let page = crate::page::fetch(&app.db, q, filter.page).await?;
    let names = crate::tree::names(&app.db, page.items.iter().map(|t| t.org_id).collect()).await?;
    let items = page
        .items
        .iter()
        .map(|t| TeamView {
            id: TeamId(t.id),
            name: t.name.clone(),
            org_name: names.get(&t.org_id).cloned().unwrap_or_default(),
            formed_on: t.formed_on,
            disbanded_on: t.disbanded_on,
        })
        .collect();
    Ok(page.with(items))
}

/// The donations list's filter: a period (both ends included).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DonationFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: Option<u64>,
}

/// One page of the donations for calls — the ledger's social money and goods given for calls — in
/// the actor's scope over the period, newest first.
pub async fn donations(app: &App, actor: &Actor, filter: &DonationFilter) -> AppResult<Page<DonationView>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = contribution::Entity::find()
        .filter(scope::org_condition(actor, READ, contribution::Column::OrgId))
        .filter(contribution::Column::Funding.eq(Funding::Social.code()))
        .filter(contribution::Column::PurposeKind.eq(Purpose::Call.code()))
        .filter(contribution::Column::Kind.is_in([ContributionKind::Money.code(), ContributionKind::Goods.code()]));
    if let Some(from) = filter.from {
        q = q.filter(contribution::Column::OnDate.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(contribution::Column::OnDate.lte(to));
    }
    let q = q.order_by_desc(contribution::Column::OnDate).order_by_desc(contribution::Column::Id);
    let page = crate::page::fetch(&app.db, q, filter.page).await?;
    let partners: HashMap<i64, String> = qingtuan_entity::partner::Entity::find()
        .filter(qingtuan_entity::partner::Column::Id.is_in(page.items.iter().filter_map(|d| d.partner_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let names = crate::tree::names(&app.db, page.items.iter().map(|d| d.org_id).collect()).await?;
    let items = page
        .items
        .iter()
        .map(|d| DonationView {
            org_name: names.get(&d.org_id).cloned().unwrap_or_default(),
            donor: match (d.donor_kind.as_str(), &d.donor_name) {
                (_, None) if d.partner_id.is_some() => {
                    d.partner_id.and_then(|p| partners.get(&p).cloned()).unwrap_or_default()
                }
                (_, None) => "匿名".into(),
                ("person", Some(_)) => "个人（姓名不公开）".into(),
                (_, Some(n)) => n.clone(),
            },
            kind: if d.kind == ContributionKind::Money.code() { DonationKind::Cash } else { DonationKind::Goods }
                .label()
                .into(),
            yuan: Fen(d.value_fen).yuan_text(),
            purpose: d.purpose.clone(),
            donated_on: d.on_date,
            receipt_no: d.receipt_no.clone(),
        })
        .collect();
    Ok(page.with(items))
}
