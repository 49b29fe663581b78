//! Rectification items (整改事项) told to the secretaries of the org that owns them: a notice when
//! one is raised, a reminder three days before its deadline and a notice the day it is overdue —
//! each once per secretary (`dedupe`), however often the worker looks, and never for an item
//! closed by then.

use chrono::{Days, NaiveDate, TimeDelta};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::message::MessageKind;
use qingtuan_domain::time::{local_date, start_of_local_day};
use sea_orm::ConnectionTrait;

use super::{Outgoing, enqueue};
use crate::App;
use crate::error::AppResult;

/// How many days before its deadline an open item is recalled.
pub const REMIND_DAYS_BEFORE: u64 = 3;

/// Which message of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Raised,
    DueSoon,
    Overdue,
}

impl Stage {
    fn code(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
        }
    }
}

/// An open item as a message tells it.
struct Item {
    id: i64,
    org_id: i64,
    org_name: String,
    finding: String,
    due_on: NaiveDate,
}

/// The secretaries of `org` on `on` with a phone: (person id, name, phone).
async fn secretaries<C: ConnectionTrait>(
    conn: &C,
    app: &App,
    org: i64,
    on: NaiveDate,
) -> AppResult<Vec<(i64, String, String)>> {
    let sql = format!(
        "SELECT pe.id, pe.name, pe.phone_enc FROM positions ps JOIN people pe ON pe.id = ps.person_id \
         WHERE ps.org_id = {org} AND ps.title = 'secretary' AND ps.start_on <= '{on}' \
         AND (ps.end_on IS NULL OR ps.end_on > '{on}') AND pe.phone_enc IS NOT NULL ORDER BY pe.id"
    );
    let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get_by_index(0)?;
        match app.keys.decrypt(&r.try_get_by_index::<String>(2)?) {
            Ok(phone) => out.push((id, r.try_get_by_index(1)?, phone)),
            Err(_) => tracing::warn!(person = id, "a secretary's phone cannot be read; no rectification message"),
        }
    }
    Ok(out)
}

/// Queues the message of `stage` for each secretary of the item's org, due at `due` (none: now).
async fn tell<C: ConnectionTrait>(
    conn: &C,
    app: &App,
    item: &Item,
    stage: Stage,
    due: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<usize> {
    let finding: String = item.finding.chars().take(60).collect();
    let today = local_date(app.now());
    let people = secretaries(conn, app, item.org_id, today).await?;
    for (person, name, phone) in &people {
        let text = match stage {
            Stage::Raised => format!(
                "【整改通知】{name}您好：{}在检查中发现“{finding}”，请于 {} 前完成整改并登记佐证。",
                item.org_name, item.due_on
            ),
            Stage::DueSoon => format!(
                "【整改提醒】{name}您好：{}的整改事项“{finding}”将于 {} 到期，请按期完成并登记佐证。",
                item.org_name, item.due_on
            ),
            Stage::Overdue => format!(
                "【整改逾期】{name}您好：{}的整改事项“{finding}”已超过整改期限 {}，请尽快完成并登记佐证。",
                item.org_name, item.due_on
            ),
        };
        let m = Outgoing {
            kind: MessageKind::RectificationNotice,
            org: OrgId(item.org_id),
            phone,
            text,
            dedupe: format!("rectification:{}:{}:{person}", item.id, stage.code()),
            due,
        };
        enqueue(conn, app, m).await?;
    }
    Ok(people.len())
}

/// The notice of a newly raised item, in the transaction that raises it.
pub(crate) async fn raised<C: ConnectionTrait>(
    conn: &C,
    app: &App,
    id: i64,
    org_id: i64,
    finding: &str,
    due_on: NaiveDate,
) -> AppResult<()> {
    let org_name = crate::tree::names(conn, vec![org_id]).await?.remove(&org_id).unwrap_or_default();
    let item = Item { id, org_id, org_name, finding: finding.to_owned(), due_on };
    tell(conn, app, &item, Stage::Raised, None).await.map(|_| ())
}

/// Queues the reminders of open items due within three days and the notices of items overdue, not
/// queued yet; how many secretaries were told.
pub async fn enqueue_due(app: &App) -> AppResult<usize> {
    let today = local_date(app.now());
    let Some(soon) = today.checked_add_days(Days::new(REMIND_DAYS_BEFORE)) else { return Ok(0) };
    let sql = format!(
        "SELECT r.id, r.org_id, o.name, r.finding, r.due_on FROM rectifications r JOIN orgs o ON o.id = r.org_id \
         WHERE r.closed_on IS NULL AND r.due_on <= '{soon}' AND NOT EXISTS (SELECT 1 FROM outbox ob \
         WHERE ob.dedupe_key LIKE 'rectification:' || CAST(r.id AS TEXT) || \
         (CASE WHEN r.due_on < '{today}' THEN ':overdue:%' ELSE ':due_soon:%' END)) ORDER BY r.id"
    );
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    // In the morning, not at the midnight the worker first sees it.
    let morning = start_of_local_day(today) + TimeDelta::hours(9);
    let due = (morning > app.now()).then_some(morning);
    let txn = app.begin().await?;
    let mut queued = 0;
    for r in rows {
        let item = Item {
            id: r.try_get_by_index(0)?,
            org_id: r.try_get_by_index(1)?,
            org_name: r.try_get_by_index(2)?,
            finding: r.try_get_by_index(3)?,
            due_on: r.try_get_by_index(4)?,
        };
        let stage = if item.due_on < today { Stage::Overdue } else { Stage::DueSoon };
        queued += tell(&txn, app, &item, stage, due).await?;
    }
    txn.commit().await?;
    Ok(queued)
}
