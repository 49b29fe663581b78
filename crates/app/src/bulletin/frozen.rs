//! Reports frozen as published: a bulletin or the dashboard's figures report, kept as they were —
//! the figures, the scope and dates, the content, who published them when, a SHA-256 digest of
//! content and figures — listed per year, reopened only as a new version. Opening one shows beside
//! each figure today's recomputation for the same dates, and the records changed in its scope since
//! publication (late imports, corrections) that explain a difference: the duty to re-verify and
//! explain, done by the product.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{FrozenReportId, OrgId};
use qingtuan_entity::{audit_event, frozen_report, org};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::render::{Document, Used};
use super::{APPROVE, READ};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::figures::{self, Figure, ReportRequest};
use crate::page::Page;
use crate::{Actor, App, AppError};

pub const BULLETIN: &str = "bulletin";
pub const FIGURES: &str = "figures";

/// A figure as published.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrozenFigure {
    pub key: String,
    /// The period's start when not the report's.
    pub since: Option<NaiveDate>,
    /// `None` when it could not be computed.
    pub value: Option<i64>,
    pub baseline_value: Option<i64>,
    pub delta: Option<i64>,
}

impl FrozenFigure {
    pub(super) fn used(u: &Used) -> Self {
        Self {
            key: u.key.clone(),
            since: u.since,
            value: Some(u.value),
            baseline_value: u.baseline_value,
            delta: u.delta,
        }
    }

    fn of(f: &Figure) -> Self {
        Self {
            key: f.indicator.key.to_owned(),
            since: None,
            value: f.unavailable.is_none().then_some(f.value),
            baseline_value: f.baseline_value,
            delta: f.delta,
        }
    }
}

/// A report about to be frozen.
pub(super) struct NewFrozen {
    pub kind: &'static str,
    pub bulletin: Option<i64>,
    pub org: InScope<OrgId>,
    pub street: Option<String>,
    pub as_of: NaiveDate,
    pub baseline: NaiveDate,
    pub from: Option<NaiveDate>,
    pub title: String,
    pub content: String,
    pub figures: Vec<FrozenFigure>,
    /// The report this is the next version of: its id and version.
    pub previous: Option<(i64, i32)>,
}

/// The digest of what a frozen report says: its scope, dates, version and publisher with its
/// content and figures.
fn digest(r: &frozen_report::Model) -> String {
    let head = json!({
        "kind": r.kind, "org": r.org_id, "street": r.street, "as_of": r.as_of, "baseline": r.baseline,
        "from": r.from_on, "version": r.version, "published_by": r.published_by,
        "published_at": r.published_at.timestamp(),
    });
    hex::encode(Sha256::digest(format!("{head}\n{}\n{}", r.content, r.figures).as_bytes()))
}

/// Stores a frozen report in the caller's transaction, audited.
pub(super) async fn insert<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    actor: &Actor,
    new: NewFrozen,
) -> AppResult<FrozenReportId> {
    let figures = serde_json::to_string(&new.figures).map_err(|e| AppError::Internal(e.to_string()))?;
    let version = new.previous.map_or(1, |(_, v)| v + 1);
    let mut row = frozen_report::Model {
        id: 0,
        kind: new.kind.to_owned(),
        bulletin_id: new.bulletin,
        org_id: new.org.get().0,
        street: new.street,
        as_of: new.as_of,
        baseline: new.baseline,
        from_on: new.from,
        title: new.title.chars().take(200).collect(),
        content: new.content,
        figures,
        digest: String::new(),
        version,
        previous_id: new.previous.map(|(id, _)| id),
        published_by: actor.user_id().map(|u| u.0),
        published_by_name: actor.display_name().chars().take(100).collect(),
        // To the second, as every database stores it, so the digest reads back the same.
        published_at: app.now().with_nanosecond(0).unwrap_or_else(|| app.now()),
    };
    row.digest = digest(&row);
    let mut active: frozen_report::ActiveModel = row.into();
    active.id = sea_orm::ActiveValue::NotSet;
    let row = active.insert(txn).await?;
    let after =
        json!({ "kind": row.kind, "title": row.title, "as_of": row.as_of, "version": version, "digest": row.digest });
    let entry =
        Entry::new(AuditAction::ReportPublished, ObjectKind::FrozenReport).object(row.id).within(&new.org).after(after);
    audit::record(txn, app.now(), actor, entry).await?;
    Ok(FrozenReportId(row.id))
}

/// Whether the actor may freeze the figures of a scope (`bulletins.approve` over it).
pub async fn may_freeze(app: &App, actor: &Actor, scope: OrgId) -> AppResult<bool> {
    scope::covers(&app.db, actor, APPROVE, scope).await
}

/// Freezes the dashboard's figures report as asked (bulletins.approve over its scope): the next
/// version of the same scope and dates when one was published before.
pub async fn freeze_report(app: &App, actor: &Actor, req: &ReportRequest) -> AppResult<FrozenReportId> {
    // Nobody computes a whole report only to be refused at the end.
    scope::require_somewhere(app, actor, APPROVE).await?;
    let report = figures::report(app, actor, req).await?;
    let p = &report.params;
    let org = scope::require(app, actor, APPROVE, (ObjectKind::Org, p.scope.to_string()), p.scope).await?;
    let street = req.street.clone().filter(|s| !s.trim().is_empty());
    let txn = app.begin().await?;
    let mut same = frozen_report::Entity::find()
        .filter(frozen_report::Column::Kind.eq(FIGURES))
        .filter(frozen_report::Column::OrgId.eq(p.scope.0))
        .filter(frozen_report::Column::AsOf.eq(p.as_of))
        .filter(frozen_report::Column::Baseline.eq(p.baseline));
    same = match p.from {
        Some(from) => same.filter(frozen_report::Column::FromOn.eq(from)),
        None => same.filter(frozen_report::Column::FromOn.is_null()),
    };
    same = match &street {
        Some(s) => same.filter(frozen_report::Column::Street.eq(s.clone())),
        None => same.filter(frozen_report::Column::Street.is_null()),
    };
    let previous = same.order_by_desc(frozen_report::Column::Version).one(&txn).await?;
    let new = NewFrozen {
        kind: FIGURES,
        bulletin: None,
        org,
        street,
        as_of: p.as_of,
        baseline: p.baseline,
        from: p.from,
        title: format!("{}统计报表（统计日 {}，基准日 {}）", p.scope_org.name, p.as_of, p.baseline),
        content: String::new(),
        figures: report.figures.iter().map(FrozenFigure::of).collect(),
        previous: previous.map(|r| (r.id, r.version)),
    };
    let id = insert(app, &txn, actor, new).await?;
    txn.commit().await?;
    Ok(id)
}

/// A frozen report in the list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FrozenRow {
    pub id: FrozenReportId,
    pub kind: &'static str,
    pub title: String,
    pub org_name: String,
    pub as_of: NaiveDate,
    pub version: i32,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
}

impl FrozenRow {
    /// When it was published, Shanghai time.
    pub fn published_text(&self) -> String {
        qingtuan_domain::time::format_local_minute(self.published_at)
    }
}

fn kind_label(kind: &str) -> &'static str {
    if kind == BULLETIN { "工作简报" } else { "统计报表" }
}

/// The frozen reports of the actor's scope published in `year` (the as-of date's), newest first.
pub async fn list(app: &App, actor: &Actor, year: Option<i32>, page: Option<u64>) -> AppResult<Page<FrozenRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = frozen_report::Entity::find().filter(scope::org_condition(actor, READ, frozen_report::Column::OrgId));
    if let Some(y) = year
        && let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(y, 1, 1), NaiveDate::from_ymd_opt(y, 12, 31))
    {
        q = q.filter(frozen_report::Column::AsOf.between(from, to));
    }
    let found = crate::page::fetch(&app.db, q.order_by_desc(frozen_report::Column::Id), page).await?;
    let ids: Vec<i64> = found.items.iter().map(|r| r.org_id).collect();
    let names = crate::tree::names(&app.db, ids).await?;
    let rows = found
        .items
        .iter()
        .map(|r| FrozenRow {
            id: FrozenReportId(r.id),
            kind: kind_label(&r.kind),
            title: r.title.clone(),
            org_name: names.get(&r.org_id).cloned().unwrap_or_default(),
            as_of: r.as_of,
            version: r.version,
            published_by: r.published_by_name.clone(),
            published_at: r.published_at,
        })
        .collect();
    Ok(found.with(rows))
}

/// A figure as published beside today's recomputation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Compared {
    pub name: String,
    pub unit: String,
    pub frozen: FrozenFigure,
    /// Today's value for the same dates (`None`: it cannot be computed now).
    pub now: Option<i64>,
}

impl Compared {
    pub fn differs(&self) -> bool {
        self.frozen.value != self.now
    }
}

/// A change recorded in the scope since publication.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub who: String,
    pub action: String,
    pub object: String,
}

impl Change {
    pub fn at_text(&self) -> String {
        qingtuan_domain::time::format_local_minute(self.at)
    }
}

/// A frozen report opened.
#[derive(Debug, Clone)]
pub struct FrozenView {
    pub row: FrozenRow,
    pub kind_code: String,
    pub org_code: String,
    pub street: Option<String>,
    pub baseline: NaiveDate,
    pub from: Option<NaiveDate>,
    pub bulletin: Option<i64>,
    pub previous: Option<i64>,
    pub digest: String,
    /// The stored content and figures still give the stored digest.
    pub intact: bool,
    pub document: Option<Document>,
    pub figures: Vec<Compared>,
    /// The newest changes in the scope since publication, and how many there are.
    pub changes: Vec<Change>,
    pub changes_total: u64,
}

impl FrozenView {
    pub fn differences(&self) -> usize {
        self.figures.iter().filter(|c| c.differs()).count()
    }

    /// The report of the figures asked `since` a date, as a request.
    pub fn request(&self, since: Option<NaiveDate>) -> ReportRequest {
        super::report_request(&self.org_code, &self.street, [self.row.as_of, self.baseline], since.or(self.from))
    }
}

/// A frozen report with today's recomputation and the changes since (bulletins.read over its
/// org; the recomputation reads figures with the viewer's own permissions).
pub async fn show(app: &App, actor: &Actor, id: FrozenReportId) -> AppResult<FrozenView> {
    let found = frozen_report::Entity::find_by_id(id.0).one(&app.db).await?;
    let org_id = OrgId(found.as_ref().map_or(0, |r| r.org_id));
    scope::require(app, actor, READ, (ObjectKind::FrozenReport, id.to_string()), org_id).await?;
    let r = found.ok_or(AppError::NotFound)?;
    let o = org::Entity::find_by_id(r.org_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let frozen: Vec<FrozenFigure> = serde_json::from_str(&r.figures).unwrap_or_default();
    let mut view = FrozenView {
        row: FrozenRow {
            id: FrozenReportId(r.id),
            kind: kind_label(&r.kind),
            title: r.title.clone(),
            org_name: o.name.clone(),
            as_of: r.as_of,
            version: r.version,
            published_by: r.published_by_name.clone(),
            published_at: r.published_at,
        },
        kind_code: r.kind.clone(),
        org_code: o.code.clone(),
        street: r.street.clone(),
        baseline: r.baseline,
        from: r.from_on,
        bulletin: r.bulletin_id,
        previous: r.previous_id,
        intact: digest(&r) == r.digest,
        digest: r.digest.clone(),
        document: (r.kind == BULLETIN).then(|| serde_json::from_str(&r.content).unwrap_or_default()),
        figures: Vec::new(),
        changes: Vec::new(),
        changes_total: 0,
    };
    let mut periods: Vec<Option<NaiveDate>> = frozen.iter().map(|f| f.since).collect();
    periods.sort_unstable();
    periods.dedup();
    let mut now: HashMap<(Option<NaiveDate>, String), Option<i64>> = HashMap::new();
    for since in periods {
        let report = figures::report(app, actor, &view.request(since)).await?;
        for f in &report.figures {
            now.insert((since, f.indicator.key.to_owned()), f.unavailable.is_none().then_some(f.value));
        }
    }
    view.figures = frozen
        .into_iter()
        .map(|f| {
            let indicator = qingtuan_domain::indicator::find(&f.key);
            Compared {
                name: indicator.map_or_else(|| f.key.clone(), |i| i.name.to_owned()),
                unit: indicator.map_or_else(String::new, |i| i.unit.to_owned()),
                now: now.get(&(f.since, f.key.clone())).copied().flatten(),
                frozen: f,
            }
        })
        .collect();
    // Who changed what is the audit log's: listed to those who may read it, counted for the rest.
    let audit_reader = scope::covers(&app.db, actor, audit::READ, OrgId(r.org_id)).await?;
    (view.changes, view.changes_total) = changes_since(app, OrgId(r.org_id), r.published_at, audit_reader).await?;
    Ok(view)
}

/// The newest changes of data (not logins or views) recorded in the org's subtree after `at`.
async fn changes_since(app: &App, org: OrgId, at: DateTime<Utc>, listed: bool) -> AppResult<(Vec<Change>, u64)> {
    use sea_orm::sea_query::Query;
    let security: Vec<&str> = AuditAction::ALL
        .iter()
        .filter(|a| a.is_security_event() || **a == AuditAction::ReportPublished)
        .map(|a| a.code())
        .collect();
    let subtree = Query::select()
        .column(qingtuan_entity::org_closure::Column::DescendantId)
        .from(qingtuan_entity::org_closure::Entity)
        .and_where(qingtuan_entity::org_closure::Column::AncestorId.eq(org.0))
        .to_owned();
    let q = audit_event::Entity::find()
        .filter(audit_event::Column::ScopeOrgId.in_subquery(subtree))
        .filter(audit_event::Column::OccurredAt.gt(at))
        .filter(audit_event::Column::Action.is_not_in(security));
    let total = q.clone().count(&app.db).await?;
    if !listed {
        return Ok((Vec::new(), total));
    }
    let rows = q.order_by_desc(audit_event::Column::Id).limit(50).all(&app.db).await?;
    let changes = rows
        .into_iter()
        .map(|e| Change {
            at: e.occurred_at,
            who: e.actor_name,
            action: AuditAction::parse(&e.action).map_or(e.action.clone(), |a| a.label().to_owned()),
            object: format!(
                "{}{}",
                ObjectKind::of_code(&e.object_kind).map_or(e.object_kind.as_str(), |k| k.label()),
                e.object_id.map(|id| format!(" {id}")).unwrap_or_default()
            ),
        })
        .collect();
    Ok((changes, total))
}
