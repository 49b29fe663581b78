//! The reminders the day before a shift: every sign-up not cancelled of a shift tomorrow (local
//! date) gets one, with its check-in code — once, whenever the worker looks (`dedupe`).

use chrono::Days;
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::message::MessageKind;
use qingtuan_domain::time::{format_local_span, local_date};
use qingtuan_entity::{recruitment_call, shift, signup};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Outgoing, enqueue};
use crate::App;
use crate::error::AppResult;

/// Queues the reminders of tomorrow's shifts not queued yet; how many shifts were looked at.
pub async fn enqueue_due(app: &App) -> AppResult<usize> {
    let Some(tomorrow) = local_date(app.now()).checked_add_days(Days::new(1)) else { return Ok(0) };
    let shifts = shift::Entity::find().filter(shift::Column::OnDate.eq(tomorrow)).all(&app.db).await?;
    for s in &shifts {
        let Some(call) = recruitment_call::Entity::find_by_id(s.call_id).one(&app.db).await? else { continue };
        let signups = signup::Entity::find()
            .filter(signup::Column::ShiftId.eq(s.id))
            .filter(signup::Column::CancelledAt.is_null())
            .all(&app.db)
            .await?;
        if signups.is_empty() {
            continue;
        }
        let txn = app.begin().await?;
        for u in signups {
            let phone = app.keys.decrypt(&u.phone_enc)?;
            let text = format!(
                "【志愿服务提醒】{}您好，您报名的“{}”明天（{} {}）在{}上岗，签到码 {}。",
                u.name,
                call.title,
                s.on_date,
                format_local_span(s.starts_at, s.ends_at),
                s.place,
                u.code
            );
            let m = Outgoing {
                kind: MessageKind::ShiftReminder,
                org: OrgId(call.org_id),
                phone: &phone,
                text,
                dedupe: format!("shift_reminder:{}", u.id),
            };
            enqueue(&txn, app, m).await?;
        }
        txn.commit().await?;
    }
    Ok(shifts.len())
}
