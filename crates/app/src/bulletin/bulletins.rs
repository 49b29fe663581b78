//! Bulletins: created for a scope and dates from a template, previewed with every figure computed
//! and linked, narrative blocks and explanations of declines typed and saved, published (frozen)
//! once every decline is explained, exported as .docx, reopened only as a new version.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{BulletinId, FrozenReportId, OrgId};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{bulletin, frozen_report, org};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::frozen::{self, FrozenFigure, NewFrozen};
use super::render::{self, Document, Inputs, Outcome, TemplateError, Used};
use super::templates::{self, DEFAULT_NAME};
use super::{APPROVE, EXPORT, READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::export::Exported;
use crate::figures::{self, ReportRequest};
use crate::forms::{parse_date, required_date};
use crate::page::Page;
use crate::{Actor, App, AppError};

const DRAFT: &str = "draft";
const PUBLISHED: &str = "published";

/// A bulletin as asked for.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewBulletin {
    /// The code of the org whose subtree it reports on.
    pub scope: String,
    /// A street's region code, or empty.
    pub street: String,
    pub as_of: String,
    pub baseline: String,
    /// The period's start, or empty for the day after the baseline.
    pub from: String,
    /// The template's name, or empty for the default.
    pub template: String,
}

/// Creates a draft (bulletins.write over the scope's org).
pub async fn create(app: &App, actor: &Actor, form: &NewBulletin) -> AppResult<BulletinId> {
    let proof = scope::org_by_code(app, actor, WRITE, &form.scope).await?;
    let today = qingtuan_domain::time::local_date(app.now());
    let mut problems = Vec::new();
    let as_of = required_date("as_of", &form.as_of, "统计日", today).map_err(|e| problems.push(e)).ok();
    let baseline = required_date("baseline", &form.baseline, "基准日", today).map_err(|e| problems.push(e)).ok();
    let from = parse_date("from", &form.from).map_err(|e| problems.push(e)).ok().flatten();
    for (field, d) in [("as_of", as_of), ("baseline", baseline), ("from", from)] {
        if d.is_some_and(|d| !qingtuan_domain::time::reportable(d)) {
            problems.push(FieldError::new(field, "日期超出可统计的范围"));
        }
    }
    if let (Some(a), Some(b)) = (as_of, baseline)
        && b > a
    {
        problems.push(FieldError::new("baseline", "基准日不能晚于统计日"));
    }
    if let (Some(a), Some(f)) = (as_of, from)
        && f > a
    {
        problems.push(FieldError::new("from", "期间起始日不能晚于统计日"));
    }
    let template = Some(form.template.trim()).filter(|t| !t.is_empty() && *t != DEFAULT_NAME);
    if templates::source(app, template).await?.is_none() {
        problems.push(FieldError::new("template", "没有这个模板"));
    }
    let street = Some(form.street.trim()).filter(|s| !s.is_empty());
    if let Some(code) = street
        && crate::registry::regions::find_named(&app.db, code).await?.is_none()
    {
        problems.push(FieldError::new("street", format!("区域代码“{code}”不存在")));
    }
    let (Some(as_of), Some(baseline), true) = (as_of, baseline, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    insert(app, actor, &proof, Draft { street, as_of, baseline, from, template, previous: None }).await
}

/// What a new draft holds besides its org.
struct Draft<'a> {
    street: Option<&'a str>,
    as_of: NaiveDate,
    baseline: NaiveDate,
    from: Option<NaiveDate>,
    template: Option<&'a str>,
    /// The published bulletin it reopens, with its narrative and explanations.
    previous: Option<&'a bulletin::Model>,
}

async fn insert(app: &App, actor: &Actor, proof: &InScope<OrgId>, d: Draft<'_>) -> AppResult<BulletinId> {
    let txn = app.begin().await?;
    let row = bulletin::ActiveModel {
        org_id: Set(proof.get().0),
        street: Set(d.street.map(str::to_owned)),
        as_of: Set(d.as_of),
        baseline: Set(d.baseline),
        from_on: Set(d.from),
        template_name: Set(d.template.map(str::to_owned)),
        title: Set(d.previous.map_or_else(String::new, |p| p.title.clone())),
        blocks: Set(d.previous.map_or_else(|| "{}".to_owned(), |p| p.blocks.clone())),
        explanations: Set(d.previous.map_or_else(|| "{}".to_owned(), |p| p.explanations.clone())),
        state: Set(DRAFT.to_owned()),
        previous_id: Set(d.previous.map(|p| p.id)),
        created_by: Set(actor.user_id().map(|u| u.0)),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "state", "这份简报已重新打开为新版本"))?;
    let entry = Entry::new(AuditAction::BulletinSaved, ObjectKind::Bulletin).object(row.id).within(proof).after(json!({
        "as_of": d.as_of, "baseline": d.baseline, "from": d.from, "template": d.template, "reopens": d.previous.map(|p| p.id),
    }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(BulletinId(row.id))
}

async fn bulletin_of(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    id: BulletinId,
) -> AppResult<(bulletin::Model, InScope<OrgId>)> {
    let found = bulletin::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = OrgId(found.as_ref().map_or(0, |b| b.org_id));
    let proof = scope::require(app, actor, permission, (ObjectKind::Bulletin, id.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, proof))
}

/// A figure of the bulletin that declined: what it reads, and the explanation typed for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Decline {
    /// The key the explanation is saved under (the figure's, with its period when not the
    /// bulletin's).
    pub id: String,
    pub name: String,
    pub reads: String,
    pub explanation: String,
}

/// A bulletin as its page shows it.
#[derive(Debug, Clone)]
pub struct BulletinView {
    pub id: BulletinId,
    pub org_code: String,
    pub org_name: String,
    pub street: Option<String>,
    pub as_of: NaiveDate,
    pub baseline: NaiveDate,
    pub from: Option<NaiveDate>,
    pub template: String,
    pub published: bool,
    pub previous: Option<BulletinId>,
    /// The document: as published (frozen), or as the template renders today.
    pub document: Result<Document, TemplateError>,
    /// The narrative blocks the template asks for, with what was typed.
    pub narrative: Vec<(String, String)>,
    pub declines: Vec<Decline>,
    pub frozen: Option<FrozenReportId>,
    pub can_write: bool,
    pub can_publish: bool,
}

impl BulletinView {
    /// The report the bulletin's figures are for (the period of a figure asked `since` a date
    /// starts there), as a request.
    pub fn request(&self, since: Option<NaiveDate>) -> ReportRequest {
        super::report_request(&self.org_code, &self.street, [self.as_of, self.baseline], since.or(self.from))
    }

    /// The declines still without an explanation.
    pub fn unexplained(&self) -> Vec<&Decline> {
        self.declines.iter().filter(|d| d.explanation.trim().is_empty()).collect()
    }
}

fn text_map(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The key an explanation of a used figure is saved under.
fn decline_id(u: &Used) -> String {
    match u.since {
        Some(since) => format!("{}@{since}", u.key),
        None => u.key.clone(),
    }
}

pub async fn show(app: &App, actor: &Actor, id: BulletinId) -> AppResult<BulletinView> {
    let (b, _) = bulletin_of(app, actor, READ, id).await?;
    view(app, actor, b).await
}

async fn view(app: &App, actor: &Actor, b: bulletin::Model) -> AppResult<BulletinView> {
    let o = org::Entity::find_by_id(b.org_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let published = b.state == PUBLISHED;
    let frozen_row = frozen_report::Entity::find()
        .filter(frozen_report::Column::BulletinId.eq(b.id))
        .order_by_desc(frozen_report::Column::Id)
        .one(&app.db)
        .await?;
    let document = match (&frozen_row, published) {
        (Some(f), true) => Ok(serde_json::from_str(&f.content).unwrap_or_default()),
        _ => compose(app, actor, &b, &o).await?,
    };
    let typed = text_map(&b.blocks);
    let explanations = text_map(&b.explanations);
    let (narrative, declines) = match &document {
        Ok(doc) => (
            doc.narrative.iter().map(|n| (n.clone(), typed.get(n).cloned().unwrap_or_default())).collect(),
            declines(doc, &explanations),
        ),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let org_id = OrgId(o.id);
    Ok(BulletinView {
        id: BulletinId(b.id),
        org_code: o.code.clone(),
        org_name: o.name.clone(),
        street: b.street.clone(),
        as_of: b.as_of,
        baseline: b.baseline,
        from: b.from_on,
        template: b.template_name.clone().unwrap_or_else(|| DEFAULT_NAME.to_owned()),
        published,
        previous: b.previous_id.map(BulletinId),
        document,
        narrative,
        declines,
        frozen: frozen_row.map(|f| FrozenReportId(f.id)),
        can_write: scope::covers(&app.db, actor, WRITE, org_id).await?,
        can_publish: scope::covers(&app.db, actor, APPROVE, org_id).await?,
    })
}

/// The used figures that declined, with their explanations.
fn declines(doc: &Document, explanations: &HashMap<String, String>) -> Vec<Decline> {
    let mut out: Vec<Decline> = Vec::new();
    for u in doc.figures.iter().filter(|u| u.delta.is_some_and(|d| d < 0)) {
        let id = decline_id(u);
        if out.iter().any(|d| d.id == id) {
            continue;
        }
        let name = qingtuan_domain::indicator::find(&u.key).map_or_else(|| u.key.clone(), |i| i.name.to_owned());
        let reads = format!("{} → {}", u.baseline_value.unwrap_or(0), u.value);
        let explanation = explanations.get(&id).cloned().unwrap_or_default();
        out.push(Decline { id, name, reads, explanation });
    }
    out
}

/// The bulletin's template rendered over its figures: each period the template asks for is a
/// report of the figures engine, read with the actor's own permissions.
async fn compose(
    app: &App,
    actor: &Actor,
    b: &bulletin::Model,
    o: &org::Model,
) -> AppResult<Result<Document, TemplateError>> {
    let Some((source, _)) = templates::source(app, b.template_name.as_deref()).await? else {
        return Ok(Err(TemplateError { line: None, reason: "模板已不存在".into() }));
    };
    let mut inputs = Inputs {
        scope: o.name.clone(),
        as_of: Some(b.as_of),
        baseline: Some(b.baseline),
        from: b.from_on,
        narrative: text_map(&b.blocks),
        ..Inputs::default()
    };
    let request = |since: Option<NaiveDate>| {
        super::report_request(&o.code, &b.street, [b.as_of, b.baseline], since.or(b.from_on))
    };
    let main = figures::report(app, actor, &request(None)).await?;
    inputs.projects = main.details.projects.clone();
    inputs.figures.insert(None, main.figures.clone());
    // Each period the template asks for is computed when it asks; a few rounds at most.
    for _ in 0..4 {
        match render::render(&source, &inputs) {
            Err(e) => return Ok(Err(e)),
            Ok(Outcome::Done(doc)) => return Ok(Ok(doc)),
            // Each period is a report: a template asks for a few, never dozens.
            Ok(Outcome::Needs(periods)) if inputs.figures.len() + periods.len() > MAX_PERIODS => break,
            Ok(Outcome::Needs(periods)) => {
                for since in periods {
                    if since > b.as_of {
                        return Ok(Err(TemplateError { line: None, reason: format!("since={since} 晚于统计日") }));
                    }
                    let r = figures::report(app, actor, &request(Some(since))).await?;
                    inputs.figures.insert(Some(since), r.figures.clone());
                }
            }
        }
    }
    Ok(Err(TemplateError {
        line: None, reason: format!("模板要求的统计期过多（最多 {MAX_PERIODS} 个）")
    }))
}

/// The most periods (reports) one bulletin's figures are taken from.
const MAX_PERIODS: usize = 8;

/// The narrative blocks and the explanations of declines, as typed (`block:NAME`, `why:ID`).
pub type Texts = HashMap<String, String>;

/// Saves what was typed beside the figures (bulletins.write, drafts only).
pub async fn save_texts(app: &App, actor: &Actor, id: BulletinId, form: &Texts) -> AppResult<()> {
    let (b, proof) = bulletin_of(app, actor, WRITE, id).await?;
    if b.state != DRAFT {
        return Err(Invalid::one("state", "已发布的简报不能修改，请“重新打开为新版本”").into());
    }
    let mut blocks = text_map(&b.blocks);
    let mut explanations = text_map(&b.explanations);
    let typed: Vec<(&String, String)> = form
        .iter()
        .filter(|(field, _)| field.starts_with("block:") || field.starts_with("why:"))
        // Plain text: no control characters but line breaks (they would break the .docx).
        .map(|(field, text)| (field, text.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect()))
        .collect();
    let too_long = |t: &String| t.chars().count() > 2000;
    if typed.iter().any(|(field, text)| field.chars().count() > 100 || too_long(text)) {
        return Err(Invalid::one("texts", "每段文字最多 2000 字").into());
    }
    for (field, text) in &typed {
        if let Some(name) = field.strip_prefix("block:") {
            blocks.insert(name.to_owned(), text.clone());
        } else if let Some(key) = field.strip_prefix("why:") {
            explanations.insert(key.to_owned(), text.clone());
        }
    }
    // Kept with the bulletin: at most 200 texts in all, however many saves bring them.
    if blocks.len() + explanations.len() > 200 {
        return Err(Invalid::one("texts", "文字段落过多").into());
    }
    let txn = app.begin().await?;
    bulletin::Entity::update_many()
        .col_expr(bulletin::Column::Blocks, Expr::value(json!(blocks).to_string()))
        .col_expr(bulletin::Column::Explanations, Expr::value(json!(explanations).to_string()))
        .filter(bulletin::Column::Id.eq(b.id))
        .filter(bulletin::Column::State.eq(DRAFT))
        .exec(&txn)
        .await?;
    let entry = Entry::new(AuditAction::BulletinSaved, ObjectKind::Bulletin)
        .object(b.id)
        .within(&proof)
        // What this save typed, not everything kept.
        .after(json!({ "typed": typed.iter().map(|(field, text)| json!({ "field": field, "text": text })).collect::<Vec<_>>() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Publishes a draft (bulletins.approve): renders it once more, refuses while a declining figure
/// has no explanation, and freezes the document and its figures.
pub async fn publish(app: &App, actor: &Actor, id: BulletinId) -> AppResult<FrozenReportId> {
    let (b, proof) = bulletin_of(app, actor, APPROVE, id).await?;
    if b.state != DRAFT {
        return Err(Invalid::one("state", "这份简报已经发布").into());
    }
    let v = view(app, actor, b.clone()).await?;
    let doc = v.document.clone().map_err(|e| Invalid::one("template", e.to_string()))?;
    let unexplained: Vec<String> = v.unexplained().iter().map(|d| d.name.clone()).collect();
    if !unexplained.is_empty() {
        let names = unexplained.join("、");
        return Err(Invalid::one("explanations", format!("以下数字较基准下降，请先填写说明再发布：{names}")).into());
    }
    let previous = match b.previous_id {
        Some(prev) => {
            frozen_report::Entity::find()
                .filter(frozen_report::Column::BulletinId.eq(prev))
                .order_by_desc(frozen_report::Column::Id)
                .one(&app.db)
                .await?
        }
        None => None,
    };
    let figures: Vec<FrozenFigure> = doc.figures.iter().map(FrozenFigure::used).collect();
    let new = NewFrozen {
        kind: frozen::BULLETIN,
        bulletin: Some(b.id),
        org: proof,
        street: b.street.clone(),
        as_of: b.as_of,
        baseline: b.baseline,
        from: b.from_on,
        title: doc.title(),
        content: serde_json::to_string(&doc).map_err(|e| AppError::Internal(e.to_string()))?,
        figures,
        previous: previous.map(|p| (p.id, p.version)),
    };
    let txn = app.begin().await?;
    // One publication, however many press the button at once.
    let claimed = bulletin::Entity::update_many()
        .col_expr(bulletin::Column::State, Expr::value(PUBLISHED))
        .col_expr(bulletin::Column::Title, Expr::value(doc.title().chars().take(200).collect::<String>()))
        .filter(bulletin::Column::Id.eq(b.id))
        .filter(bulletin::Column::State.eq(DRAFT))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Invalid::one("state", "这份简报已经发布").into());
    }
    let frozen = frozen::insert(app, &txn, actor, new).await?;
    txn.commit().await?;
    Ok(frozen)
}

/// Reopens a published bulletin as a new draft version (bulletins.write); publishing it freezes
/// the next version of the report.
pub async fn reopen(app: &App, actor: &Actor, id: BulletinId) -> AppResult<BulletinId> {
    let (b, proof) = bulletin_of(app, actor, WRITE, id).await?;
    if b.state != PUBLISHED {
        return Err(Invalid::one("state", "草稿可以直接修改，无需重新打开").into());
    }
    let newer = bulletin::Entity::find().filter(bulletin::Column::PreviousId.eq(b.id)).one(&app.db).await?;
    if let Some(n) = newer {
        return Err(Invalid::one("state", format!("这份简报已重新打开为简报 {}，请在那份上修改", n.id)).into());
    }
    let draft = Draft {
        street: b.street.as_deref(),
        as_of: b.as_of,
        baseline: b.baseline,
        from: b.from_on,
        template: b.template_name.as_deref(),
        previous: Some(&b),
    };
    insert(app, actor, &proof, draft).await
}

/// A bulletin in the list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BulletinRow {
    pub id: BulletinId,
    pub title: String,
    pub org_name: String,
    pub as_of: NaiveDate,
    pub published: bool,
    pub created_at: DateTime<Utc>,
}

impl BulletinRow {
    pub fn created_text(&self) -> String {
        qingtuan_domain::time::format_local_minute(self.created_at)
    }
}

/// Filters of the list.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct BulletinFilter {
    /// The as-of date's year, or empty.
    pub year: String,
    /// `draft`, `published` or empty.
    pub state: String,
    pub page: Option<u64>,
}

/// The bulletins of the actor's scope, newest first.
pub async fn list(app: &App, actor: &Actor, f: &BulletinFilter) -> AppResult<Page<BulletinRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = bulletin::Entity::find().filter(scope::org_condition(actor, READ, bulletin::Column::OrgId));
    if let Ok(year) = f.year.trim().parse::<i32>() {
        let (from, to) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31));
        if let (Some(from), Some(to)) = (from, to) {
            q = q.filter(bulletin::Column::AsOf.between(from, to));
        }
    }
    if matches!(f.state.as_str(), DRAFT | PUBLISHED) {
        q = q.filter(bulletin::Column::State.eq(f.state.clone()));
    }
    let found = crate::page::fetch(&app.db, q.order_by_desc(bulletin::Column::Id), f.page).await?;
    let ids: Vec<i64> = found.items.iter().map(|b| b.org_id).collect();
    let names = crate::tree::names(&app.db, ids).await?;
    let rows = found
        .items
        .iter()
        .map(|b| BulletinRow {
            id: BulletinId(b.id),
            title: if b.title.is_empty() { "（草稿）".to_owned() } else { b.title.clone() },
            org_name: names.get(&b.org_id).cloned().unwrap_or_default(),
            as_of: b.as_of,
            published: b.state == PUBLISHED,
            created_at: b.created_at,
        })
        .collect();
    Ok(found.with(rows))
}

/// The bulletin as a .docx document (bulletins.export; audited).
pub async fn docx(app: &App, actor: &Actor, id: BulletinId) -> AppResult<(String, Vec<u8>)> {
    let (b, proof) = bulletin_of(app, actor, EXPORT, id).await?;
    let v = view(app, actor, b).await?;
    let doc = v.document.map_err(|e| Invalid::one("template", e.to_string()))?;
    let bytes = super::docx::document(&doc)?;
    let asked = json!({ "bulletin": id.0, "published": v.published });
    crate::export::record(app, actor, Exported::of(ObjectKind::Bulletin, asked).within(proof.get()), doc.blocks.len())
        .await?;
    Ok((format!("bulletin-{}-{}.docx", id.0, v.as_of), bytes))
}
