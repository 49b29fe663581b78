//! People registered in bulk, all or nothing: every row checked (ID numbers already registered or
//! repeated included) before any is written; the people spreadsheet's columns.

use std::collections::{HashMap, HashSet};

use qingtuan_domain::ids::PersonId;
use qingtuan_domain::person::{Gender, PoliticalStatus};
use qingtuan_entity::person;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{COLUMNS, NewPerson, ValidPerson, WRITE, guard_outside_holders, region_codes, validate, write};
use crate::access::scope;
use crate::error::{AppResult, RowProblem};
use crate::{Actor, App, AppError};

/// Registers people, all or nothing: if any row is bad, nothing is written and every problem is
/// returned. A row whose ID number is already registered (or repeats an earlier row) is a problem.
pub async fn create_batch(app: &App, actor: &Actor, forms: &[NewPerson]) -> AppResult<Vec<PersonId>> {
    create_batch_with_progress(app, actor, forms, false, &|_, _| {}).await
}

/// `create_batch`, calling `progress(written, total)` as rows are written.
pub async fn create_batch_with_progress(
    app: &App,
    actor: &Actor,
    forms: &[NewPerson],
    dry_run: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<Vec<PersonId>> {
    scope::require_somewhere(app, actor, WRITE).await?;
    let typed: Vec<&str> = forms.iter().map(|f| f.id_number.as_str()).collect();
    guard_outside_holders(app, actor, &typed, None).await?;
    let valid = checked(app, forms).await?;
    let txn = app.begin().await?;
    crate::db::bulk_cache(&txn, false).await?;
    let ids = write(&txn, app, actor, &valid, progress).await?;
    crate::db::bulk_cache(&txn, true).await?;
    if dry_run {
        txn.rollback().await?
    } else {
        txn.commit().await?
    }
    Ok(ids.into_iter().map(PersonId).collect())
}

/// The forms checked — each alone, against each other and against the registry (an ID number
/// already registered, or repeated, is a problem) — with each one's keyed ID hash, or every row's
/// problems.
pub(super) async fn checked(app: &App, forms: &[NewPerson]) -> AppResult<Vec<(ValidPerson, Option<String>)>> {
    let regions = region_codes(app).await?;
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(forms.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Checking and hashing are pure: they run on every core.
    let checked = crate::par::map(forms, |form| {
        validate(form, &regions).map(|v| {
            let hash = v.id_number.as_ref().map(|id| app.keys.lookup_hash(id.as_str()));
            (v, hash)
        })
    });
    for (i, checked) in checked.into_iter().enumerate() {
        let row = i + 1;
        match checked {
            Ok((v, hash)) => {
                if let Some(h) = &hash
                    && let Some(first) = seen.insert(h.clone(), row)
                {
                    problems.push(RowProblem::new(
                        row,
                        &COLUMNS,
                        "id_number",
                        format!("与第 {first} 行的身份证号码重复"),
                    ));
                }
                valid.push((row, v, hash));
            }
            Err(e) => problems.extend(RowProblem::for_row(row, &COLUMNS, e.0)),
        }
    }
    let hashes: Vec<String> = valid.iter().filter_map(|(_, _, h)| h.clone()).collect();
    let mut existing = HashSet::new();
    for chunk in hashes.chunks(500) {
        let found =
            person::Entity::find().filter(person::Column::IdNumberHash.is_in(chunk.to_vec())).all(&app.db).await?;
        existing.extend(found.into_iter().filter_map(|p| p.id_number_hash));
    }
    for (row, _, hash) in &valid {
        if hash.as_ref().is_some_and(|h| existing.contains(h)) {
            problems.push(RowProblem::new(*row, &COLUMNS, "id_number", "该身份证号码已登记，同一号码即同一人"));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(AppError::Rows(problems));
    }
    Ok(valid.into_iter().map(|(_, v, h)| (v, h)).collect())
}

impl crate::batch::Importable for NewPerson {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COLUMNS;
    const REQUIRED: &'static [&'static str] = &["name"];
    const EXAMPLE: &'static [&'static str] =
        &["张三", "男", "1995-05-04", "370214199505041234", "13800000000", "2012-05-04", "共青团员", "CY01-23"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "gender" => Some(Gender::ALL.iter().map(|k| k.label()).collect()),
            "political_status" => Some(PoliticalStatus::ALL.iter().map(|k| k.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            name: cell("name"),
            gender: cell("gender"),
            birth_on: cell("birth_on"),
            id_number: cell("id_number"),
            phone: cell("phone"),
            member_since: cell("member_since"),
            political_status: cell("political_status"),
            region_code: cell("region_code"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        create_batch_with_progress(app, actor, rows, dry_run, progress).await.map(|ids| ids.len())
    }
}
