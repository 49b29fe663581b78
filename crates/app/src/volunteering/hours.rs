//! Volunteer hours: what a turn-out counts, and hours added or taken away by hand, approved by the org above.

use super::*;
use qingtuan_domain::ids::AdjustmentId;

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

/// A turn-out, its shift, and the proof that the actor may change the calling org's records.
async fn turnout_in_scope(
    app: &App,
    actor: &Actor,
    turnout_id: i64,
) -> AppResult<(turnout::Model, shift::Model, InScope<OrgId>)> {
    let t = turnout::Entity::find_by_id(turnout_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let s = shift::Entity::find_by_id(t.shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof =
        scope::require(app, actor, WRITE, (ObjectKind::Org, call.org_id.to_string()), OrgId(call.org_id)).await?;
    Ok((t, s, proof))
}

fn reason_of(raw: &str) -> Result<String, Invalid> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > 200 {
        return Err(Invalid::one("reason", "请填写原因（不超过 200 个字）"));
    }
    Ok(v.to_owned())
}

/// Asks to add hours to a turn-out by hand; they count once the org above approves.
pub async fn request_hours(
    app: &App,
    actor: &Actor,
    TurnoutId(turnout_id): TurnoutId,
    minutes: i64,
    reason: &str,
) -> AppResult<i64> {
    let (t, s, proof) = turnout_in_scope(app, actor, turnout_id).await?;
    let reason = reason_of(reason)?;
    let minutes = i32::try_from(minutes)
        .ok()
        .filter(|m| (1..=24 * 60).contains(m))
        .ok_or_else(|| Invalid::one("minutes", "补录时长应在 1 至 1440 分钟之间"))?;
    let txn = app.begin().await?;
    let row = hour_adjustment::ActiveModel {
        turnout_id: Set(t.id),
        org_id: Set(proof.get().0),
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
        .within(&proof)
        .after(json!({ "adjustment": row.id, "turnout": t.id, "minutes": minutes, "reason": reason }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Revokes hours from a turn-out, with a reason; effective at once, never below zero.
pub async fn revoke_hours(
    app: &App,
    actor: &Actor,
    TurnoutId(turnout_id): TurnoutId,
    minutes: i64,
    reason: &str,
) -> AppResult<()> {
    let (t, s, proof) = turnout_in_scope(app, actor, turnout_id).await?;
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
        org_id: Set(proof.get().0),
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
        .within(&proof)
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
pub async fn decide_hours(
    app: &App,
    actor: &Actor,
    AdjustmentId(adjustment_id): AdjustmentId,
    approve: bool,
) -> AppResult<()> {
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
    pub id: AdjustmentId,
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
            id: AdjustmentId(r.id),
            org_name: names.get(&r.org_id).cloned().unwrap_or_default(),
            on_date: r.on_date,
            volunteer,
            minutes: r.minutes,
            reason: r.reason,
        });
    }
    Ok(out)
}
