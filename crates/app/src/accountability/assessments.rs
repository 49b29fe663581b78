//! The published assessment (通报考核): for a year, an assessing org ranks the orgs it holds to
//! account — those that signed that year's letter with it and those that reported in its
//! concluded duty-report reviews of the year — by a weighted total of their letter's completion,
//! their review score and their inspections' score (the share of the checklist's maximum). The
//! assessor's staff preview it live; publishing freezes it (who, when, the figures as they were);
//! its page then shows, beside each frozen line, what the records say now.
//!
//! The assessor's staff preview and publish (`accountability.approve` over the assessor); a
//! published assessment is read by the assessor's staff and by every assessed org's staff (a
//! 通报 is published to those it ranks).

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::accountability::{AssessmentWeights, assessment_grade, ranks, year_span};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{AssessmentId, OrgId};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{
    assessment, assessment_row, inspection, inspection_item, org, responsibility_letter as letter,
    review_reporter as reporter, review_round as round,
};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{APPROVE, EXPORT, READ};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::page::Page;
use crate::{Actor, App, AppError};

/// An assessment as asked for: the assessor, the year, the weights (as typed).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AssessmentForm {
    pub org_code: String,
    pub year: String,
    /// Empty: "{year}年度基层团建工作考核通报".
    pub title: String,
    pub letter_weight: String,
    pub review_weight: String,
    pub inspection_weight: String,
}

impl Default for AssessmentForm {
    fn default() -> Self {
        let w = AssessmentWeights::DEFAULT;
        Self {
            org_code: String::new(),
            year: String::new(),
            title: String::new(),
            letter_weight: w.letter.to_string(),
            review_weight: w.review.to_string(),
            inspection_weight: w.inspection.to_string(),
        }
    }
}

/// One assessed org's line: its parts and total out of 100, its rank and grade.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssessmentLine {
    pub org_id: OrgId,
    pub org_code: String,
    pub org_name: String,
    pub letter: Option<f64>,
    pub review: Option<f64>,
    pub inspection: Option<f64>,
    pub total: f64,
    pub rank: usize,
    pub grade: String,
}

/// A score as shown: one decimal, or "—" for a part the org does not have.
pub fn shown(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

impl AssessmentLine {
    pub fn letter_text(&self) -> String {
        shown(self.letter)
    }
    pub fn review_text(&self) -> String {
        shown(self.review)
    }
    pub fn inspection_text(&self) -> String {
        shown(self.inspection)
    }
    pub fn total_text(&self) -> String {
        shown(Some(self.total))
    }
}

/// What a form asks for, checked: the assessor (approve over it), the year, the weights, the title.
struct Asked {
    assessor: scope::InScope<OrgId>,
    year: i32,
    weights: AssessmentWeights,
    title: String,
}

async fn asked(app: &App, actor: &Actor, form: &AssessmentForm) -> AppResult<Asked> {
    let assessor = scope::org_by_code(app, actor, APPROVE, &form.org_code).await?;
    let mut problems: Vec<FieldError> = Vec::new();
    let year = match form.year.trim().parse::<i32>() {
        Ok(y) if (2000..=9999).contains(&y) => Some(y),
        _ => {
            problems.push(FieldError::new("year", "年度应为四位数字"));
            None
        }
    };
    let weights = AssessmentWeights::parse(&form.letter_weight, &form.review_weight, &form.inspection_weight)
        .map_err(|e| problems.extend(e.0))
        .ok();
    let title = match form.title.trim() {
        "" => year.map(|y| format!("{y}年度基层团建工作考核通报")).unwrap_or_default(),
        t if t.chars().count() > 200 => {
            problems.push(FieldError::new("title", "标题不超过 200 个字"));
            String::new()
        }
        t => t.to_owned(),
    };
    match (year, weights) {
        (Some(year), Some(weights)) if problems.is_empty() => Ok(Asked { assessor, year, weights, title }),
        _ => Err(Invalid(problems).into()),
    }
}

/// The lines of an assessment as the records stand, letters measured on `on`, ranked.
async fn compute(
    app: &App,
    assessor: OrgId,
    year: i32,
    weights: AssessmentWeights,
    on: NaiveDate,
) -> AppResult<Vec<AssessmentLine>> {
    // The letters the assessor issued for the year, each measured.
    let letters = letter::Entity::find()
        .filter(letter::Column::IssuerId.eq(assessor.0))
        .filter(letter::Column::Year.eq(year))
        .all(&app.db)
        .await?;
    let signers: Vec<i64> = letters.iter().map(|l| l.org_id).collect();
    let mut letter_part: HashMap<i64, f64> = HashMap::new();
    for (org_id, (row, _)) in signers.iter().zip(super::measured(app, letters, on).await?) {
        letter_part.insert(*org_id, row.completion * 100.0);
    }
    // The reporters of its concluded reviews of the year (the mean, if one reported twice).
    let rounds = Query::select()
        .column(round::Column::Id)
        .from(round::Entity)
        .and_where(round::Column::OrgId.eq(assessor.0))
        .and_where(round::Column::Year.eq(year))
        .and_where(round::Column::ConcludedAt.is_not_null())
        .take();
    let mut reviewed: HashMap<i64, Vec<f64>> = HashMap::new();
    for r in reporter::Entity::find().filter(reporter::Column::RoundId.in_subquery(rounds)).all(&app.db).await? {
        if let Some(t) = r.score_tenths {
            reviewed.entry(r.org_id).or_default().push(f64::from(t) / 10.0);
        }
    }
    let review_part: HashMap<i64, f64> =
        reviewed.into_iter().map(|(o, s)| (o, s.iter().sum::<f64>() / s.len() as f64)).collect();
    // Their inspections held in the year: the score as a share of the checklist's maximum.
    let mut assessed: Vec<i64> = letter_part.keys().chain(review_part.keys()).copied().collect();
    assessed.sort_unstable();
    assessed.dedup();
    let (from, to) = year_span(year).ok_or_else(|| Invalid::one("year", "年度无效"))?;
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::OrgId.is_in(assessed.clone()))
        .filter(inspection::Column::HeldOn.between(from, to))
        .all(&app.db)
        .await?;
    let host: HashMap<i64, i64> = inspections.iter().map(|i| (i.id, i.org_id)).collect();
    let mut scored: HashMap<i64, (i64, i64)> = HashMap::new();
    for item in inspection_item::Entity::find()
        .filter(inspection_item::Column::InspectionId.is_in(host.keys().copied()))
        .all(&app.db)
        .await?
    {
        if let Some(org) = host.get(&item.inspection_id) {
            let e = scored.entry(*org).or_default();
            *e = (e.0 + i64::from(item.score), e.1 + i64::from(item.max_score));
        }
    }
    let inspection_part: HashMap<i64, f64> = scored
        .into_iter()
        .filter(|(_, (_, max))| *max > 0)
        .map(|(o, (score, max))| (o, score as f64 * 100.0 / max as f64))
        .collect();
    let orgs: HashMap<i64, org::Model> = org::Entity::find()
        .filter(org::Column::Id.is_in(assessed.clone()))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut lines: Vec<AssessmentLine> = assessed
        .into_iter()
        .filter_map(|id| {
            let (l, r, i) =
                (letter_part.get(&id).copied(), review_part.get(&id).copied(), inspection_part.get(&id).copied());
            let total = weights.total(l, r, i)?;
            let o = orgs.get(&id)?;
            Some(AssessmentLine {
                org_id: OrgId(id),
                org_code: o.code.clone(),
                org_name: o.name.clone(),
                letter: l,
                review: r,
                inspection: i,
                total,
                rank: 0,
                grade: assessment_grade(total).into(),
            })
        })
        .collect();
    let totals: Vec<f64> = lines.iter().map(|l| l.total).collect();
    for (line, rank) in lines.iter_mut().zip(ranks(&totals)) {
        line.rank = rank;
    }
    lines.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.org_code.cmp(&b.org_code)));
    Ok(lines)
}

/// An assessment computed now, not saved: the lines and the date letters were measured on.
pub async fn preview(app: &App, actor: &Actor, form: &AssessmentForm) -> AppResult<(Vec<AssessmentLine>, NaiveDate)> {
    let a = asked(app, actor, form).await?;
    let on = super::measured_on(app).await?;
    Ok((compute(app, a.assessor.get(), a.year, a.weights, on).await?, on))
}

/// Publishes an assessment: its lines as computed now are kept, frozen; one per assessor and year.
pub async fn publish(app: &App, actor: &Actor, form: &AssessmentForm) -> AppResult<AssessmentId> {
    let a = asked(app, actor, form).await?;
    let assessor = a.assessor.get();
    let on = super::measured_on(app).await?;
    let lines = compute(app, assessor, a.year, a.weights, on).await?;
    if lines.is_empty() {
        return Err(Invalid::one(
            "year",
            format!("{} 年度没有可考核的组织（未签订责任状，也没有已公布的述职评议）", a.year),
        )
        .into());
    }
    let taken = assessment::Entity::find()
        .filter(assessment::Column::OrgId.eq(assessor.0))
        .filter(assessment::Column::Year.eq(a.year))
        .count(&app.db)
        .await?;
    let duplicate = format!("{} 年度的考核通报已经发布", a.year);
    if taken > 0 {
        return Err(Invalid::one("year", duplicate).into());
    }
    let tenths = |v: f64| (v * 10.0).round() as i32;
    let txn = app.begin().await?;
    let row = assessment::ActiveModel {
        org_id: Set(assessor.0),
        year: Set(a.year),
        title: Set(a.title.clone()),
        letter_weight: Set(a.weights.letter),
        review_weight: Set(a.weights.review),
        inspection_weight: Set(a.weights.inspection),
        measured_on: Set(on),
        published_at: Set(app.now()),
        published_by: Set(actor.display_name().chars().take(100).collect()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "year", &duplicate))?;
    for l in &lines {
        assessment_row::ActiveModel {
            assessment_id: Set(row.id),
            org_id: Set(l.org_id.0),
            letter_tenths: Set(l.letter.map(tenths)),
            review_tenths: Set(l.review.map(tenths)),
            inspection_tenths: Set(l.inspection.map(tenths)),
            total_tenths: Set(tenths(l.total)),
            rank: Set(i32::try_from(l.rank).unwrap_or(i32::MAX)),
            grade: Set(l.grade.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let published: Vec<_> = lines
        .iter()
        .map(|l| json!({ "org": l.org_code, "total": l.total_text(), "rank": l.rank, "grade": l.grade }))
        .collect();
    let entry = Entry::new(AuditAction::AssessmentPublished, ObjectKind::Assessment)
        .object(row.id)
        .within(&a.assessor)
        .after(json!({
            "year": a.year, "title": a.title, "measured_on": on,
            "weights": [a.weights.letter, a.weights.review, a.weights.inspection], "lines": published,
        }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(AssessmentId(row.id))
}

/// A published assessment as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AssessmentRow {
    pub id: AssessmentId,
    pub org_name: String,
    pub year: i32,
    pub title: String,
    pub weights: AssessmentWeights,
    pub measured_on: NaiveDate,
    pub published_at: String,
    pub published_by: String,
}

/// The published assessments the actor may read (over the assessor or an assessed org), newest
/// year first, paged.
pub async fn assessments(app: &App, actor: &Actor, page: Option<u64>) -> AppResult<Page<AssessmentRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let q = readable(actor).order_by_desc(assessment::Column::Year).order_by_desc(assessment::Column::Id);
    let mut found = crate::page::fetch(&app.db, q, page).await?;
    let items = assessment_rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The assessments the actor may read: those of an assessor in the scope or ranking an org in it.
fn readable(actor: &Actor) -> sea_orm::Select<assessment::Entity> {
    let ranking = Query::select()
        .column(assessment_row::Column::AssessmentId)
        .from(assessment_row::Entity)
        .and_where(scope::org_condition(actor, READ, assessment_row::Column::OrgId))
        .take();
    assessment::Entity::find().filter(
        Condition::any()
            .add(scope::org_condition(actor, READ, assessment::Column::OrgId))
            .add(assessment::Column::Id.in_subquery(ranking)),
    )
}

async fn assessment_rows(app: &App, rows: Vec<assessment::Model>) -> AppResult<Vec<AssessmentRow>> {
    let names = crate::tree::names(&app.db, rows.iter().map(|a| a.org_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|a| AssessmentRow {
            id: AssessmentId(a.id),
            org_name: names.get(&a.org_id).cloned().unwrap_or_default(),
            year: a.year,
            weights: AssessmentWeights {
                letter: a.letter_weight,
                review: a.review_weight,
                inspection: a.inspection_weight,
            },
            measured_on: a.measured_on,
            published_at: qingtuan_domain::time::format_local_minute(a.published_at),
            published_by: a.published_by,
            title: a.title,
        })
        .collect())
}

/// A published line beside what the records say now (`None`: the org would no longer be assessed,
/// or the viewer does not see the comparison).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComparedLine {
    pub published: AssessmentLine,
    pub now: Option<AssessmentLine>,
}

impl ComparedLine {
    /// The change of the total since publication, as shown: "+1.3", "-0.5", "" when unchanged.
    pub fn change(&self) -> String {
        match &self.now {
            None => "不再参加考核".into(),
            Some(now) => {
                let d = ((now.total - self.published.total) * 10.0).round() / 10.0;
                if d == 0.0 { String::new() } else { format!("{d:+.1}") }
            }
        }
    }
}

/// A published assessment's page.
#[derive(Debug, Clone)]
pub struct AssessmentDetail {
    pub assessment: AssessmentRow,
    pub lines: Vec<ComparedLine>,
    /// Orgs the records would now assess that the published assessment does not rank.
    pub added: Vec<AssessmentLine>,
    /// The date the comparison measured letters on.
    pub now_on: NaiveDate,
    pub changed: usize,
    /// The viewer is the assessor's staff, who see the comparison with the records now.
    pub compared: bool,
}

/// A published assessment, frozen, compared with the records now (404 unless readable).
pub async fn assessment(app: &App, actor: &Actor, id: AssessmentId) -> AppResult<AssessmentDetail> {
    let a = readable(actor).filter(assessment::Column::Id.eq(id.0)).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let rows = assessment_row::Entity::find()
        .filter(assessment_row::Column::AssessmentId.eq(a.id))
        .order_by_asc(assessment_row::Column::Rank)
        .order_by_asc(assessment_row::Column::Id)
        .all(&app.db)
        .await?;
    let orgs: HashMap<i64, org::Model> = org::Entity::find()
        .filter(org::Column::Id.is_in(rows.iter().map(|r| r.org_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let weights =
        AssessmentWeights { letter: a.letter_weight, review: a.review_weight, inspection: a.inspection_weight };
    let now_on = super::measured_on(app).await?;
    // Only the assessor's staff see what the records say now: an assessed org reads what was
    // published of the others, not their figures since.
    let compared = scope::covers(&app.db, actor, READ, OrgId(a.org_id)).await?;
    let mut now = if compared { compute(app, OrgId(a.org_id), a.year, weights, now_on).await? } else { Vec::new() };
    let part = |t: Option<i32>| t.map(|t| f64::from(t) / 10.0);
    let lines: Vec<ComparedLine> = rows
        .into_iter()
        .map(|r| {
            let o = orgs.get(&r.org_id);
            let published = AssessmentLine {
                org_id: OrgId(r.org_id),
                org_code: o.map(|o| o.code.clone()).unwrap_or_default(),
                org_name: o.map(|o| o.name.clone()).unwrap_or_default(),
                letter: part(r.letter_tenths),
                review: part(r.review_tenths),
                inspection: part(r.inspection_tenths),
                total: f64::from(r.total_tenths) / 10.0,
                rank: usize::try_from(r.rank).unwrap_or(0),
                grade: r.grade,
            };
            let at = now.iter().position(|n| n.org_id == OrgId(r.org_id));
            ComparedLine { published, now: at.map(|i| now.remove(i)) }
        })
        .collect();
    let changed = lines.iter().filter(|l| compared && !l.change().is_empty()).count() + now.len();
    let assessment = assessment_rows(app, vec![a]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(AssessmentDetail { assessment, lines, added: now, now_on, changed, compared })
}

/// A published assessment as a workbook, as published (audited).
pub async fn export_assessment(app: &App, actor: &Actor, id: AssessmentId) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let d = assessment(app, actor, id).await?;
    let rows = d
        .lines
        .iter()
        .map(|l| {
            let p = &l.published;
            vec![
                p.rank.to_string(),
                p.org_code.clone(),
                p.org_name.clone(),
                p.letter_text(),
                p.review_text(),
                p.inspection_text(),
                p.total_text(),
                p.grade.clone(),
            ]
        })
        .collect();
    let header = ["名次", "组织代码", "组织", "责任状完成率", "述职评议得分", "互检观摩得分", "总分", "等次"];
    let asked = json!({ "assessment": id.0, "year": d.assessment.year });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Assessment, asked), "考核通报", &header, rows).await
}
