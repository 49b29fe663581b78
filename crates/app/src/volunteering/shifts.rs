//! A shift as its organisers see it: the sign-ups, turn-outs and hours, and their export.

use super::*;
use qingtuan_domain::ids::{OrgId, ShiftId, ShiftSignupId, TurnoutId};

/// One sign-up of a shift, as the organisers' list shows it (phone masked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignupRow {
    /// The sign-up's id.
    pub id: ShiftSignupId,
    pub name: String,
    pub phone: String,
    pub guardian: Option<String>,
    pub status: &'static str,
    pub check_in: String,
    pub check_out: String,
    pub turnout_id: Option<TurnoutId>,
    pub minutes: i64,
}

/// A shift with its sign-ups, for the organisers of the calling org.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShiftDetail {
    pub id: ShiftId,
    /// The org that called the shift.
    pub org_id: OrgId,
    pub call_title: String,
    pub org_name: String,
    pub on_date: NaiveDate,
    pub place: String,
    pub places: i32,
    pub people_served: i64,
    /// Sign-ups give an ID number.
    pub real_name: bool,
    pub signups: Vec<SignupRow>,
}

/// A shift's sign-ups with their check-in state; outside the reader's scope the shift is missing.
pub async fn shift_detail(app: &App, actor: &Actor, shift_id: ShiftId) -> AppResult<ShiftDetail> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let s = shift::Entity::find_by_id(shift_id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    let signups = qingtuan_entity::signup::Entity::find()
        .filter(qingtuan_entity::signup::Column::ShiftId.eq(shift_id.0))
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
            id: ShiftSignupId(su.id),
            phone: app.keys.decrypt(&su.phone_enc).map(|p| qingtuan_domain::mask::mask_phone(&p)).unwrap_or_default(),
            name: su.name,
            guardian: su.guardian_name,
            status,
            check_in: t.and_then(|t| t.check_in_at).map(format_local_clock).unwrap_or_default(),
            check_out: t.and_then(|t| t.check_out_at).map(format_local_clock).unwrap_or_default(),
            turnout_id: t.map(|t| TurnoutId(t.id)),
            minutes,
        });
    }
    Ok(ShiftDetail {
        id: ShiftId(s.id),
        org_id: OrgId(call.org_id),
        org_name: crate::tree::names(&app.db, vec![call.org_id]).await?.remove(&call.org_id).unwrap_or_default(),
        call_title: call.title,
        on_date: s.on_date,
        place: s.place,
        places: s.places,
        people_served: s.people_served,
        real_name: call.real_name_required,
        signups: rows,
    })
}

/// The shift's sign-ups as a workbook (phones masked); the export is audited.
pub async fn export_signups(app: &App, actor: &Actor, shift_id: ShiftId) -> AppResult<Vec<u8>> {
    let d = shift_detail(app, actor, shift_id).await?;
    scope::require(app, actor, EXPORT, (ObjectKind::Org, d.org_id.to_string()), d.org_id).await?;
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
    let what = Exported::of(ObjectKind::Org, json!({ "signups_of_shift": shift_id })).within(d.org_id);
    let header = ["姓名", "手机号码", "监护人", "状态", "签到", "签退", "服务时长（小时）"];
    crate::export::audited(app, actor, what, "报名", &header, rows).await
}

/// Cancels a shift's sign-up for the volunteer (volunteering.write over the calling org): the
/// place is freed; a sign-up already checked in keeps its turn-out and cannot be cancelled.
/// Returns the shift.
pub async fn cancel_signup(app: &App, actor: &Actor, signup_id: ShiftSignupId) -> AppResult<ShiftId> {
    use qingtuan_entity::signup;
    let found = signup::Entity::find_by_id(signup_id.0).one(&app.db).await?;
    let shift_id = found.as_ref().map_or(0, |s| s.shift_id);
    let call = match shift::Entity::find_by_id(shift_id).one(&app.db).await? {
        Some(s) => recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?,
        None => None,
    };
    let org = OrgId(call.as_ref().map_or(0, |c| c.org_id));
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Person, signup_id.to_string()), org).await?;
    let s = found.ok_or(AppError::NotFound)?;
    if s.cancelled_at.is_some() {
        return Err(Invalid::one("signup", format!("{} 的报名已取消", s.name)).into());
    }
    if !checkin::turnout_of_signups(&app.db, vec![s.id]).await?.is_empty() {
        return Err(Invalid::one("signup", format!("{} 已签到，不能取消报名；如需更正时长请核减", s.name)).into());
    }
    let now = app.now();
    let txn = app.begin().await?;
    let name = s.name.clone();
    let mut active: signup::ActiveModel = s.into();
    active.cancelled_at = Set(Some(now));
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::SignupCancelled, ObjectKind::Person)
        .object(signup_id)
        .within(&proof)
        .after(json!({ "shift": shift_id, "name": name, "by": "organiser" }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(ShiftId(shift_id))
}
