//! Posts recorded in a batch (a spreadsheet, a form, a generator): every row checked — the org
//! in the actor's scope, the person found and readable, the dates — then written all or nothing.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::FieldError;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, PersonId};
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};
use qingtuan_entity::{org, person, position};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::db::Write;
use crate::error::{AppResult, RowProblem};
use crate::forms::parse_date;
use crate::registry::people::WRITE;
use crate::registry::workforce::{self, Affected};
use crate::{Actor, App, AppError};

use super::{CHILD_WITHHELD, COLUMNS, NewPosition};

struct Valid {
    person_id: i64,
    org_id: i64,
    title: Title,
    employment: Employment,
    source: CadreSource,
    serving_level: Option<ServingLevel>,
    start_on: NaiveDate,
    end_on: Option<NaiveDate>,
}

/// The one answer for an ID number that finds nobody — unregistered, or registered outside the
/// actor's scope under another name.
const NOT_FOUND: &str =
    "没有找到此身份证号码对应的人员：新人员请先导入；已在其他组织登记的人员，请同时填写与登记一致的姓名";

/// Records positions, all or nothing. Every org must be in the actor's scope.
pub async fn create_batch(app: &App, actor: &Actor, forms: &[NewPosition]) -> AppResult<usize> {
    create_batch_with_progress(app, actor, forms, false, &|_, _| {}).await
}

/// `create_batch`, calling `progress(written, total)` as rows are written.
pub async fn create_batch_with_progress(
    app: &App,
    actor: &Actor,
    forms: &[NewPosition],
    dry_run: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<usize> {
    let valid = validated(app, actor, forms, Named::Checked).await?;
    let txn = app.begin().await?;
    let total = write(&txn, app, actor, &valid, progress).await?;
    if dry_run {
        txn.rollback().await?
    } else {
        txn.commit().await?
    }
    Ok(total)
}

/// Records positions on the caller's transaction, with the same checks as `create_batch` but for a
/// person named by id, whom the caller registered on this transaction or vetted itself (an
/// appointment's applicant): for a use-case whose own rows must be written with the posts, all or
/// nothing.
pub(crate) async fn create_in(txn: &Write, app: &App, actor: &Actor, forms: &[NewPosition]) -> AppResult<usize> {
    let valid = validated(app, actor, forms, Named::Vetted).await?;
    write(txn, app, actor, &valid, &|_, _| {}).await
}

/// How a person named by id (not by ID number) is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Named {
    /// As one named by ID number: someone the actor may read, and not a child withheld from them.
    Checked,
    /// As given: the caller registered them on its own transaction, or vetted them itself.
    Vetted,
}

/// The forms checked (every org in the actor's scope), or every row's problems.
async fn validated(app: &App, actor: &Actor, forms: &[NewPosition], named: Named) -> AppResult<Vec<Valid>> {
    scope::require_somewhere(app, actor, WRITE).await?;
    let orgs: HashMap<String, (i64, NaiveDate, Option<NaiveDate>)> = org::Entity::find()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.code, (o.id, o.founded_on, o.dissolved_on)))
        .collect();
    let mut covered: HashMap<i64, bool> = HashMap::new();
    // The people named by ID number, looked up by keyed hash 500 at a time.
    let hashes = crate::par::map(forms, |f| match f.person_id {
        Some(_) => None,
        None => Some(IdNumber::parse(&f.id_number).map(|id| app.keys.lookup_hash(id.as_str()))),
    });
    let wanted: Vec<&String> = hashes.iter().filter_map(|h| h.as_ref()?.as_ref().ok()).collect();
    let mut people: HashMap<String, i64> = HashMap::with_capacity(wanted.len());
    let mut births: Vec<(i64, Option<NaiveDate>)> = Vec::with_capacity(wanted.len());
    let mut names: HashMap<i64, String> = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(500) {
        let found: Vec<(Option<String>, i64, Option<NaiveDate>, String)> = person::Entity::find()
            .select_only()
            .column(person::Column::IdNumberHash)
            .column(person::Column::Id)
            .column(person::Column::BirthOn)
            .column(person::Column::Name)
            .filter(person::Column::IdNumberHash.is_in(chunk.iter().map(|h| h.as_str())))
            .into_tuple()
            .all(&app.db)
            .await?;
        for (hash, id, birth, name) in found {
            births.push((id, birth));
            names.insert(id, name);
            people.extend(hash.map(|h| (h, id)));
        }
    }
    // The people named by id, checked as those found by ID number are (unless vetted).
    let given: Vec<i64> = match named {
        Named::Checked => forms.iter().filter_map(|f| f.person_id.map(|p| p.0)).collect(),
        Named::Vetted => Vec::new(),
    };
    for chunk in given.chunks(500) {
        let found: Vec<(i64, Option<NaiveDate>)> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .column(person::Column::BirthOn)
            .filter(person::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&app.db)
            .await?;
        births.extend(found);
    }
    // Someone registered outside the actor's scope is found only with their registered name too:
    // an ID number alone neither tells whether a person is registered nor brings them into scope.
    let found_ids: Vec<i64> = names.keys().copied().chain(given.iter().copied()).collect();
    let readable = crate::registry::people::readable_among(app, actor, &found_ids).await?;
    // A child gets a post only from someone who may see the child's record.
    let children = crate::registry::minors::children(app, actor, births.into_iter(), None).await?;
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(forms.len());
    for (i, (form, hash)) in forms.iter().zip(hashes).enumerate() {
        let row = i + 1;
        let mut errs: Vec<FieldError> = Vec::new();
        let person_id = match (form.person_id, hash) {
            (Some(id), _) if named == Named::Vetted => Some(id),
            (Some(id), _) => {
                if !readable.contains(&id.0) {
                    errs.push(FieldError { field: "id_number", message: "没有找到此人员".into() });
                } else if children.get(&id.0) == Some(&false) {
                    errs.push(FieldError { field: "id_number", message: CHILD_WITHHELD.into() });
                }
                Some(id)
            }
            (None, Some(Ok(hash))) => {
                let found = people.get(&hash).copied().filter(|id| {
                    readable.contains(id) || names.get(id).is_some_and(|n| n.as_str() == form.name.trim())
                });
                match found {
                    None => errs.push(FieldError { field: "id_number", message: NOT_FOUND.into() }),
                    Some(id) if children.get(&id) == Some(&false) => {
                        errs.push(FieldError { field: "id_number", message: CHILD_WITHHELD.into() })
                    }
                    Some(_) => {}
                }
                found.map(PersonId)
            }
            (None, Some(Err(e))) => {
                errs.extend(e.0);
                None
            }
            (None, None) => None,
        };
        let (org_id, founded_on, dissolved_on) =
            orgs.get(form.org_code.trim()).map_or((None, None, None), |(id, f, d)| (Some(*id), Some(*f), *d));
        match org_id {
            None => errs
                .push(FieldError {
                    field: "org_code", message: format!("组织代码“{}”不存在", form.org_code.trim())
                }),
            Some(id) => {
                let ok = match covered.get(&id) {
                    Some(ok) => *ok,
                    None => {
                        let ok = scope::covers(&app.db, actor, WRITE, OrgId(id)).await?;
                        covered.insert(id, ok);
                        ok
                    }
                };
                if !ok {
                    errs.push(FieldError { field: "org_code", message: "该组织不在您的数据范围内".into() });
                }
            }
        }
        let title = Title::parse(&form.title).map_err(|e| errs.extend(e.0)).ok();
        let employment = Employment::parse(&form.employment).map_err(|e| errs.extend(e.0)).ok();
        let source = if form.source.trim().is_empty() {
            Some(CadreSource::Other)
        } else {
            CadreSource::parse(&form.source).map_err(|e| errs.extend(e.0)).ok()
        };
        let serving_level = if form.serving_level.trim().is_empty() {
            Some(None)
        } else {
            ServingLevel::parse(&form.serving_level).map(Some).map_err(|e| errs.extend(e.0)).ok()
        };
        let start_on = match parse_date("start_on", &form.start_on) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errs.push(FieldError { field: "start_on", message: "请填写任职日期".into() });
                None
            }
            Err(e) => {
                errs.push(e);
                None
            }
        };
        let end_on = parse_date("end_on", &form.end_on).map_err(|e| errs.push(e)).ok().flatten();
        if let (Some(s), Some(f)) = (start_on, founded_on)
            && s < f
        {
            errs.push(FieldError {
                field: "start_on",
                message: format!("任职日期 {s} 早于该组织的成立日期 {f}：请核对任职日期或组织的成立日期"),
            });
        }
        if let (Some(s), Some(d)) = (start_on, dissolved_on) {
            if s >= d {
                errs.push(FieldError { field: "start_on", message: format!("该组织已于 {d} 撤销") });
            } else if end_on.is_none_or(|e| e > d) {
                errs.push(FieldError {
                    field: "end_on",
                    message: format!("该组织已于 {d} 撤销：离任日期不能晚于此日"),
                });
            }
        }
        if let (Some(s), Some(e)) = (start_on, end_on)
            && e <= s
        {
            errs.push(FieldError { field: "end_on", message: "离任日期应晚于任职日期".into() });
        }
        match (person_id, org_id, title, employment, source, serving_level, start_on) {
            (
                Some(person_id),
                Some(org_id),
                Some(title),
                Some(employment),
                Some(source),
                Some(serving_level),
                Some(start_on),
            ) if errs.is_empty() => {
                valid.push(Valid {
                    person_id: person_id.0,
                    org_id,
                    title,
                    employment,
                    source,
                    serving_level,
                    start_on,
                    end_on,
                });
            }
            _ => problems.extend(RowProblem::for_row(row, &COLUMNS, errs)),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Rows(problems));
    }
    Ok(valid)
}

/// Writes checked positions on `txn` with their audit row, and keeps the work force's periods.
async fn write(
    txn: &Write,
    app: &App,
    actor: &Actor,
    valid: &[Valid],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<usize> {
    let now = app.now();
    let total = valid.len();
    workforce::lock(txn).await?;
    let mut written = 0;
    let first = valid.first().map(|v| (v.person_id, v.org_id, v.title, v.start_on));
    for chunk in valid.chunks(1000) {
        let rows = chunk.iter().map(|v| position::ActiveModel {
            person_id: Set(v.person_id),
            org_id: Set(v.org_id),
            title: Set(v.title.code().to_owned()),
            employment: Set(v.employment.code().to_owned()),
            source: Set(v.source.code().to_owned()),
            serving_level: Set(v.serving_level.map(|l| l.code().to_owned())),
            start_on: Set(v.start_on),
            end_on: Set(v.end_on),
            created_at: Set(now),
            ..Default::default()
        });
        position::Entity::insert_many(rows).exec(txn).await?;
        written += chunk.len();
        progress(written, total);
    }
    let entry = match first {
        Some((person, org, title, start_on)) if total == 1 => {
            Entry::new(AuditAction::PositionCreated, ObjectKind::Position)
                .scope(OrgId(org))
                .after(json!({ "person": person, "org": org, "title": title.code(), "start_on": start_on }))
        }
        _ => Entry::new(AuditAction::Imported, ObjectKind::Position).after(json!({ "rows": total })),
    };
    audit::record(txn, now, actor, entry).await?;
    let mut people: Vec<i64> = valid.iter().map(|v| v.person_id).collect();
    people.sort_unstable();
    people.dedup();
    workforce::refresh(txn, Affected::People(people)).await?;
    Ok(total)
}
