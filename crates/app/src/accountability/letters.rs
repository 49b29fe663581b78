//! Signing a letter, setting and removing its targets, scoring its qualitative targets.

use chrono::Datelike;
use qingtuan_domain::accountability::{parse_score, parse_target, parse_weight, year_span};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{LetterId, OrgId, TargetId};
use qingtuan_domain::indicator::{self, Indicator};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{letter_target, org, responsibility_letter as letter};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use super::{APPROVE, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::figures;
use crate::forms::{parse_date, required_date};
use crate::{Actor, App, AppError};

/// A letter as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewLetter {
    /// The org that undertakes the targets (责任单位).
    pub org_code: String,
    /// The org that assesses it (考核单位); empty: the org directly above.
    pub issuer_code: String,
    pub year: String,
    /// Empty: "{year}年度基层团建工作责任状".
    pub title: String,
    pub signed_on: String,
}

/// The signer and the issuer a letter names: the issuer defaults to the org directly above.
async fn parties<C: ConnectionTrait>(conn: &C, actor: &Actor, form: &NewLetter) -> AppResult<(org::Model, org::Model)> {
    let signer = scope::org_named(conn, actor, WRITE, "org_code", &form.org_code).await?;
    let issuer = match form.issuer_code.trim() {
        "" => {
            let parent = signer.parent_id.ok_or_else(|| {
                Invalid::one("issuer_code", format!("{}没有上级组织，请填写考核单位代码", signer.name))
            })?;
            org::Entity::find_by_id(parent).one(conn).await?.ok_or(AppError::NotFound)?
        }
        text => scope::org_named(conn, actor, WRITE, "issuer_code", text).await?,
    };
    Ok((signer, issuer))
}

/// Signs a letter: the actor must hold `accountability.write` over the issuer, the signer must lie
/// below the issuer and exist on the signing date, and an org signs one letter a year.
pub async fn sign(app: &App, actor: &Actor, form: &NewLetter) -> AppResult<LetterId> {
    // Outside the scope the issuer is reported missing — and the probe is audited.
    let (_, issuer) = parties(&app.db, actor, form).await?;
    scope::require(app, actor, WRITE, (ObjectKind::Org, issuer.id.to_string()), OrgId(issuer.id)).await?;
    let txn = app.begin().await?;
    let id = insert_letter(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

/// Validates and writes one letter on `conn` (a transaction), with its audit row.
async fn insert_letter(conn: &Write, app: &App, actor: &Actor, form: &NewLetter) -> AppResult<LetterId> {
    let (signer, issuer) = parties(conn, actor, form).await?;
    let Some(proof) = scope::checked(conn, actor, WRITE, OrgId(issuer.id)).await? else {
        return Err(Invalid::one("issuer_code", "考核单位不在您的数据范围内").into());
    };
    // Nothing is said of an org that is not below the issuer: it may lie outside the scope.
    if signer.id == issuer.id || !crate::tree::is_below_or_at(conn, OrgId(signer.id), OrgId(issuer.id)).await? {
        return Err(Invalid::one("org_code", "责任单位应是考核单位的下级组织").into());
    }
    let today = local_date(app.now());
    let mut problems = Vec::new();
    let year = match form.year.trim().parse::<i32>() {
        Ok(y) if (2000..=today.year() + 1).contains(&y) => Some(y),
        _ => {
            problems.push(field("year", format!("年度应为 2000 到 {} 之间的四位数字", today.year() + 1)));
            None
        }
    };
    let signed_on = required_date("signed_on", &form.signed_on, "签订日期", today).map_err(|e| problems.push(e)).ok();
    if let (Some(y), Some(d)) = (year, signed_on)
        && !(y - 1..=y).contains(&d.year())
    {
        problems.push(field("signed_on", format!("{y} 年度的责任状应在 {} 年或 {y} 年内签订", y - 1)));
    }
    if let Some(d) = signed_on {
        if signer.founded_on > d {
            problems
                .push(field("signed_on", format!("{}在签订日期尚未成立（{} 成立）", signer.name, signer.founded_on)));
        }
        if signer.dissolved_on.is_some_and(|x| x <= d) {
            problems.push(field("signed_on", format!("{}在签订日期已撤销", signer.name)));
        }
    }
    let title = match form.title.trim() {
        "" => year.map(|y| format!("{y}年度基层团建工作责任状")).unwrap_or_default(),
        t if t.chars().count() > 200 => {
            problems.push(field("title", "标题不超过 200 个字".into()));
            String::new()
        }
        t => t.to_owned(),
    };
    let (Some(year), Some(signed_on)) = (year, signed_on) else { return Err(Invalid(problems).into()) };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let taken = letter::Entity::find()
        .filter(letter::Column::OrgId.eq(signer.id))
        .filter(letter::Column::Year.eq(year))
        .count(conn)
        .await?;
    if taken > 0 {
        return Err(Invalid::one("year", format!("{}的 {year} 年度责任状已经签订", signer.name)).into());
    }
    let row = letter::ActiveModel {
        org_id: Set(signer.id),
        issuer_id: Set(issuer.id),
        year: Set(year),
        title: Set(title.clone()),
        signed_on: Set(signed_on),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    // Two signings at the same moment: the unique index refuses the second.
    .map_err(|e| AppError::on_unique(e, "year", &format!("{}的 {year} 年度责任状已经签订", signer.name)))?;
    let entry = Entry::new(AuditAction::LetterSigned, ObjectKind::Letter).object(row.id).within(&proof).after(
        json!({ "org": signer.code, "issuer": issuer.code, "year": year, "title": title, "signed_on": signed_on }),
    );
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(LetterId(row.id))
}

fn field(field: &'static str, message: String) -> FieldError {
    FieldError::new(field, message)
}

/// The value, or its problems added to the form's.
fn keep<T>(problems: &mut Vec<FieldError>, checked: Result<T, Invalid>) -> Option<T> {
    checked.map_err(|e| problems.extend(e.0)).ok()
}

/// The letter, if the actor holds `permission` over its issuer (404 outside the scope).
async fn issued(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    id: LetterId,
) -> AppResult<(letter::Model, InScope<OrgId>)> {
    let l = letter::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof =
        scope::require(app, actor, permission, (ObjectKind::Letter, id.to_string()), OrgId(l.issuer_id)).await?;
    Ok((l, proof))
}

/// A target as typed: an indicator (key or name) with a value, or a description alone for a
/// qualitative item; a weight; the period (empty: the letter's year).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewTarget {
    pub indicator: String,
    pub target_value: String,
    pub description: String,
    pub weight: String,
    pub starts_on: String,
    pub due_on: String,
}

/// The indicator a target names, by key or by its Chinese name; the completion of targets itself
/// cannot be one.
fn target_indicator(raw: &str) -> Result<Indicator, Invalid> {
    let raw = raw.trim();
    let found = indicator::CATALOGUE.iter().find(|i| i.key == raw || i.name == raw);
    match found {
        Some(i) if figures::measurable(i) => Ok(*i),
        Some(i) => Err(Invalid::one("indicator", format!("“{}”不能作为责任状的目标", i.name))),
        None => Err(Invalid::one("indicator", format!("未知的指标“{raw}”"))),
    }
}

/// Sets a target of a letter (write over the issuer).
pub async fn set_target(app: &App, actor: &Actor, id: LetterId, form: &NewTarget) -> AppResult<TargetId> {
    let (l, proof) = issued(app, actor, WRITE, id).await?;
    let txn = app.begin().await?;
    let target = insert_target(&txn, app, actor, &l, &proof, form).await?;
    txn.commit().await?;
    Ok(target)
}

/// Validates and writes one target of a checked letter on `conn` (a transaction), with its audit row.
async fn insert_target(
    conn: &Write,
    app: &App,
    actor: &Actor,
    l: &letter::Model,
    proof: &InScope<OrgId>,
    form: &NewTarget,
) -> AppResult<TargetId> {
    let mut problems = Vec::new();
    let quantitative = !form.indicator.trim().is_empty();
    let indicator = if quantitative { keep(&mut problems, target_indicator(&form.indicator)) } else { None };
    let value = if quantitative { keep(&mut problems, parse_target(&form.target_value)) } else { None };
    let weight = keep(&mut problems, parse_weight(&form.weight));
    let description = form.description.trim();
    if !quantitative && description.is_empty() {
        problems.push(field("description", "定性目标请填写目标内容；定量目标请选择指标".into()));
    }
    if description.chars().count() > 200 {
        problems.push(field("description", "目标内容不超过 200 个字".into()));
    }
    let (year_start, year_end) = year_span(l.year).ok_or_else(|| Invalid::one("year", "年度无效"))?;
    let mut date = |name: &'static str, raw: &str, default| match parse_date(name, raw) {
        Ok(d) => d.unwrap_or(default),
        Err(e) => {
            problems.push(e);
            default
        }
    };
    let starts_on = date("starts_on", &form.starts_on, year_start);
    let due_on = date("due_on", &form.due_on, year_end);
    if due_on < starts_on {
        problems.push(field("due_on", "截止日期不能早于开始日期".into()));
    }
    // A target belongs to its letter's year: it may start a year before and end a year after.
    let (earliest, latest) = (year_start.with_year(l.year - 1), year_end.with_year(l.year + 1));
    if earliest.is_some_and(|e| starts_on < e) || latest.is_some_and(|x| due_on > x) {
        problems.push(field("due_on", format!("目标期间应在 {} 年到 {} 年之内", l.year - 1, l.year + 1)));
    }
    let Some(weight) = weight.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let description = match (description, indicator, value) {
        ("", Some(i), Some(v)) => format!("{} ≥ {v}{}", i.name, i.unit),
        (d, _, _) => d.to_owned(),
    };
    let row = letter_target::ActiveModel {
        letter_id: Set(l.id),
        description: Set(description.clone()),
        indicator_key: Set(indicator.map(|i| i.key.to_owned())),
        target_value: Set(value),
        starts_on: Set(starts_on),
        due_on: Set(due_on),
        weight: Set(weight),
        judged_score: Set(None),
        judged_note: Set(String::new()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let entry = Entry::new(AuditAction::LetterTargetSet, ObjectKind::Letter)
        .object(l.id)
        .scope(proof.get())
        .after(json!({ "target": row.id, "description": description, "indicator": indicator.map(|i| i.key),
                "target_value": value, "weight": weight, "starts_on": starts_on, "due_on": due_on }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(TargetId(row.id))
}

/// The target and its letter, if the actor holds `permission` over the letter's issuer.
async fn target(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    id: TargetId,
) -> AppResult<(letter_target::Model, InScope<OrgId>)> {
    let t = letter_target::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (_, proof) = issued(app, actor, permission, LetterId(t.letter_id)).await?;
    Ok((t, proof))
}

/// What removing a target would change, shown before it is removed.
#[derive(Debug, Clone)]
pub struct Removal {
    pub letter: LetterId,
    pub description: String,
    /// The letter's completion now, and without the target.
    pub before: f64,
    pub after: f64,
}

impl Removal {
    pub fn before_text(&self) -> String {
        qingtuan_domain::accountability::percent(self.before)
    }

    pub fn after_text(&self) -> String {
        qingtuan_domain::accountability::percent(self.after)
    }
}

/// What removing a target would do to its letter's completion (write over the issuer).
pub async fn removal(app: &App, actor: &Actor, id: TargetId) -> AppResult<Removal> {
    let (t, _) = target(app, actor, WRITE, id).await?;
    let l = letter::Entity::find_by_id(t.letter_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let all = letter_target::Entity::find().filter(letter_target::Column::LetterId.eq(l.id)).all(&app.db).await?;
    let on = figures::default_dates(app).await?.0;
    let measured = |keep: &dyn Fn(&letter_target::Model) -> bool| -> Vec<figures::Target> {
        all.iter().filter(|x| keep(x)).map(|x| figures::target_of(x, OrgId(l.org_id))).collect()
    };
    let (before, _) = figures::letter_completion(app, &measured(&|_| true), on).await?;
    let (after, _) = figures::letter_completion(app, &measured(&|x| x.id != t.id), on).await?;
    Ok(Removal { letter: LetterId(l.id), description: t.description, before, after })
}

/// Removes a target (write over the issuer); returns its letter.
pub async fn remove_target(app: &App, actor: &Actor, id: TargetId) -> AppResult<LetterId> {
    let (t, proof) = target(app, actor, WRITE, id).await?;
    let txn = app.begin().await?;
    letter_target::Entity::delete_by_id(t.id).exec(&txn).await?;
    let entry = Entry::new(AuditAction::LetterTargetRemoved, ObjectKind::Letter)
        .object(t.letter_id)
        .scope(proof.get())
        .before(json!({ "target": t.id, "description": t.description, "indicator": t.indicator_key,
                        "target_value": t.target_value, "weight": t.weight, "judged_score": t.judged_score }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(LetterId(t.letter_id))
}

/// Scores a qualitative target out of 100 (approve over the issuer); returns its letter.
pub async fn judge(app: &App, actor: &Actor, id: TargetId, score: &str, note: &str) -> AppResult<LetterId> {
    let (t, proof) = target(app, actor, APPROVE, id).await?;
    if t.indicator_key.is_some() {
        return Err(Invalid::one("score", "定量目标按统计数据自动计算，无需评定").into());
    }
    let score = parse_score(score)?;
    let note: String = note.trim().chars().take(200).collect();
    let txn = app.begin().await?;
    let before = json!({ "score": t.judged_score, "note": t.judged_note });
    let mut row: letter_target::ActiveModel = t.clone().into();
    row.judged_score = Set(Some(score));
    row.judged_note = Set(note.clone());
    row.update(&txn).await?;
    let entry = Entry::new(AuditAction::LetterTargetJudged, ObjectKind::Letter)
        .object(t.letter_id)
        .scope(proof.get())
        .before(before)
        .after(json!({ "target": t.id, "description": t.description, "score": score, "note": note }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(LetterId(t.letter_id))
}

/// A row of the letters spreadsheet: a letter (signed by the row if it is not yet) and one of its
/// targets.
#[derive(Debug, Clone, Default)]
pub struct NewLetterTarget {
    pub letter: NewLetter,
    pub target: NewTarget,
}

/// The columns of the letters spreadsheet, as users see them.
pub const IMPORT_COLUMNS: [(&str, &str); 11] = [
    ("org_code", "责任单位代码"),
    ("issuer_code", "考核单位代码"),
    ("year", "年度"),
    ("signed_on", "签订日期"),
    ("title", "标题"),
    ("indicator", "指标"),
    ("target_value", "目标值"),
    ("description", "目标内容"),
    ("weight", "权重"),
    ("starts_on", "开始日期"),
    ("due_on", "截止日期"),
];

impl crate::batch::Importable for NewLetterTarget {
    const COLUMNS: &'static [(&'static str, &'static str)] = &IMPORT_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "year", "signed_on", "weight"];
    const EXAMPLE: &'static [&'static str] =
        &["CY01T", "", "2023", "2023-02-20", "", "新成立社区团支部", "5", "", "30", "", ""];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        (field == "indicator")
            .then(|| indicator::CATALOGUE.iter().filter(|i| figures::measurable(i)).map(|i| i.name).collect())
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            letter: NewLetter {
                org_code: cell("org_code"),
                issuer_code: cell("issuer_code"),
                year: cell("year"),
                title: cell("title"),
                signed_on: cell("signed_on"),
            },
            target: NewTarget {
                indicator: cell("indicator"),
                target_value: cell("target_value"),
                description: cell("description"),
                weight: cell("weight"),
                starts_on: cell("starts_on"),
                due_on: cell("due_on"),
            },
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &IMPORT_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { import_row(txn, app, actor, row).await })
        })
        .await
    }
}

/// One row: the letter of its org and year — signed by this row, or already (then the row's
/// signing date, when given, must agree) — and its target.
async fn import_row(conn: &Write, app: &App, actor: &Actor, row: &NewLetterTarget) -> AppResult<()> {
    let (signer, issuer) = parties(conn, actor, &row.letter).await?;
    // Nothing of a letter outside the scope is read, nor said.
    if scope::checked(conn, actor, WRITE, OrgId(issuer.id)).await?.is_none() {
        return Err(Invalid::one("org_code", "该组织的责任状不在您的数据范围内").into());
    }
    let year: Option<i32> = row.letter.year.trim().parse().ok();
    let existing = match year {
        Some(y) => {
            letter::Entity::find()
                .filter(letter::Column::OrgId.eq(signer.id))
                .filter(letter::Column::Year.eq(y))
                .one(conn)
                .await?
        }
        None => None,
    };
    let l = match existing {
        Some(l) => {
            let signed = parse_date("signed_on", &row.letter.signed_on).map_err(|e| Invalid(vec![e]))?;
            if signed.is_some_and(|d| d != l.signed_on) {
                let message =
                    format!("{}的 {} 年度责任状已于 {} 签订，签订日期应一致", signer.name, l.year, l.signed_on);
                return Err(Invalid::one("signed_on", message).into());
            }
            // A later row of a letter signed already repeats its issuer and title, or leaves them empty.
            if !row.letter.issuer_code.trim().is_empty() && issuer.id != l.issuer_id {
                return Err(Invalid::one("issuer_code", "与已签订的责任状的考核单位不一致").into());
            }
            let title = row.letter.title.trim();
            if !title.is_empty() && title != l.title {
                return Err(Invalid::one("title", format!("与已签订的责任状的标题“{}”不一致", l.title)).into());
            }
            l
        }
        None => {
            let id = insert_letter(conn, app, actor, &row.letter).await?;
            letter::Entity::find_by_id(id.0).one(conn).await?.ok_or(AppError::NotFound)?
        }
    };
    let Some(proof) = scope::checked(conn, actor, WRITE, OrgId(l.issuer_id)).await? else {
        return Err(Invalid::one("org_code", "该组织的责任状不在您的数据范围内").into());
    };
    insert_target(conn, app, actor, &l, &proof, &row.target).await?;
    Ok(())
}
