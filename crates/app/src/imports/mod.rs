//! Excel and CSV: a template per registry, imports that write everything or nothing, and the list
//! of problems (row, column, message) as a workbook. Rows are numbered as the spreadsheet shows
//! them: the header is row 1.
//!
//! What can be imported is the list in `importables!`: one line per registry, naming the form
//! type that implements `batch::Importable` in its own capability.

pub mod template;

pub use crate::sheet::{Cell, Limits, Sheet, read};
pub use template::{problems_xlsx, template};

use crate::accountability::NewLetterTarget;
use crate::batch::{Importable, Progress};
use crate::consultations::NewCase;
use crate::error::{AppResult, RowProblem, column_label};
use crate::platforms::communities::{NewCommunity, NewCommunityCount};
use crate::platforms::ledger::NewLine;
use crate::platforms::societies::{NewLinkChange, NewSociety};
use crate::platforms::venues::NewVenue;
use crate::registry::orgs::NewOrg;
use crate::registry::partners::NewPartner;
use crate::registry::people::{self, NewPerson};
use crate::registry::positions::NewPosition;
use crate::registry::regions::{NewPopulation, NewRegion};
use crate::registry::self_orgs::NewSelfOrg;
use crate::{Actor, App, AppError};

macro_rules! importables {
    ($($variant:ident => $code:literal, $label:literal, $form:ty;)*) => {
        /// What can be imported.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Self::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }

            /// (field, column header) in template order.
            pub fn columns(self) -> &'static [(&'static str, &'static str)] {
                match self { $(Self::$variant => <$form as Importable>::COLUMNS),* }
            }

            /// The columns a file of this kind must have.
            fn required(self) -> &'static [&'static str] {
                match self { $(Self::$variant => <$form as Importable>::REQUIRED),* }
            }

            /// One example row for the template.
            fn example(self) -> &'static [&'static str] {
                match self { $(Self::$variant => <$form as Importable>::EXAMPLE),* }
            }

            /// The accepted values of a column whose values are a fixed list, as users write them.
            fn choices(self, field: &str) -> Option<Vec<&'static str>> {
                match self { $(Self::$variant => <$form as Importable>::choices(field)),* }
            }

            async fn write(
                self,
                app: &App,
                actor: &Actor,
                records: &[Vec<(&'static str, String)>],
                dry_run: bool,
                progress: Progress<'_>,
            ) -> AppResult<usize> {
                match self { $(Self::$variant => write_as::<$form>(app, actor, records, dry_run, progress).await),* }
            }
        }
    };
}

importables! {
    Regions => "regions", "区域", NewRegion;
    Populations => "populations", "青年人口", NewPopulation;
    Orgs => "orgs", "组织", NewOrg;
    People => "people", "人员", NewPerson;
    Positions => "positions", "职务", NewPosition;
    SelfOrgs => "self_orgs", "青年自组织", NewSelfOrg;
    Partners => "partners", "合作伙伴", NewPartner;
    Letters => "letters", "责任状目标", NewLetterTarget;
    Societies => "societies", "青年社团", NewSociety;
    SocietyLinks => "society_links", "青年社团联系程度变更", NewLinkChange;
    Communities => "communities", "网上青年社群", NewCommunity;
    CommunityCounts => "community_counts", "网上青年社群成员数", NewCommunityCount;
    Contributions => "contributions", "资源台账", NewLine;
    Venues => "venues", "阵地", NewVenue;
    Consultations => "consultations", "咨询个案", NewCase;
}

impl Kind {
    /// The kind named by its code or its label.
    pub fn parse(code: &str) -> Result<Self, AppError> {
        Self::ALL.iter().copied().find(|k| k.code() == code || k.label() == code).ok_or_else(|| {
            let codes: Vec<&str> = Self::ALL.iter().map(|k| k.code()).collect();
            AppError::Invalid(qingtuan_domain::Invalid::one(
                "kind",
                format!("未知的导入类型“{code}”，应为 {}", codes.join("、")),
            ))
        })
    }
}

/// The rows as forms of `T`, written in one batch.
async fn write_as<T: Importable>(
    app: &App,
    actor: &Actor,
    records: &[Vec<(&'static str, String)>],
    dry_run: bool,
    progress: Progress<'_>,
) -> AppResult<usize> {
    let forms: Vec<T> = records
        .iter()
        .map(|r| T::from_row(&|f| r.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone()).unwrap_or_default()))
        .collect();
    T::write(app, actor, &forms, dry_run, progress).await
}

/// May the actor import anything (orgs and regions, or people and posts)? Checked before a byte
/// of an upload is read; `run` checks the kind's own permission over each row's org.
pub async fn may_import(app: &App, actor: &Actor) -> AppResult<()> {
    let orgs_write = crate::registry::orgs::WRITE;
    if actor.can_somewhere(orgs_write) {
        return Ok(());
    }
    crate::access::scope::require_somewhere(app, actor, people::WRITE).await
}

/// Imports running now, by user: one at a time per user, `MAX_IMPORTS` in the whole server.
static RUNNING: std::sync::Mutex<Vec<Option<i64>>> = std::sync::Mutex::new(Vec::new());
const MAX_IMPORTS: usize = 2;

/// A place among the imports running; the place is given back when this is dropped.
#[derive(Debug)]
pub struct Slot(Option<i64>);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = running.iter().position(|u| *u == self.0) {
            running.swap_remove(i);
        }
    }
}

/// Takes a place for the actor's import, or says the server (or the actor's own other import)
/// is busy.
pub fn take_slot(actor: &Actor) -> AppResult<Slot> {
    let user = actor.user_id().map(|u| u.0);
    let mut running = RUNNING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if running.len() >= MAX_IMPORTS || (user.is_some() && running.contains(&user)) {
        return Err(AppError::Busy);
    }
    running.push(user);
    Ok(Slot(user))
}

/// Which column of the file holds which field; problems for unknown or missing columns.
fn map_header(kind: Kind, header: &[Cell]) -> Result<Vec<Option<&'static str>>, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut fields = Vec::with_capacity(header.len());
    for cell in header {
        let name = match cell {
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Empty => String::new(),
            other => format!("{other:?}"),
        };
        if name.is_empty() {
            fields.push(None);
            continue;
        }
        match kind.columns().iter().find(|(f, l)| *f == name || *l == name) {
            Some((f, _)) => fields.push(Some(*f)),
            None => {
                problems.push(RowProblem {
                    row: 1,
                    column: name.clone(),
                    message: format!("未知的列“{name}”，请使用模板中的列名"),
                });
                fields.push(None);
            }
        }
    }
    for (field, label) in kind.columns() {
        if kind.required().contains(field) && !fields.contains(&Some(*field)) {
            problems
                .push(RowProblem { row: 1, column: (*label).to_owned(), message: format!("缺少列“{label}”") });
        }
    }
    if problems.is_empty() { Ok(fields) } else { Err(problems) }
}

/// The text of a cell for `field`. An ID number in a numeric cell is refused: Excel keeps only 15
/// significant digits, so the number may already be wrong.
fn text_of(field: &str, label: &str, cell: &Cell, row: usize, problems: &mut Vec<RowProblem>) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.trim().to_owned(),
        Cell::Date(d) => d.to_string(),
        Cell::Number(_) if field == "id_number" => {
            problems.push(RowProblem {
                row,
                column: label.to_owned(),
                message: "身份证号码必须以文本格式填写：Excel 的数字单元格只保留 15 位有效数字，号码可能已被改变"
                    .into(),
            });
            String::new()
        }
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub kind: Kind,
    pub rows: usize,
    pub dry_run: bool,
}

/// Imports the rows of `sheet` as `kind`: all rows or none. `progress(done, total)` is called as
/// rows are written.
pub async fn run(
    app: &App,
    actor: &Actor,
    kind: Kind,
    sheet: &Sheet,
    dry_run: bool,
    progress: Progress<'_>,
) -> AppResult<Outcome> {
    let Some((header, body)) = sheet.rows.split_first() else {
        return Err(AppError::Rows(vec![RowProblem {
            row: 1, column: String::new(), message: "文件是空的".into()
        }]));
    };
    let fields = map_header(kind, header).map_err(AppError::Rows)?;
    let mut problems = Vec::new();
    let mut records: Vec<Vec<(&'static str, String)>> = Vec::with_capacity(body.len());
    for (i, row) in body.iter().enumerate() {
        if row.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let line = i + 2;
        let mut record = Vec::new();
        for (cell, field) in row.iter().zip(&fields) {
            if let Some(f) = field {
                let label = column_label(kind.columns(), f);
                record.push((*f, text_of(f, &label, cell, line, &mut problems)));
            }
        }
        records.push(record);
    }
    if records.is_empty() {
        problems.push(RowProblem { row: 2, column: String::new(), message: "文件中没有数据行".into() });
        return Err(AppError::Rows(problems));
    }
    // With problems in the cells already, the rows are still checked (and nothing is written), so
    // the user gets every problem at once.
    let cell_problems = problems;
    let dry_run = dry_run || !cell_problems.is_empty();
    // Batches number their rows from 1; the spreadsheet's data start on row 2.
    let shift = |e: AppError| match e {
        AppError::Rows(rows) => AppError::Rows(rows.into_iter().map(|p| RowProblem { row: p.row + 1, ..p }).collect()),
        other => other,
    };
    let rows = kind.write(app, actor, &records, dry_run, progress).await.map_err(shift);
    let mut problems = cell_problems;
    match rows {
        Err(AppError::Rows(more)) => problems.extend(more),
        Err(other) => return Err(other),
        Ok(rows) if problems.is_empty() => return Ok(Outcome { kind, rows, dry_run }),
        Ok(_) => {}
    }
    problems.sort_by_key(|p| p.row);
    Err(AppError::Rows(problems))
}
