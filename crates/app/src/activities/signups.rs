//! An activity's sign-ups on the organisers' side: registering people at the desk, approving or
//! declining, the waiting list moving up, attendance marked in bulk, people served, the sign-ups'
//! spreadsheet.

use qingtuan_domain::Invalid;
use qingtuan_domain::activity::{Audience, SignupStatus};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ActivityId, ActivitySignupId, OrgId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::permission::Permission;
use qingtuan_domain::time::format_local_minute;
use qingtuan_entity::{activity, activity_signup};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{EXPORT, PublicActivity, READ, WRITE, places_taken, public_view};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::crypto::sha256_hex;
use crate::error::AppResult;
use crate::export::Exported;
use crate::signup::{Receipt, SignupForm};
use crate::{Actor, App, AppError};

pub(crate) async fn insert_signup<C: ConnectionTrait>(
    conn: &C,
    app: &App,
    a: &activity::Model,
    v: &crate::signup::ValidSignup,
    status: SignupStatus,
    attended: bool,
) -> AppResult<(i64, Receipt)> {
    let now = app.now();
    let receipt = Receipt::new();
    let row = activity_signup::ActiveModel {
        activity_id: Set(a.id),
        name: Set(v.name.clone()),
        phone_enc: Set(app.keys.encrypt(v.phone.as_str())?),
        phone_hash: Set(app.keys.lookup_hash(v.phone.as_str())),
        id_number_enc: Set(v.id_number.as_ref().map(|id| app.keys.encrypt(id.as_str())).transpose()?),
        gender: Set(v.gender.code().into()),
        birth_on: Set(v.birth_on),
        consent_at: Set(v.guardian_name.as_ref().map(|_| now)),
        guardian_name: Set(v.guardian_name.clone()),
        status: Set(status.code().into()),
        attended: Set(attended),
        code: Set(receipt.code.clone()),
        token_hash: Set(sha256_hex(&receipt.token)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((row.id, receipt))
}

/// Registers sign-ups the organisers took themselves (on paper, at the door), all or nothing:
/// checked like portal sign-ups but not bound to the window; approved at once, and marked as
/// attended when `attended` (registering after the activity).
pub async fn register(
    app: &App,
    actor: &Actor,
    ActivityId(activity_id): ActivityId,
    forms: &[SignupForm],
    attended: bool,
) -> AppResult<usize> {
    let a = activity_in_scope(app, actor, activity_id, WRITE).await?;
    let children = a.audience == Audience::Children.code();
    let mut valid = Vec::with_capacity(forms.len());
    for f in forms {
        valid.push(crate::signup::validate(f, a.real_name_required, a.on_date, children)?);
    }
    let txn = app.begin().await?;
    let free = u64::try_from(a.capacity).unwrap_or(0).saturating_sub(places_taken(&txn, a.id).await?);
    if valid.len() as u64 > free {
        return Err(Invalid::one("capacity", format!("名额不足：还剩 {free} 个名额")).into());
    }
    for v in &valid {
        insert_signup(&txn, app, &a, v, SignupStatus::Approved, attended).await?;
    }
    let entry = Entry::new(AuditAction::SignupsRegistered, ObjectKind::Org)
        .object(a.org_id)
        .scope(OrgId(a.org_id))
        .after(json!({ "activity": a.id, "signups": valid.len(), "attended": attended }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(valid.len())
}

pub(crate) async fn promote_waitlisted<C: ConnectionTrait>(
    conn: &C,
    app: &App,
    a: &activity::Model,
    actor: &Actor,
) -> AppResult<()> {
    if places_taken(conn, a.id).await? >= u64::try_from(a.capacity).unwrap_or(0) {
        return Ok(());
    }
    let next = activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(a.id))
        .filter(activity_signup::Column::Status.eq(SignupStatus::Waitlisted.code()))
        .order_by_asc(activity_signup::Column::Id)
        .one(conn)
        .await?;
    if let Some(n) = next {
        let id = n.id;
        let to = if a.needs_approval { SignupStatus::Pending } else { SignupStatus::Approved };
        let mut active: activity_signup::ActiveModel = n.into();
        active.status = Set(to.code().into());
        active.update(conn).await?;
        let entry = Entry::new(AuditAction::SignupDecided, ObjectKind::Person)
            .object(id)
            .scope(OrgId(a.org_id))
            .after(json!({ "activity": a.id, "status": to.code(), "from_waitlist": true }));
        audit::record(conn, app.now(), actor, entry).await?;
    }
    Ok(())
}

/// One sign-up in the organisers' list (phone masked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignupRow {
    pub id: ActivitySignupId,
    pub name: String,
    pub phone: String,
    pub guardian: Option<String>,
    pub status: SignupStatus,
    pub attended: bool,
    pub signed_up_at: String,
}

/// An activity with its sign-ups, for the organisers of its org.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityDetail {
    pub activity: PublicActivity,
    pub org_id: OrgId,
    pub people_served: i64,
    pub signups: Vec<SignupRow>,
}

impl ActivityDetail {
    pub fn count(&self, status: SignupStatus) -> usize {
        self.signups.iter().filter(|s| s.status == status).count()
    }

    pub fn attended(&self) -> usize {
        self.signups.iter().filter(|s| s.attended).count()
    }
}

pub(super) async fn activity_in_scope(
    app: &App,
    actor: &Actor,
    id: i64,
    permission: Permission,
) -> AppResult<activity::Model> {
    let a = activity::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, permission, (ObjectKind::Org, a.org_id.to_string()), OrgId(a.org_id)).await?;
    Ok(a)
}

pub async fn detail(app: &App, actor: &Actor, ActivityId(id): ActivityId) -> AppResult<ActivityDetail> {
    let a = activity_in_scope(app, actor, id, READ).await?;
    let rows = activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(id))
        .order_by_asc(activity_signup::Column::Id)
        .all(&app.db)
        .await?;
    let mut signups = Vec::with_capacity(rows.len());
    for s in rows {
        signups.push(SignupRow {
            id: ActivitySignupId(s.id),
            phone: app.keys.decrypt(&s.phone_enc).map(|p| mask_phone(&p)).unwrap_or_default(),
            name: s.name,
            guardian: s.guardian_name,
            status: SignupStatus::parse(&s.status)?,
            attended: s.attended,
            signed_up_at: format_local_minute(s.created_at),
        });
    }
    let (org_id, people_served) = (a.org_id, a.people_served);
    let today = qingtuan_domain::time::local_date(app.now());
    Ok(ActivityDetail { activity: public_view(app, a, today).await?, org_id: OrgId(org_id), people_served, signups })
}

/// Approves or rejects a pending sign-up; a rejection frees the place for the waiting list.
pub async fn decide_signup(
    app: &App,
    actor: &Actor,
    ActivitySignupId(signup_id): ActivitySignupId,
    approve: bool,
) -> AppResult<ActivityId> {
    let s = activity_signup::Entity::find_by_id(signup_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let a = activity_in_scope(app, actor, s.activity_id, WRITE).await?;
    if s.status != SignupStatus::Pending.code() {
        return Err(Invalid::one("status", "只能审核待审核的报名").into());
    }
    let to = if approve { SignupStatus::Approved } else { SignupStatus::Rejected };
    let txn = app.begin().await?;
    let mut active: activity_signup::ActiveModel = s.into();
    active.status = Set(to.code().into());
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::SignupDecided, ObjectKind::Person)
        .object(signup_id)
        .scope(OrgId(a.org_id))
        .after(json!({ "activity": a.id, "status": to.code() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    if !approve {
        promote_waitlisted(&txn, app, &a, actor).await?;
    }
    txn.commit().await?;
    Ok(ActivityId(a.id))
}

/// Marks attendance in bulk: the listed approved sign-ups attended, the other approved ones did not.
pub async fn mark_attendance(
    app: &App,
    actor: &Actor,
    ActivityId(activity_id): ActivityId,
    attended: &[i64],
) -> AppResult<usize> {
    let a = activity_in_scope(app, actor, activity_id, WRITE).await?;
    let approved = activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(activity_id))
        .filter(activity_signup::Column::Status.eq(SignupStatus::Approved.code()))
        .all(&app.db)
        .await?;
    if let Some(stray) = attended.iter().find(|id| !approved.iter().any(|s| s.id == **id)) {
        return Err(Invalid::one("attended", format!("报名 {stray} 不是该活动已录取的报名，不能登记参加")).into());
    }
    let txn = app.begin().await?;
    let mut present = 0;
    for s in approved {
        let now_attended = attended.contains(&s.id);
        present += usize::from(now_attended);
        if s.attended != now_attended {
            let mut active: activity_signup::ActiveModel = s.into();
            active.attended = Set(now_attended);
            active.update(&txn).await?;
        }
    }
    let entry = Entry::new(AuditAction::AttendanceMarked, ObjectKind::Org)
        .object(a.org_id)
        .scope(OrgId(a.org_id))
        .after(json!({ "activity": a.id, "attended": present }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(present)
}

/// Records how many people an activity served (服务人次).
pub async fn record_people_served(
    app: &App,
    actor: &Actor,
    ActivityId(activity_id): ActivityId,
    people: i64,
) -> AppResult<()> {
    let a = activity_in_scope(app, actor, activity_id, WRITE).await?;
    if people < 0 {
        return Err(Invalid::one("people_served", "服务人次不能为负数").into());
    }
    let (before, org_id) = (a.people_served, a.org_id);
    let txn = app.begin().await?;
    let mut active: activity::ActiveModel = a.into();
    active.people_served = Set(people);
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::PeopleServedRecorded, ObjectKind::Org)
        .object(org_id)
        .scope(OrgId(org_id))
        .before(json!({ "activity": activity_id, "people_served": before }))
        .after(json!({ "activity": activity_id, "people_served": people }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn export_signups(app: &App, actor: &Actor, ActivityId(activity_id): ActivityId) -> AppResult<Vec<u8>> {
    let d = detail(app, actor, ActivityId(activity_id)).await?;
    scope::require(app, actor, EXPORT, (ObjectKind::Org, d.org_id.to_string()), d.org_id).await?;
    let rows: Vec<Vec<String>> = d
        .signups
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.phone.clone(),
                s.guardian.clone().unwrap_or_default(),
                s.status.label().to_owned(),
                if s.attended { "是" } else { "否" }.to_owned(),
                s.signed_up_at.clone(),
            ]
        })
        .collect();
    let what = Exported::of(ObjectKind::Org, json!({ "signups_of_activity": activity_id })).within(d.org_id);
    let header = ["姓名", "手机号码", "监护人", "状态", "参加", "报名时间"];
    crate::export::audited(app, actor, what, "报名", &header, rows).await
}
