//! Exports: every list becomes a one-sheet workbook staff can hand on — a title row saying what,
//! whose data (the exporting user's scope), which period and when, then the bold, frozen header,
//! each column as wide as its content (Chinese characters count double). Dates are dates and
//! numbers numbers; identifiers (codes, ID numbers, phones) and everything else are text, so
//! nothing a user typed can become a formula and long numbers keep every digit. Import templates
//! are plain: the header in the first row, every cell text.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use rust_xlsxwriter::Workbook;
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect, Select};
use serde_json::{Value, json};

use crate::access::audit::{self, Entry};
use crate::error::AppResult;
use crate::{Actor, App, AppError};

/// What an export holds, for its audit row: the kind of rows, the org they belong to (when one),
/// and what was asked (a filter, the activity or shift).
#[derive(Debug, Clone)]
pub struct Exported {
    pub kind: ObjectKind,
    pub scope: Option<OrgId>,
    pub asked: Value,
}

impl Exported {
    pub fn of(kind: ObjectKind, asked: Value) -> Self {
        Self { kind, scope: None, asked }
    }

    pub fn within(mut self, org: OrgId) -> Self {
        self.scope = Some(org);
        self
    }
}

/// Every export: the rows as a text workbook (see `text_workbook`) and an audit row saying who
/// exported how many rows of what. The caller has checked the permission over what it exports.
pub async fn audited(
    app: &App,
    actor: &Actor,
    what: Exported,
    sheet_name: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> AppResult<Vec<u8>> {
    let count = rows.len();
    let title = title(app, actor, sheet_name, &what).await?;
    let bytes = workbook(Some(&title), sheet_name, header, rows, true)?;
    record(app, actor, what, count).await?;
    Ok(bytes)
}

/// An export's title: what, whose data (the org the rows belong to, the org the list was narrowed
/// to and those below it, or else the user's scope), which period (as asked), when and by whom.
async fn title(app: &App, actor: &Actor, sheet_name: &str, what: &Exported) -> AppResult<String> {
    let asked = &what.asked;
    let text = |key: &str| asked.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    let narrowed = match (what.scope, text("org")) {
        (Some(org), _) => crate::tree::names(&app.db, vec![org.0]).await?.remove(&org.0),
        (None, Some(typed)) => match crate::tree::find_named(&app.db, sea_orm::Condition::all(), typed).await? {
            crate::tree::Named::One(o) => Some(format!("{}及下级", o.name)),
            _ => None,
        },
        (None, None) => None,
    };
    let scope = match narrowed {
        Some(name) => name,
        None => {
            let mut roots: Vec<i64> = actor.grants.iter().map(|g| g.scope_org_id.0).collect();
            roots.sort_unstable();
            roots.dedup();
            let names = crate::tree::names(&app.db, roots.clone()).await?;
            roots.iter().filter_map(|id| names.get(id).map(String::as_str)).collect::<Vec<_>>().join("、")
        }
    };
    let mut parts = vec![sheet_name.to_owned()];
    if !scope.is_empty() {
        parts.push(format!("数据范围：{scope}"));
    }
    match (text("from"), text("to").or(text("as_of"))) {
        (Some(from), Some(to)) => parts.push(format!("期间：{from} 至 {to}")),
        (Some(from), None) => parts.push(format!("期间：{from} 起")),
        (None, Some(to)) => parts.push(format!("截至 {to}")),
        (None, None) => {}
    }
    let now = qingtuan_domain::time::format_local(app.now());
    parts.push(format!("导出：{now} {}", actor.display_name()));
    Ok(parts.join("　"))
}

/// The audit row of an export of `rows` rows (for a workbook of several sheets, such as a report).
pub async fn record(app: &App, actor: &Actor, what: Exported, rows: usize) -> AppResult<()> {
    let mut after = json!({ "rows": rows });
    if let (Some(map), Value::Object(asked)) = (after.as_object_mut(), what.asked) {
        map.extend(asked);
    }
    let mut entry = Entry::new(AuditAction::Exported, what.kind).after(after);
    if let Some(org) = what.scope {
        entry = entry.object(org).scope(org);
    }
    audit::record(app.writer(), app.now(), actor, entry).await
}

/// At most this many rows go into one export (narrow the filters for more): as many as an import
/// reads (`sheet::Limits`), so that a registry exported whole can come back in.
pub const EXPORT_LIMIT: u64 = 200_000;

/// The rows an export holds: all that `query` finds, or — when it finds more than `EXPORT_LIMIT` —
/// a refusal naming the limit (422), so that a workbook never stops short without saying so.
pub(crate) async fn rows_of<E: EntityTrait>(db: &DatabaseConnection, query: Select<E>) -> AppResult<Vec<E::Model>> {
    let found = query.limit(EXPORT_LIMIT + 1).all(db).await?;
    within_limit(found.len() as u64)?;
    Ok(found)
}

/// Refuses an export of more than `EXPORT_LIMIT` rows (422), asking for narrower filters.
pub(crate) fn within_limit(rows: u64) -> AppResult<()> {
    if rows > EXPORT_LIMIT {
        let message = format!(
            "符合条件的记录超过 {EXPORT_LIMIT} 条，超出一次导出的上限：请缩小筛选范围（如按组织、日期）后分批导出"
        );
        return Err(qingtuan_domain::Invalid::one("export", message).into());
    }
    Ok(())
}

/// A workbook with one sheet: the header row, then `rows`, every cell text (an import template).
pub fn text_workbook(
    sheet_name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, AppError> {
    workbook(None, sheet_name, header, rows, false)
}

/// Headers of columns that hold identifiers: always text, whatever they look like.
const IDENTIFIERS: [&str; 9] = ["代码", "号码", "身份证", "手机", "电话", "票据", "信用", "用户名", "证件"];

/// How a cell is written: a date, a number, or text.
enum Cell {
    Date(rust_xlsxwriter::ExcelDateTime),
    Number(f64),
    Text,
}

fn typed(cell: &str) -> Cell {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d")
        && cell.len() == 10
    {
        use chrono::Datelike;
        let ymd = (u16::try_from(d.year()), u8::try_from(d.month()), u8::try_from(d.day()));
        if let (Ok(y), Ok(m), Ok(day)) = ymd
            && let Ok(date) = rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, day)
        {
            return Cell::Date(date);
        }
    }
    // A number as lists print it: no leading zero (that is a code), at most 15 digits.
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && !(digits.contains('.') && fraction.is_empty())
        && whole.len() + fraction.len() <= 15;
    match cell.parse::<f64>() {
        Ok(n) if plain => Cell::Number(n),
        _ => Cell::Text,
    }
}

/// A workbook with one sheet: an optional title row, the header row, then `rows` — with
/// `typed`, dates and numbers as such outside identifier columns; else all text.
fn workbook(
    title: Option<&str>,
    sheet_name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    typed_cells: bool,
) -> Result<Vec<u8>, AppError> {
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(x)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let first: u32 = match title {
        Some(t) => {
            let last = u16::try_from(header.len().saturating_sub(1)).unwrap_or(0);
            if last > 0 {
                sheet.merge_range(0, 0, 0, last, t, &bold).map_err(x)?;
            } else {
                sheet.write_string_with_format(0, 0, t, &bold).map_err(x)?;
            }
            1
        }
        None => 0,
    };
    // …and every "…号" (编号, 收据号, 账号, 单号): a number is an identifier there.
    let identifier: Vec<bool> =
        header.iter().map(|h| h.ends_with('号') || IDENTIFIERS.iter().any(|w| h.contains(w))).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for (col, name) in (0_u16..).zip(header) {
        sheet.write_string_with_format(first, col, *name, &bold).map_err(x)?;
    }
    for (r, row) in (first + 1..).zip(rows) {
        for (col, cell) in (0_u16..).zip(row) {
            let w = display_width(&cell);
            let index = usize::from(col);
            match widths.get_mut(index) {
                Some(max) => *max = (*max).max(w),
                None => widths.push(w),
            }
            let as_text = !typed_cells || identifier.get(index).copied().unwrap_or(false);
            match if as_text { Cell::Text } else { typed(&cell) } {
                Cell::Date(d) => sheet.write_datetime_with_format(r, col, &d, &date).map_err(x)?,
                Cell::Number(n) => sheet.write_number(r, col, n).map_err(x)?,
                Cell::Text => sheet.write_string(r, col, cell).map_err(x)?,
            };
        }
    }
    for (col, w) in (0_u16..).zip(&widths) {
        // A little room beside the text, at most 60 characters wide.
        sheet.set_column_width(col, (*w + 2).min(60) as f64).map_err(x)?;
    }
    sheet.set_freeze_panes(first + 1, 0).map_err(x)?;
    book.save_to_buffer().map_err(x)
}

/// How many columns a text takes in a spreadsheet: a Chinese (wide) character counts two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if u32::from(c) >= 0x1100 { 2 } else { 1 }).sum()
}

/// An uploaded file recognised by its content, ready to store: what it is, a safe name, its
/// SHA-256. Every store of a signed copy, a voucher or a photo checks its upload through here.
#[derive(Debug)]
pub struct Upload {
    pub kind: qingtuan_domain::accountability::DocumentType,
    pub name: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Refuses bytes that are none of `allowed` (`what` names them in the refusal); names the file
    /// from what was typed, or `fallback`.
    pub fn check(
        bytes: Vec<u8>,
        what: &str,
        allowed: &[qingtuan_domain::accountability::DocumentType],
        file_name: &str,
        fallback: &str,
    ) -> Result<Self, qingtuan_domain::Invalid> {
        use sha2::{Digest, Sha256};
        let kind = qingtuan_domain::accountability::DocumentType::check(&bytes, what, allowed)?;
        let name = kind.safe_name(file_name, fallback);
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(Self { kind, name, sha256, bytes })
    }

    /// What an audit row says of it: its name, size and SHA-256, never its bytes.
    pub fn facts(&self) -> Value {
        json!({ "file_name": self.name, "bytes": self.bytes.len(), "sha256": self.sha256 })
    }

    pub fn content_type(&self) -> String {
        self.kind.content_type().to_owned()
    }
}

/// A stored file (a signed copy, a photo, an attachment) as downloaded: its content type is the
/// one its bytes were recognised as when stored.
#[derive(Debug, Clone)]
pub struct Document {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::{EXPORT_LIMIT, within_limit};
    use crate::AppError;

    #[test]
    fn an_export_over_the_limit_is_refused_not_cut_short() {
        assert!(within_limit(EXPORT_LIMIT).is_ok());
        match within_limit(EXPORT_LIMIT + 1) {
            Err(AppError::Invalid(problems)) => {
                assert!(problems.0[0].message.contains("超过 200000 条"), "{problems:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
