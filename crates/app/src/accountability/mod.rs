//! Holding orgs to account (C3): responsibility letters (责任状), duty-report reviews of
//! secretaries (述职评议, `reviews`), mutual inspections with their rectification items
//! (`inspections`), and the published assessment that ranks them all (通报考核, `assessments`). Each year an org signs a letter
//! with the org above it (the issuer, which assesses it): targets with weights, each an indicator
//! of the catalogue with a value to reach — measured live by the figures engine for the signer's
//! subtree, never typed — or a qualitative item the issuer scores. The signed copy is attached.
//!
//! Who may do what: the issuer's staff write the letter and its targets (`accountability.write`
//! over the issuer) and score the qualitative items (`accountability.approve` over the issuer);
//! the signer's staff read it (`accountability.read` over the signer). Outside the scope a letter
//! does not exist (404).

mod assessments;
mod documents;
mod inspections;
mod letters;
mod reviews;

pub use assessments::*;
pub use documents::*;
pub use inspections::*;
pub use letters::*;
pub use reviews::*;

use chrono::NaiveDate;
use qingtuan_domain::accountability::percent;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::ids::{LetterId, OrgId, TargetId};
use qingtuan_domain::indicator;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_entity::{letter_document, letter_target, responsibility_letter as letter};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::figures::{self, Progress, Target};
use crate::page::Page;
use crate::{Actor, App, AppError};

pub const READ: Permission = Permission::new(Module::Accountability, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Accountability, Action::Write);
pub const APPROVE: Permission = Permission::new(Module::Accountability, Action::Approve);
pub const EXPORT: Permission = Permission::new(Module::Accountability, Action::Export);

/// A letter as lists show it, with its completion measured now.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LetterRow {
    pub id: LetterId,
    pub year: i32,
    pub title: String,
    pub org_code: String,
    pub org_name: String,
    pub issuer_name: String,
    pub signed_on: NaiveDate,
    pub targets: usize,
    /// From 0 to 1: the targets' completions weighted.
    pub completion: f64,
    /// Qualitative targets not scored yet (they count 0 until they are).
    pub unjudged: usize,
    pub has_document: bool,
}

impl LetterRow {
    pub fn completion_text(&self) -> String {
        percent(self.completion)
    }

    /// The width of the progress bar, in whole per cent.
    pub fn bar(&self) -> i64 {
        (self.completion * 100.0).round() as i64
    }
}

/// The letters list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub year: String,
    /// An org's code: its letters and those of the orgs below it.
    pub org: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The date progress is measured and rectification judged on: the stored report date, else today
/// (as the dashboard).
async fn measured_on(app: &App) -> AppResult<NaiveDate> {
    Ok(figures::default_dates(app).await?.0)
}

/// The letters in the actor's scope, newest year first, paged, each with its completion.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<(Page<LetterRow>, NaiveDate)> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(app, actor, READ, filter).await?, filter.page).await?;
    let on = measured_on(app).await?;
    let items = rows(app, std::mem::take(&mut found.items), on).await?;
    Ok((found.with(items), on))
}

/// An org's own letters (as the signer), if the actor may read them; none otherwise.
pub async fn of_org(app: &App, actor: &Actor, id: OrgId) -> AppResult<Vec<LetterRow>> {
    if !scope::covers(&app.db, actor, READ, id).await? {
        return Ok(Vec::new());
    }
    let letters = letter::Entity::find()
        .filter(letter::Column::OrgId.eq(id.0))
        .order_by_desc(letter::Column::Year)
        .all(&app.db)
        .await?;
    rows(app, letters, measured_on(app).await?).await
}

/// The letters list as a workbook (every page), audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let letters = crate::export::rows_of(&app.db, query(app, actor, EXPORT, filter).await?).await?;
    let on = measured_on(app).await?;
    let rows: Vec<Vec<String>> = rows(app, letters, on)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.year.to_string(),
                r.org_code,
                r.org_name,
                r.issuer_name,
                r.title,
                r.signed_on.to_string(),
                r.targets.to_string(),
                percent(r.completion),
                r.unjudged.to_string(),
                if r.has_document { "有".into() } else { "无".into() },
            ]
        })
        .collect();
    let header =
        ["年度", "责任单位代码", "责任单位", "考核单位", "标题", "签订日期", "目标数", "完成率", "待评定", "签字文本"];
    let asked = serde_json::json!({ "list": "letters", "year": filter.year, "org": filter.org, "measured_on": on });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Letter, asked), "责任状", &header, rows).await
}

/// The letters the actor holds `permission` over, filtered, in list order.
async fn query(
    app: &App,
    actor: &Actor,
    permission: Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<letter::Entity>> {
    let mut q = letter::Entity::find().filter(scope::org_condition(actor, permission, letter::Column::OrgId));
    if !filter.year.trim().is_empty() {
        let year: i32 =
            filter.year.trim().parse().map_err(|_| qingtuan_domain::Invalid::one("year", "年度应为四位数字"))?;
        q = q.filter(letter::Column::Year.eq(year));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(letter::Column::OrgId.in_subquery(below));
    }
    Ok(q.order_by_desc(letter::Column::Year).order_by_asc(letter::Column::SignedOn).order_by_asc(letter::Column::Id))
}

/// Rows for these letters: names, targets and completion measured on `on`.
async fn rows(app: &App, letters: Vec<letter::Model>, on: NaiveDate) -> AppResult<Vec<LetterRow>> {
    Ok(measured(app, letters, on).await?.into_iter().map(|(row, _)| row).collect())
}

/// The rows for these letters, each with its targets and their progress on `on` — measured once.
async fn measured(
    app: &App,
    letters: Vec<letter::Model>,
    on: NaiveDate,
) -> AppResult<Vec<(LetterRow, Vec<(letter_target::Model, Progress)>)>> {
    let ids: Vec<i64> = letters.iter().map(|l| l.id).collect();
    let org_ids: Vec<i64> = letters.iter().flat_map(|l| [l.org_id, l.issuer_id]).collect();
    let orgs = qingtuan_entity::org::Entity::find()
        .filter(qingtuan_entity::org::Column::Id.is_in(org_ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect::<std::collections::HashMap<_, _>>();
    let mut targets = targets_of(app, ids.clone()).await?;
    let documents: Vec<i64> = letter_document::Entity::find()
        .select_only()
        .column(letter_document::Column::LetterId)
        .filter(letter_document::Column::LetterId.is_in(ids))
        .into_tuple()
        .all(&app.db)
        .await?;
    let mut out = Vec::with_capacity(letters.len());
    for l in letters {
        let stored = targets.remove(&l.id).unwrap_or_default();
        let measured: Vec<Target> = stored.iter().map(|t| figures::target_of(t, OrgId(l.org_id))).collect();
        let (completion, progress) = figures::letter_completion(app, &measured, on).await?;
        let org = orgs.get(&l.org_id);
        let row = LetterRow {
            id: LetterId(l.id),
            year: l.year,
            org_code: org.map(|o| o.code.clone()).unwrap_or_default(),
            org_name: org.map(|o| o.name.clone()).unwrap_or_default(),
            issuer_name: orgs.get(&l.issuer_id).map(|o| o.name.clone()).unwrap_or_default(),
            signed_on: l.signed_on,
            targets: stored.len(),
            completion,
            unjudged: stored.iter().filter(|t| t.indicator_key.is_none() && t.judged_score.is_none()).count(),
            has_document: documents.contains(&l.id),
            title: l.title,
        };
        out.push((row, stored.into_iter().zip(progress).collect()));
    }
    Ok(out)
}

/// The targets of these letters, in the order they were set.
async fn targets_of(
    app: &App,
    letters: Vec<i64>,
) -> AppResult<std::collections::HashMap<i64, Vec<letter_target::Model>>> {
    let mut out: std::collections::HashMap<i64, Vec<letter_target::Model>> = std::collections::HashMap::new();
    for t in letter_target::Entity::find()
        .filter(letter_target::Column::LetterId.is_in(letters))
        .order_by_asc(letter_target::Column::Id)
        .all(&app.db)
        .await?
    {
        out.entry(t.letter_id).or_default().push(t);
    }
    Ok(out)
}

/// One target on a letter's page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetView {
    pub id: TargetId,
    pub description: String,
    /// Scored by the issuer rather than counted.
    pub qualitative: bool,
    /// The indicator's name and unit (quantitative targets whose indicator is in the catalogue).
    pub indicator: Option<(String, String)>,
    pub target_value: Option<i64>,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub weight: i32,
    pub progress: Progress,
    pub score: Option<i32>,
    pub judged_note: String,
}

impl TargetView {
    pub fn completion_text(&self) -> String {
        percent(self.progress.completion)
    }

    pub fn bar(&self) -> i64 {
        (self.progress.completion * 100.0).round() as i64
    }
}

/// A letter's page: the letter, its targets with their progress, and what the viewer may do.
#[derive(Debug, Clone)]
pub struct LetterDetail {
    pub letter: LetterRow,
    pub targets: Vec<TargetView>,
    pub measured_on: NaiveDate,
    pub document: Option<DocumentInfo>,
    /// The viewer may set targets and attach the signed copy (write over the issuer).
    pub can_write: bool,
    /// The viewer may score qualitative targets (approve over the issuer).
    pub can_judge: bool,
}

/// A letter with its targets, if the actor may read it (404 otherwise).
pub async fn detail(app: &App, actor: &Actor, id: LetterId) -> AppResult<LetterDetail> {
    let l = letter::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Letter, id.to_string()), OrgId(l.org_id)).await?;
    let issuer = OrgId(l.issuer_id);
    let can_write = scope::covers(&app.db, actor, WRITE, issuer).await?;
    let can_judge = scope::covers(&app.db, actor, APPROVE, issuer).await?;
    let on = measured_on(app).await?;
    let (letter, targets) = measured(app, vec![l], on).await?.pop().ok_or(AppError::NotFound)?;
    let targets = targets
        .into_iter()
        .map(|(t, progress)| TargetView {
            id: TargetId(t.id),
            qualitative: t.indicator_key.is_none(),
            indicator: t.indicator_key.as_deref().and_then(indicator::find).map(|i| (i.name.into(), i.unit.into())),
            target_value: t.target_value,
            starts_on: t.starts_on,
            due_on: t.due_on,
            weight: t.weight,
            progress,
            score: t.judged_score,
            judged_note: t.judged_note,
            description: t.description,
        })
        .collect();
    let document = document_info(app, id).await?;
    Ok(LetterDetail { letter, targets, measured_on: on, document, can_write, can_judge })
}

/// The indicators a target may name, for the form's drop-down: (key, name, unit).
pub fn target_indicators() -> Vec<(&'static str, &'static str, &'static str)> {
    indicator::CATALOGUE.iter().filter(|i| figures::measurable(i)).map(|i| (i.key, i.name, i.unit)).collect()
}
