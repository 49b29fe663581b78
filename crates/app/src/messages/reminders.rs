//! The reminders the day before a shift: every sign-up not cancelled of a shift tomorrow (local
//! date) gets one, with its check-in code — once, whenever the worker looks (`dedupe`); due at
//! 18:00 the day before, not at the midnight the worker first sees it.

use chrono::{Days, NaiveDate, TimeDelta};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::mask::mask_middle;
use qingtuan_domain::message::MessageKind;
use qingtuan_domain::time::{format_local_span, local_date, start_of_local_day};
use sea_orm::ConnectionTrait;

use super::{Outgoing, enqueue};
use crate::App;
use crate::error::AppResult;

/// Queues the reminders of tomorrow's shifts not queued yet (one query finds them); how many.
pub async fn enqueue_due(app: &App) -> AppResult<usize> {
    let Some(tomorrow) = local_date(app.now()).checked_add_days(Days::new(1)) else { return Ok(0) };
    let sql = format!(
        "SELECT s.id, s.name, s.guardian_name, s.phone_enc, s.code, sh.on_date, sh.starts_at, sh.ends_at, sh.place, \
         c.title, c.org_id FROM signups s JOIN shifts sh ON sh.id = s.shift_id \
         JOIN recruitment_calls c ON c.id = sh.call_id \
         WHERE sh.on_date = '{tomorrow}' AND s.cancelled_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'shift_reminder:' || CAST(s.id AS TEXT))"
    );
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let due = start_of_local_day(tomorrow) - TimeDelta::hours(6);
    let txn = app.begin().await?;
    let mut queued = 0;
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        let name: String = r.try_get_by_index(1)?;
        let guardian: Option<String> = r.try_get_by_index(2)?;
        let Ok(phone) = app.keys.decrypt(&r.try_get_by_index::<String>(3)?) else {
            tracing::warn!(signup = id, "a sign-up's phone cannot be read; no reminder");
            continue;
        };
        let on: NaiveDate = r.try_get_by_index(5)?;
        let text = format!(
            "【志愿服务提醒】{}“{}”明天（{on} {}）在{}上岗，签到码 {}。",
            addressee(&name, guardian.as_deref()),
            r.try_get_by_index::<String>(9)?,
            format_local_span(r.try_get_by_index(6)?, r.try_get_by_index(7)?),
            r.try_get_by_index::<String>(8)?,
            r.try_get_by_index::<String>(4)?,
        );
        let m = Outgoing {
            kind: MessageKind::ShiftReminder,
            org: OrgId(r.try_get_by_index(10)?),
            phone: &phone,
            text,
            dedupe: format!("shift_reminder:{id}"),
            due: Some(due),
        };
        enqueue(&txn, app, m).await?;
        queued += 1;
    }
    txn.commit().await?;
    Ok(queued)
}

/// Whom a message about a sign-up greets: the person, or — for a child, whose guardian's phone it
/// is — the guardian, the child's name masked.
pub(crate) fn addressee(name: &str, guardian: Option<&str>) -> String {
    match guardian {
        Some(g) => format!("{g}您好，您为{}报名的", mask_middle(name, 1, 0)),
        None => format!("{name}您好，您报名的"),
    }
}
