//! Exports: every list becomes a one-sheet workbook whose cells are all written as text, so
//! nothing a user typed can become a formula and long numbers keep every digit. The header row is
//! bold and frozen, and each column is as wide as its content (Chinese characters count double).

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use rust_xlsxwriter::Workbook;
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
    let bytes = text_workbook(sheet_name, header, rows)?;
    record(app, actor, what, count).await?;
    Ok(bytes)
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

/// At most this many rows go into one export; narrow the filters for more.
pub const EXPORT_LIMIT: u64 = 100_000;

/// A workbook with one sheet: the header row, then `rows`.
pub fn text_workbook(
    sheet_name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, AppError> {
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(x)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for (col, title) in (0_u16..).zip(header) {
        sheet.write_string_with_format(0, col, *title, &bold).map_err(x)?;
    }
    for (r, row) in (1_u32..).zip(rows) {
        for (col, cell) in (0_u16..).zip(row) {
            let w = display_width(&cell);
            match widths.get_mut(usize::from(col)) {
                Some(max) => *max = (*max).max(w),
                None => widths.push(w),
            }
            sheet.write_string(r, col, cell).map_err(x)?;
        }
    }
    for (col, w) in (0_u16..).zip(&widths) {
        // A little room beside the text, at most 60 characters wide.
        sheet.set_column_width(col, (*w + 2).min(60) as f64).map_err(x)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(x)?;
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
