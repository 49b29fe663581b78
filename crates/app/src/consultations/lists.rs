//! Cases as the actor may read them: the list (paged in the database) with its counts by category
//! and outcome, its workbook, and one case — its content shown only to its consultant and to case
//! handlers, each showing audited.

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::consultation::{CaseCategory, CaseChannel, CaseOutcome};
use qingtuan_domain::ids::{CaseId, OrgId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::permission::Permission;
use qingtuan_entity::{consultation_case, consultation_followup, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{EXPORT, READ, Standing, WRITE, reach};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::parse_date;
use crate::page::Page;
use crate::{Actor, App};

/// The list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub category: String,
    /// `open`, or an outcome's code.
    pub outcome: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// A case as the list shows it: nothing of what was asked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseRow {
    pub id: CaseId,
    pub opened_on: NaiveDate,
    pub org_name: String,
    pub category: String,
    pub channel: String,
    pub consultant: String,
    pub outcome: String,
    pub closed_on: Option<NaiveDate>,
}

/// A line of the counts: a category, its cases, how they ended, how many are open.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Count {
    pub category: String,
    pub cases: i64,
    pub resolved: i64,
    pub referred: i64,
    pub unresolved: i64,
    pub open: i64,
}

#[derive(Debug, Clone)]
pub struct Cases {
    pub page: Page<CaseRow>,
    pub counts: Vec<Count>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<consultation_case::Entity>> {
    let mut select = consultation_case::Entity::find();
    match (actor.partner_with(permission), actor.user_id()) {
        (Some(_), Some(me)) => select = select.filter(consultation_case::Column::ConsultantId.eq(me.0)),
        _ => {
            scope::require_somewhere(app, actor, permission).await?;
            select = select.filter(scope::org_condition(actor, permission, consultation_case::Column::OrgId));
        }
    }
    if !filter.category.trim().is_empty() {
        select = select.filter(consultation_case::Column::Category.eq(CaseCategory::parse(&filter.category)?.code()));
    }
    match filter.outcome.trim() {
        "" => {}
        "open" => select = select.filter(consultation_case::Column::ClosedOn.is_null()),
        raw => select = select.filter(consultation_case::Column::Outcome.eq(CaseOutcome::parse(raw)?.code())),
    }
    for (raw, field, after) in [(&filter.from, "from", true), (&filter.to, "to", false)] {
        if let Some(d) = parse_date(field, raw).map_err(|e| Invalid(vec![e]))? {
            let col = consultation_case::Column::OpenedOn;
            select = select.filter(if after { col.gte(d) } else { col.lte(d) });
        }
    }
    Ok(select)
}

/// The cases the actor sees (staff: taken by orgs of their scope; a consultant: their own),
/// latest first, paged, with the counts by category and outcome.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Cases> {
    let select = query(app, actor, READ, filter).await?;
    let tallies: Vec<(String, String)> = select
        .clone()
        .select_only()
        .column(consultation_case::Column::Category)
        .column(consultation_case::Column::Outcome)
        .into_tuple()
        .all(&app.db)
        .await?;
    let counts = CaseCategory::ALL
        .iter()
        .map(|cat| {
            let of: Vec<&str> = tallies.iter().filter(|(c, _)| c == cat.code()).map(|(_, o)| o.as_str()).collect();
            let n = |o: &str| of.iter().filter(|x| **x == o).count() as i64;
            Count {
                category: cat.label().to_owned(),
                cases: of.len() as i64,
                resolved: n(CaseOutcome::Resolved.code()),
                referred: n(CaseOutcome::Referred.code()),
                unresolved: n(CaseOutcome::Unresolved.code()),
                open: n(""),
            }
        })
        .collect();
    let mut found = crate::page::fetch(
        &app.db,
        select.order_by_desc(consultation_case::Column::OpenedOn).order_by_desc(consultation_case::Column::Id),
        filter.page,
    )
    .await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(Cases { page: found.with(items), counts })
}

async fn rows(app: &App, found: Vec<consultation_case::Model>) -> AppResult<Vec<CaseRow>> {
    let orgs = crate::tree::names(&app.db, found.iter().map(|c| c.org_id).collect()).await?;
    let people: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(found.iter().filter_map(|c| c.consultant_id)))
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(found
        .into_iter()
        .map(|c| CaseRow {
            id: CaseId(c.id),
            opened_on: c.opened_on,
            org_name: orgs.get(&c.org_id).cloned().unwrap_or_default(),
            category: CaseCategory::parse(&c.category).map(|x| x.label().to_owned()).unwrap_or(c.category.clone()),
            channel: CaseChannel::parse(&c.channel).map(|x| x.label().to_owned()).unwrap_or(c.channel.clone()),
            consultant: c
                .consultant_id
                .and_then(|id| people.iter().find(|(p, _)| *p == id).map(|(_, n)| n.clone()))
                .unwrap_or_else(|| "未指派".into()),
            outcome: CaseOutcome::parse(&c.outcome).map(|o| o.label().to_owned()).unwrap_or_else(|_| "办理中".into()),
            closed_on: c.closed_on,
        })
        .collect())
}

/// The list as a workbook (no content: category, dates, outcome), audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    let found = query(app, actor, EXPORT, filter).await?.order_by_desc(consultation_case::Column::OpenedOn);
    let found = crate::export::rows_of(&app.db, found).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.opened_on.to_string(),
                r.org_name,
                r.category,
                r.channel,
                r.consultant,
                r.outcome,
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["编号", "受理日期", "受理组织", "类别", "渠道", "咨询师", "办理结果", "结案日期"];
    let asked = json!({ "list": "consultations", "category": filter.category, "outcome": filter.outcome });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Case, asked), "咨询个案", &header, rows).await
}

/// A follow-up as its case's handlers see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoteRow {
    pub on_date: NaiveDate,
    pub by: String,
    pub note: String,
}

/// What a case's handlers see besides what everyone sees.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Content {
    /// "匿名" when no name was given.
    pub asker: String,
    pub phone: String,
    pub summary: String,
    pub notes: Vec<NoteRow>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseView {
    pub row: CaseRow,
    /// `None`: not for this viewer.
    pub content: Option<Content>,
    pub closed: bool,
    /// The viewer may give the case to a consultant.
    pub can_assign: bool,
}

/// A case: what everyone with `consultations.read` over its org sees, and — for its handlers — its
/// content (each showing audited).
pub async fn show(app: &App, actor: &Actor, id: CaseId) -> AppResult<CaseView> {
    let (c, standing) = reach(app, actor, READ, id).await?;
    let content = if standing == Standing::Handler {
        let notes = consultation_followup::Entity::find()
            .filter(consultation_followup::Column::CaseId.eq(c.id))
            .order_by_asc(consultation_followup::Column::OnDate)
            .order_by_asc(consultation_followup::Column::Id)
            .all(&app.db)
            .await?
            .into_iter()
            .map(|f| Ok(NoteRow { on_date: f.on_date, by: f.by_name, note: app.keys.decrypt(&f.note_enc)? }))
            .collect::<AppResult<Vec<_>>>()?;
        let entry = Entry::new(AuditAction::CaseViewed, ObjectKind::Case).object(c.id).scope(OrgId(c.org_id));
        audit::record(app.writer(), app.now(), actor, entry).await?;
        Some(Content {
            asker: match &c.asker_name_enc {
                Some(sealed) => app.keys.decrypt(sealed)?,
                None => "匿名".into(),
            },
            phone: match &c.asker_phone_enc {
                Some(sealed) => mask_phone(&app.keys.decrypt(sealed)?),
                None => String::new(),
            },
            summary: app.keys.decrypt(&c.summary_enc)?,
            notes,
        })
    } else {
        None
    };
    let can_assign = actor.partner.is_none() && scope::checked(&app.db, actor, WRITE, OrgId(c.org_id)).await?.is_some();
    let closed = c.closed_on.is_some();
    Ok(CaseView { row: rows(app, vec![c]).await?.remove(0), content, closed, can_assign })
}
