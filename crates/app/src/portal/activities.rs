//! Activities on the portal: browsing what is open, signing up (a children's activity through a
//! guardian), and the private link that shows or cancels the sign-up. The organisers' side is
//! `crate::activities`.

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::activity::{Audience, SignupStatus};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ActivityId, OrgId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_entity::{activity, activity_signup};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::{PortalFilter, Receipt, SignupForm, orgs_of_street};
use crate::access::audit::{self, Entry};
use crate::activities::{PublicActivity, closed_reason, insert_signup, places_taken, promote_waitlisted, public_view};
use crate::crypto::sha256_hex;
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

/// Activities from `today` on, soonest first, narrowed by street and category; at most 100.
pub async fn open_activities(app: &App, today: NaiveDate, filter: &PortalFilter) -> AppResult<Vec<PublicActivity>> {
    let mut q = activity::Entity::find().filter(activity::Column::OnDate.gte(today));
    if !filter.category.is_empty() {
        q = q.filter(activity::Column::Category.eq(filter.category.clone()));
    }
    if let Some(ids) = orgs_of_street(&app.db, &filter.street).await? {
        q = q.filter(activity::Column::OrgId.is_in(ids));
    }
    let rows =
        q.order_by_asc(activity::Column::OnDate).order_by_asc(activity::Column::Id).limit(100).all(&app.db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        out.push(public_view(app, a, today).await?);
    }
    Ok(out)
}

pub async fn public_activity(app: &App, today: NaiveDate, ActivityId(id): ActivityId) -> AppResult<PublicActivity> {
    let a = activity::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    public_view(app, a, today).await
}

/// What the portal says after a sign-up: the private link, the code and where the sign-up stands.
#[derive(Debug, Clone)]
pub struct ActivityReceipt {
    pub receipt: Receipt,
    pub status: SignupStatus,
}

/// Signs up for an activity: checked like a shift sign-up; a children's activity always records
/// the guardian. Within the window and capacity the sign-up is approved (or pending when the
/// organiser approves); when full it joins the waiting list, if the activity keeps one.
pub async fn sign_up(
    app: &App,
    client: &ClientInfo,
    ActivityId(activity_id): ActivityId,
    form: &SignupForm,
) -> AppResult<ActivityReceipt> {
    let now = app.now();
    let today = qingtuan_domain::time::local_date(now);
    let a = activity::Entity::find_by_id(activity_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let children = a.audience == Audience::Children.code();
    let v = crate::signup::validate(form, a.real_name_required, a.on_date, children)?;
    let phone_hash = app.keys.lookup_hash(v.phone.as_str());
    let anonymous = Actor::anonymous(client, &mask_phone(v.phone.as_str()));
    let txn = app.begin().await?;
    if !super::within_limits(&txn, now, &anonymous, &phone_hash).await? {
        txn.commit().await?;
        return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
    }
    let taken = places_taken(&txn, a.id).await?;
    let twice = activity_signup::Entity::find()
        .filter(activity_signup::Column::ActivityId.eq(a.id))
        .filter(activity_signup::Column::PhoneHash.eq(phone_hash.clone()))
        .filter(activity_signup::Column::Name.eq(v.name.clone()))
        .filter(activity_signup::Column::Status.ne(SignupStatus::Cancelled.code()))
        .count(&txn)
        .await?
        > 0;
    let refusal = if let Some(reason) = closed_reason(&a, today, taken) {
        Some(reason)
    } else if twice {
        Some("此手机号已为该姓名报名该活动")
    } else {
        None
    };
    if let Some(message) = refusal {
        txn.commit().await?;
        return Err(Invalid::one("activity", message).into());
    }
    let status = if taken >= u64::try_from(a.capacity).unwrap_or(0) {
        SignupStatus::Waitlisted
    } else if a.needs_approval {
        SignupStatus::Pending
    } else {
        SignupStatus::Approved
    };
    let (row, receipt) = insert_signup(&txn, app, &a, &v, status, false).await?;
    let entry = Entry::new(AuditAction::SignedUp, ObjectKind::Person).object(row).scope(OrgId(a.org_id)).after(json!({
        "activity": a.id, "name": v.name, "phone": mask_phone(v.phone.as_str()), "status": status.code(),
        "guardian": v.guardian_name, "guardian_consent": v.guardian_name.is_some(),
    }));
    audit::record(&txn, now, &anonymous, entry).await?;
    let text = format!(
        "【活动报名】{}“{}”（{}）{}，签到码 {}。",
        crate::messages::reminders::addressee(&v.name, v.guardian_name.as_deref()),
        a.title,
        a.on_date,
        status.label(),
        receipt.code
    );
    let m = crate::messages::Outgoing {
        kind: qingtuan_domain::message::MessageKind::SignupConfirmed,
        org: OrgId(a.org_id),
        phone: v.phone.as_str(),
        text,
        dedupe: format!("activity_signup:{row}"),
        due: None,
    };
    crate::messages::enqueue(&txn, app, m).await?;
    txn.commit().await?;
    Ok(ActivityReceipt { receipt, status })
}

/// A sign-up as its private link shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MyActivitySignup {
    pub name: String,
    pub phone: String,
    pub guardian_name: Option<String>,
    pub code: String,
    pub activity: PublicActivity,
    pub status: String,
    pub attended: bool,
    pub cancellable: bool,
}

async fn by_token(app: &App, token: &str) -> AppResult<activity_signup::Model> {
    activity_signup::Entity::find()
        .filter(activity_signup::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn mine(app: &App, token: &str) -> AppResult<MyActivitySignup> {
    let s = by_token(app, token).await?;
    let today = qingtuan_domain::time::local_date(app.now());
    let activity = public_activity(app, today, ActivityId(s.activity_id)).await?;
    let status = SignupStatus::parse(&s.status)?;
    Ok(MyActivitySignup {
        phone: app.keys.decrypt(&s.phone_enc).map(|p| mask_phone(&p)).unwrap_or_default(),
        name: s.name,
        guardian_name: s.guardian_name,
        code: s.code,
        cancellable: !matches!(status, SignupStatus::Cancelled | SignupStatus::Rejected)
            && !s.attended
            && activity.on_date >= today,
        activity,
        status: status.label().into(),
        attended: s.attended,
    })
}

/// Cancels through the private link; a freed place goes to the first on the waiting list.
pub async fn cancel(app: &App, client: &ClientInfo, token: &str) -> AppResult<()> {
    let s = by_token(app, token).await?;
    let status = SignupStatus::parse(&s.status)?;
    if matches!(status, SignupStatus::Cancelled | SignupStatus::Rejected) || s.attended {
        return Ok(());
    }
    let a = activity::Entity::find_by_id(s.activity_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let now = app.now();
    let anonymous = Actor::anonymous(client, &s.name);
    let id = s.id;
    let txn = app.begin().await?;
    let mut active: activity_signup::ActiveModel = s.into();
    active.status = Set(SignupStatus::Cancelled.code().into());
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::SignupCancelled, ObjectKind::Person).object(id).scope(OrgId(a.org_id));
    audit::record(&txn, now, &anonymous, entry).await?;
    if status.holds_place() {
        promote_waitlisted(&txn, app, &a, &anonymous).await?;
    }
    txn.commit().await?;
    Ok(())
}
