//! Open selection of seconded and part-time cadres (社会化选拔, C4). An org's staff open places
//! (level, kind, post, number, requirements, the application window); young people apply on the
//! portal (`applications`) and follow their application by a private link; the staff check their
//! qualification, enter written and interview scores, and put those ranked within the places on
//! public notice (公示) for five working days, during which anyone may object; objections are
//! resolved, and the appointment creates each appointed applicant's post (source 社会化选拔,
//! dated the appointment's day) — so C4's figures come from the selection records. Applications
//! not appointed are anonymised after the retention period (`purge`). Streets and communities also
//! bring in social workers by buying services from partners (`contracts`, C5).
//!
//! Who may do what: the host org's staff open places and run the stages (`selection.write` over
//! the host) and appoint (`selection.approve`); applicants' ID numbers and phones are shown masked
//! to everyone (the appointment reads them to register the person).

mod applications;
mod contracts;
mod stages;

pub use applications::*;
pub use contracts::*;
pub use stages::*;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ApplicationId, ObjectionId, OpeningId, OrgId};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::position::{Employment, ServingLevel, Title};
use qingtuan_domain::selection::ApplicationState;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{application, opening, org};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::parse_date;
use crate::page::Page;
use crate::{Actor, App, AppError};

pub const READ: Permission = Permission::new(Module::Selection, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Selection, Action::Write);
pub const APPROVE: Permission = Permission::new(Module::Selection, Action::Approve);

/// An opening as typed.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NewOpening {
    pub org_code: String,
    pub title: String,
    /// 区级 / 街道级 / 社区级 (`district`, `street`, `community`).
    pub serving_level: String,
    /// 挂职 / 兼职 (`seconded`, `part_time`).
    pub employment: String,
    /// The post's title (usually 委员 or 副书记).
    pub post_title: String,
    pub places: String,
    pub max_age: String,
    /// The day the age is counted on; empty: the window's last day.
    pub age_on: String,
    pub requirements: String,
    pub term_months: String,
    pub opens_on: String,
    pub closes_on: String,
    pub written_weight: String,
    pub interview_weight: String,
}

impl Default for NewOpening {
    fn default() -> Self {
        Self {
            org_code: String::new(),
            title: String::new(),
            serving_level: String::new(),
            employment: Employment::Seconded.code().into(),
            post_title: Title::Member.code().into(),
            places: String::new(),
            max_age: "35".into(),
            age_on: String::new(),
            requirements: "中共党员或共青团员；大学本科及以上学历；两年以上工作经历".into(),
            term_months: "12".into(),
            opens_on: String::new(),
            closes_on: String::new(),
            written_weight: "40".into(),
            interview_weight: "60".into(),
        }
    }
}

fn field(f: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(f, message)
}

/// A whole number in a range, or the field's problem.
fn number(
    problems: &mut Vec<FieldError>,
    f: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<i32>,
    what: &str,
) -> i32 {
    match raw.trim().parse::<i32>() {
        Ok(v) if range.contains(&v) => v,
        _ => {
            problems.push(field(f, format!("{what}应为 {} 到 {} 之间的整数", range.start(), range.end())));
            *range.start()
        }
    }
}

/// Opens places (write over the host org); published on the portal during its window.
pub async fn open(app: &App, actor: &Actor, form: &NewOpening) -> AppResult<OpeningId> {
    let host = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let org = org::Entity::find_by_id(host.get().0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut problems = Vec::new();
    let level = ServingLevel::parse(&form.serving_level).map_err(|e| problems.extend(e.0)).ok();
    let employment = match Employment::parse(&form.employment) {
        Ok(e @ (Employment::Seconded | Employment::PartTime)) => Some(e),
        _ => {
            problems.push(field("employment", "任职方式应为挂职或兼职"));
            None
        }
    };
    let post_title = Title::parse(&form.post_title).map_err(|e| problems.extend(e.0)).ok();
    let places = number(&mut problems, "places", &form.places, 1..=100, "名额");
    let max_age = number(&mut problems, "max_age", &form.max_age, 18..=60, "年龄上限");
    let term_months = number(&mut problems, "term_months", &form.term_months, 1..=60, "任期（月）");
    let written_weight = number(&mut problems, "written_weight", &form.written_weight, 0..=100, "笔试权重");
    let interview_weight = number(&mut problems, "interview_weight", &form.interview_weight, 0..=100, "面试权重");
    if written_weight + interview_weight == 0 {
        problems.push(field("written_weight", "笔试和面试权重不能都为 0"));
    }
    let mut date = |f: &'static str, raw: &str, what: &str| match parse_date(f, raw) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(field(f, format!("请填写{what}")));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let opens_on = date("opens_on", &form.opens_on, "报名开始日期");
    let closes_on = date("closes_on", &form.closes_on, "报名截止日期");
    let age_on = match parse_date("age_on", &form.age_on) {
        Ok(d) => d.or(closes_on),
        Err(e) => {
            problems.push(e);
            None
        }
    };
    if let (Some(o), Some(c)) = (opens_on, closes_on)
        && (c < o || c > o + chrono::TimeDelta::days(180))
    {
        problems.push(field("closes_on", "报名截止日期应在开始日期之后、180 天之内"));
    }
    if let Some(o) = opens_on
        && (org.founded_on > o || org.dissolved_on.is_some_and(|d| d <= o))
    {
        problems.push(field("opens_on", format!("{}在报名开始日期不存在", org.name)));
    }
    let title = match form.title.trim() {
        "" => match (level, employment) {
            (Some(l), Some(e)) => format!("{}{}{}干部社会化选拔", org.name, l.label(), e.label()),
            _ => String::new(),
        },
        t if t.chars().count() > 200 => {
            problems.push(field("title", "标题不超过 200 个字"));
            String::new()
        }
        t => t.to_owned(),
    };
    if form.requirements.chars().count() > 1000 {
        problems.push(field("requirements", "报名条件不超过 1000 个字"));
    }
    let (Some(level), Some(employment), Some(post_title), Some(opens_on), Some(closes_on), Some(age_on)) =
        (level, employment, post_title, opens_on, closes_on, age_on)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let txn = app.begin().await?;
    let row = opening::ActiveModel {
        org_id: Set(org.id),
        title: Set(title.clone()),
        serving_level: Set(level.code().into()),
        employment: Set(employment.code().into()),
        post_title: Set(post_title.code().into()),
        places: Set(places),
        max_age: Set(max_age),
        age_on: Set(age_on),
        requirements: Set(form.requirements.trim().to_owned()),
        term_months: Set(term_months),
        opens_on: Set(opens_on),
        closes_on: Set(closes_on),
        written_weight: Set(written_weight),
        interview_weight: Set(interview_weight),
        notice_from: Set(None),
        notice_until: Set(None),
        appointed_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry =
        Entry::new(AuditAction::OpeningCreated, ObjectKind::Opening).object(row.id).within(&host).after(json!({
            "org": org.code, "title": title, "level": level.code(), "employment": employment.code(),
            "post_title": post_title.code(), "places": places, "max_age": max_age, "age_on": age_on,
            "opens_on": opens_on, "closes_on": closes_on,
        }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(OpeningId(row.id))
}

/// Where an opening stands, from its dates.
pub fn stage(o: &opening::Model, today: NaiveDate) -> &'static str {
    match (o.appointed_on, o.notice_from, o.notice_until) {
        (Some(_), _, _) => "已任用",
        (None, Some(_), Some(until)) if today <= until => "公示中",
        (None, Some(_), Some(_)) => "公示期满，待任用",
        _ if today < o.opens_on => "未开始报名",
        _ if today <= o.closes_on => "报名中",
        _ => "资格审查和考试",
    }
}

/// An opening as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OpeningRow {
    pub id: OpeningId,
    pub org_name: String,
    pub title: String,
    pub level: &'static str,
    pub employment: &'static str,
    pub post_title: &'static str,
    pub places: i32,
    pub max_age: i32,
    pub age_on: NaiveDate,
    pub requirements: String,
    pub term_months: i32,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub written_weight: i32,
    pub interview_weight: i32,
    pub notice_from: Option<NaiveDate>,
    pub notice_until: Option<NaiveDate>,
    pub appointed_on: Option<NaiveDate>,
    pub applications: u64,
    pub stage: &'static str,
}

pub(crate) async fn opening_rows(app: &App, rows: Vec<opening::Model>) -> AppResult<Vec<OpeningRow>> {
    let names = crate::tree::names(&app.db, rows.iter().map(|o| o.org_id).collect()).await?;
    let today = local_date(app.now());
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let applications =
            application::Entity::find().filter(application::Column::OpeningId.eq(o.id)).count(&app.db).await?;
        out.push(OpeningRow {
            id: OpeningId(o.id),
            org_name: names.get(&o.org_id).cloned().unwrap_or_default(),
            level: ServingLevel::parse(&o.serving_level).map_or("", ServingLevel::label),
            employment: Employment::parse(&o.employment).map_or("", Employment::label),
            post_title: Title::parse(&o.post_title).map_or("", Title::label),
            stage: stage(&o, today),
            places: o.places,
            max_age: o.max_age,
            age_on: o.age_on,
            term_months: o.term_months,
            opens_on: o.opens_on,
            closes_on: o.closes_on,
            written_weight: o.written_weight,
            interview_weight: o.interview_weight,
            notice_from: o.notice_from,
            notice_until: o.notice_until,
            appointed_on: o.appointed_on,
            applications,
            requirements: o.requirements,
            title: o.title,
        });
    }
    Ok(out)
}

/// The openings list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct OpeningFilter {
    pub year: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The openings of orgs in the actor's scope, newest first, paged.
pub async fn openings(app: &App, actor: &Actor, filter: &OpeningFilter) -> AppResult<Page<OpeningRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = opening::Entity::find().filter(scope::org_condition(actor, READ, opening::Column::OrgId));
    if !filter.year.trim().is_empty() {
        let year: i32 = filter.year.trim().parse().map_err(|_| Invalid::one("year", "年度应为四位数字"))?;
        let (from, to) = qingtuan_domain::accountability::year_span(year).ok_or(Invalid::one("year", "年度无效"))?;
        q = q.filter(opening::Column::OpensOn.between(from, to));
    }
    let q = q.order_by_desc(opening::Column::OpensOn).order_by_desc(opening::Column::Id);
    let mut found = crate::page::fetch(&app.db, q, filter.page).await?;
    let items = opening_rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// An application as the staff see it (masked unless unmasked).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplicationRow {
    pub id: ApplicationId,
    pub name: String,
    pub gender: String,
    pub age: Option<i32>,
    pub id_number: String,
    pub phone: String,
    pub education: String,
    pub political_status: String,
    pub resume: String,
    pub has_document: bool,
    pub state: ApplicationState,
    pub check_note: String,
    pub written: Option<f64>,
    pub interview: Option<f64>,
    pub total: Option<f64>,
    /// The rank among the scored qualified applicants, by total.
    pub rank: Option<usize>,
    /// Objections not yet resolved.
    pub pending_objections: usize,
    pub objections: Vec<ObjectionView>,
}

fn score_text(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_default()
}

impl ApplicationRow {
    pub fn written_text(&self) -> String {
        score_text(self.written)
    }

    pub fn interview_text(&self) -> String {
        score_text(self.interview)
    }

    pub fn total_text(&self) -> String {
        score_text(self.total)
    }
}

/// An objection as the staff see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ObjectionView {
    pub id: ObjectionId,
    pub content: String,
    pub contact: String,
    pub raised_at: String,
    pub upheld: Option<bool>,
    pub resolution: String,
}

/// An opening's page for its staff.
#[derive(Debug, Clone)]
pub struct OpeningDetail {
    pub opening: OpeningRow,
    pub applications: Vec<ApplicationRow>,
    pub can_write: bool,
    pub can_appoint: bool,
    pub today: NaiveDate,
}

/// An opening with its applications, ranked (read over the host; 404 outside).
pub async fn opening(app: &App, actor: &Actor, id: OpeningId) -> AppResult<OpeningDetail> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let host = OrgId(o.org_id);
    scope::require(app, actor, READ, (ObjectKind::Opening, id.to_string()), host).await?;
    let can_write = scope::covers(&app.db, actor, WRITE, host).await?;
    let can_appoint = scope::covers(&app.db, actor, APPROVE, host).await?;
    let applications = ranked(app, &o).await?;
    let opening = opening_rows(app, vec![o]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(OpeningDetail { opening, applications, can_write, can_appoint, today: local_date(app.now()) })
}
