//! Excel and CSV: a template per registry, imports that write everything or nothing, and the list
//! of problems (row, column, message) as a workbook. Rows are numbered as the spreadsheet shows
//! them: the header is row 1.

use std::io::Cursor;

use calamine::{DataRef, Reader};
use chrono::NaiveDate;
use rust_xlsxwriter::Workbook;

use crate::error::{AppResult, RowProblem, column_label};
use crate::registry::orgs::{self, NewOrg};
use crate::registry::people::{self, NewPerson};
use crate::registry::positions::{self, NewPosition};
use crate::registry::regions::{self, NewPopulation, NewRegion};
use crate::{Actor, App, AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Regions,
    Populations,
    Orgs,
    People,
    Positions,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Self::Regions, Self::Populations, Self::Orgs, Self::People, Self::Positions];

    pub fn code(self) -> &'static str {
        match self {
            Self::Regions => "regions",
            Self::Populations => "populations",
            Self::Orgs => "orgs",
            Self::People => "people",
            Self::Positions => "positions",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Regions => "区域",
            Self::Populations => "青年人口",
            Self::Orgs => "组织",
            Self::People => "人员",
            Self::Positions => "职务",
        }
    }

    pub fn parse(code: &str) -> Result<Self, AppError> {
        Self::ALL.into_iter().find(|k| k.code() == code || k.label() == code).ok_or_else(|| {
            AppError::Invalid(qingtuan_domain::Invalid::one(
                "kind",
                format!("未知的导入类型“{code}”，应为 regions、populations、orgs、people 或 positions"),
            ))
        })
    }

    pub fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Regions => &regions::REGION_COLUMNS,
            Self::Populations => &regions::POPULATION_COLUMNS,
            Self::Orgs => &orgs::COLUMNS,
            Self::People => &people::COLUMNS,
            Self::Positions => &positions::COLUMNS,
        }
    }

    /// One example row for the template.
    fn example(self) -> &'static [&'static str] {
        match self {
            Self::Regions => &["CY01-23", "示例社区", "社区", "CY01"],
            Self::Populations => &["CY01", "2022", "74300", "区统计局年度人口抽样"],
            Self::Orgs => &[
                "CY01-23B",
                "示例社区团支部",
                "团支部",
                "CY01T",
                "street_community",
                "CY01-23",
                "单位建",
                "2022-05-04",
                "",
            ],
            Self::People => {
                &["张三", "男", "1995-05-04", "370214199505041234", "13800000000", "2012-05-04", "共青团员", "CY01-23"]
            }
            Self::Positions => {
                &["370214199505041234", "张三", "CY01-23B", "书记", "兼职", "两委委员", "", "2022-05-04", ""]
            }
        }
    }
}

/// A cell as read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

/// The rows of the first sheet (or of a CSV file), the header first.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub rows: Vec<Vec<Cell>>,
}

/// The largest file an import reads: rows (the header included) and columns. A workbook whose
/// declared size or actual cells exceed them is refused before anything is allocated for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_rows: u32,
    pub max_columns: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_rows: 200_000, max_columns: 60 }
    }
}

/// May the actor import anything (orgs and regions, or people and posts)? Checked before a byte
/// of an upload is read; `run` checks the kind's own permission over each row's org.
pub async fn may_import(app: &App, actor: &Actor) -> AppResult<()> {
    let orgs_write = qingtuan_domain::permission::Permission::new(
        qingtuan_domain::permission::Module::Orgs,
        qingtuan_domain::permission::Action::Write,
    );
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

/// A zip entry (a sheet's XML inside an .xlsx) may unpack to at most this many bytes…
const MAX_ENTRY_BYTES: u64 = 256 * 1024 * 1024;
/// …and to at most this many times its packed size (XML packs well, but not a thousandfold).
const MAX_ENTRY_RATIO: u64 = 200;

/// Reads an `.xlsx` or `.csv` file within `limits`.
pub fn read(file_name: &str, bytes: &[u8], limits: Limits) -> AppResult<Sheet> {
    let bad = |m: String| AppError::Invalid(qingtuan_domain::Invalid::one("file", m));
    let too_big = || {
        bad(format!("文件过大：最多 {} 行、{} 列（含表头）；请分成几个文件导入", limits.max_rows, limits.max_columns))
    };
    let lower = file_name.to_lowercase();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if lower.ends_with(".csv") {
        if is_zip {
            return Err(bad("文件内容不是 CSV（看起来是 Excel 文件，请改用 .xlsx 扩展名）".into()));
        }
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| bad("CSV 文件应为 UTF-8 编码".into()))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| bad(format!("CSV 文件格式有误：{e}")))?;
            if rows.len() >= limits.max_rows as usize || record.len() > limits.max_columns as usize {
                return Err(too_big());
            }
            rows.push(
                record
                    .iter()
                    .map(|c| if c.trim().is_empty() { Cell::Empty } else { Cell::Text(c.to_owned()) })
                    .collect(),
            );
        }
        return Ok(Sheet { rows });
    }
    if !lower.ends_with(".xlsx") {
        return Err(bad("只能导入 .xlsx 或 .csv 文件".into()));
    }
    if !is_zip {
        return Err(bad("文件内容不是 Excel（.xlsx）文件".into()));
    }
    check_entries(bytes).map_err(bad)?;
    // calamine trusts what a workbook says (a cell may name a shared string that is not there);
    // a damaged or crafted file must not take the request down with it.
    std::panic::catch_unwind(|| read_xlsx(bytes, limits))
        .unwrap_or_else(|_| Err(bad("Excel 文件已损坏，无法读取；请用 Excel 打开后另存为 .xlsx 再导入".into())))
}

/// The first sheet of a workbook, within `limits`.
fn read_xlsx(bytes: &[u8], limits: Limits) -> AppResult<Sheet> {
    let bad = |m: String| AppError::Invalid(qingtuan_domain::Invalid::one("file", m));
    let too_big = || {
        bad(format!("文件过大：最多 {} 行、{} 列（含表头）；请分成几个文件导入", limits.max_rows, limits.max_columns))
    };
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| bad(format!("无法读取 Excel 文件：{e}")))?;
    let first = book.sheet_names().first().cloned().ok_or_else(|| bad("Excel 文件中没有工作表".into()))?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(|e| bad(format!("无法读取工作表：{e}")))?;
    // The declared size first: a sheet that claims a million rows is refused unread.
    let declared = cells.dimensions();
    if declared.end.0 >= limits.max_rows || declared.end.1 >= limits.max_columns {
        return Err(too_big());
    }
    // Then cell by cell, holding only what the limits allow, whatever the declaration said.
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|e| bad(format!("无法读取工作表：{e}")))? {
        let (row, col) = cell.get_position();
        if row >= limits.max_rows || col >= limits.max_columns {
            return Err(too_big());
        }
        let value = match cell.get_value() {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) if s.trim().is_empty() => Cell::Empty,
            DataRef::SharedString(s) if s.trim().is_empty() => Cell::Empty,
            DataRef::String(s) => Cell::Text(s.clone()),
            DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Text(b.to_string()),
            DataRef::DateTime(d) => d.as_datetime().map_or(Cell::Empty, |dt| Cell::Date(dt.date())),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.clone()),
            DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
        };
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let line = &mut rows[row];
        if line.len() <= col {
            line.resize(col + 1, Cell::Empty);
        }
        line[col] = value;
    }
    // Rows end at their last cell (a short row reads as empty cells), so a sparse sheet stays small.
    Ok(Sheet { rows })
}

/// Refuses a workbook with an entry that would unpack to too much (a zip bomb), by the sizes the
/// archive declares, before any entry is unpacked.
fn check_entries(bytes: &[u8]) -> Result<(), String> {
    let bomb = || "文件异常：解压后过大（可能是压缩炸弹），已拒绝".to_owned();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("无法读取 Excel 文件：{e}"))?;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| format!("无法读取 Excel 文件：{e}"))?;
        let (packed, unpacked) = (entry.compressed_size().max(1), entry.size());
        if unpacked > MAX_ENTRY_BYTES || unpacked / packed > MAX_ENTRY_RATIO {
            return Err(bomb());
        }
    }
    // The declared sizes can lie: every entry is unpacked once into nothing, counting, and one
    // that unpacks to more than it declared is refused before anything keeps its contents.
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| format!("无法读取 Excel 文件：{e}"))?;
        let declared = entry.size();
        let read = std::io::copy(&mut std::io::Read::take(&mut entry, declared + 1), &mut std::io::sink())
            .map_err(|e| format!("无法读取 Excel 文件：{e}"))?;
        if read > declared {
            return Err(bomb());
        }
    }
    Ok(())
}

/// The template: the header row and an example row, every cell formatted as text.
pub fn template(kind: Kind) -> AppResult<Vec<u8>> {
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(kind.label()).map_err(x)?;
    for (col, (field, label)) in (0_u16..).zip(kind.columns()) {
        sheet.set_column_format(col, &text).map_err(x)?;
        sheet.set_column_width(col, 18).map_err(x)?;
        sheet.write_string_with_format(0, col, *label, &bold).map_err(x)?;
        // A drop-down of the accepted values where the values are a fixed list.
        if let Some(values) = choices(kind, field) {
            let list = rust_xlsxwriter::DataValidation::new()
                .allow_list_strings(&values)
                .map_err(x)?
                .set_error_message(format!("请从下拉列表中选择“{label}”"))
                .map_err(x)?;
            sheet.add_data_validation(1, col, 200_000, col, &list).map_err(x)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(x)?;
    for (col, value) in (0_u16..).zip(kind.example()) {
        sheet.write_string(1, col, *value).map_err(x)?;
    }
    // 填写说明: every column, whether it must be filled, and what it takes.
    let help = book.add_worksheet();
    help.set_name("填写说明").map_err(x)?;
    for (col, (title, width)) in (0_u16..).zip([("列名", 16), ("是否必填", 10), ("填写要求", 90)]) {
        help.write_string_with_format(0, col, title, &bold).map_err(x)?;
        help.set_column_width(col, width).map_err(x)?;
    }
    help.write_string(1, 0, "说明").map_err(x)?;
    help.write_string(1, 2, "第一行是列名，请勿修改；第二行是示例，导入前请删除。所有行一并检查，任何一行有问题则全部不写入，并列出每处问题。")
        .map_err(x)?;
    for (row, (field, label)) in (2_u32..).zip(kind.columns()) {
        help.write_string(row, 0, *label).map_err(x)?;
        help.write_string(row, 1, if required(kind).contains(field) { "必填" } else { "选填" }).map_err(x)?;
        let rule = match choices(kind, field) {
            Some(values) => format!("从下拉列表中选择：{}", values.join("、")),
            None => column_rule(field).to_owned(),
        };
        help.write_string(row, 2, rule).map_err(x)?;
    }
    book.save_to_buffer().map_err(x)
}

/// The accepted values of a column whose values are a fixed list, as users write them.
fn choices(kind: Kind, field: &str) -> Option<Vec<&'static str>> {
    use qingtuan_domain::org::OrgKind;
    use qingtuan_domain::person::{Gender, PoliticalStatus};
    use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};
    use qingtuan_domain::region::{OrgBasis, RegionKind};
    Some(match (kind, field) {
        (Kind::Regions, "kind") => RegionKind::ALL.iter().map(|k| k.label()).collect(),
        (Kind::Orgs, "kind") => OrgKind::ALL.iter().map(|k| k.label()).collect(),
        (Kind::Orgs, "basis") => OrgBasis::ALL.iter().map(|k| k.label()).collect(),
        (Kind::People, "gender") => Gender::ALL.iter().map(|k| k.label()).collect(),
        (Kind::People, "political_status") => PoliticalStatus::ALL.iter().map(|k| k.label()).collect(),
        (Kind::Positions, "title") => Title::ALL.iter().map(|k| k.label()).collect(),
        (Kind::Positions, "employment") => Employment::ALL.iter().map(|k| k.label()).collect(),
        (Kind::Positions, "source") => CadreSource::ALL.iter().map(|k| k.label()).collect(),
        (Kind::Positions, "serving_level") => ServingLevel::ALL.iter().map(|k| k.label()).collect(),
        _ => return None,
    })
}

/// How a free-text column is filled in.
fn column_rule(field: &str) -> &'static str {
    match field {
        "code" => "1 至 40 位字母、数字、连字符、下划线或点，全区唯一",
        "name" => "不超过 100 个字",
        "parent_code" => "上级的代码（须已存在，或在本文件中更靠前的行）；团区委等根组织留空",
        "region_code" => "区域代码（先导入区域）",
        "sector_code" => "领域代码（见“领域设置”页，如 street_community）",
        "founded_on" => "形如 2022-05-04；不详可留空（按成立日期未知计，所有日期都计为存在）",
        "dissolved_on" => "已撤销的组织填写撤销日期（自该日起不再存在），须晚于成立日期；存续的组织留空",
        "id_number" => "18 位居民身份证号码，请以文本格式填写（数字格式会丢失位数）",
        "phone" => "11 位手机号码",
        "birth_on" => "形如 1995-05-04；有身份证号码时可不填",
        "member_since" => "入团时间，形如 2012-05-04",
        "org_code" => "组织代码（须已存在）",
        "start_on" => "形如 2022-05-04，不能早于组织的成立日期",
        "end_on" => "离任日期（自该日起不再任职），在岗留空；不能晚于组织的撤销日期",
        "year" => "四位年份，如 2022",
        "count" => "该区域该年的青年人口（人）",
        "source" => "数据来源，如 区统计局年度人口抽样",
        _ => "",
    }
}

/// The problems of an import as a workbook staff can fix the file from: each problem with its
/// row, column and message, then that row of the file as it was (under the file's own headers).
pub fn problems_xlsx(problems: &[RowProblem], sheet: &Sheet) -> AppResult<Vec<u8>> {
    let text = |c: &Cell| match c {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Empty => String::new(),
    };
    let file_header: Vec<String> = sheet.rows.first().map(|h| h.iter().map(text).collect()).unwrap_or_default();
    let mut header: Vec<&str> = vec!["行", "列", "问题"];
    header.extend(file_header.iter().map(String::as_str));
    crate::export::text_workbook(
        "导入问题",
        &header,
        problems.iter().map(|p| {
            let mut row = vec![p.row.to_string(), p.column.clone(), p.message.clone()];
            // Problem rows count from 1 as in the spreadsheet, the header being row 1.
            if p.row >= 2
                && let Some(data) = sheet.rows.get(p.row - 1)
            {
                row.extend(data.iter().map(text));
            }
            row
        }),
    )
}

/// The columns a file of this kind must have.
fn required(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Regions | Kind::Orgs => &["code", "name", "kind"],
        Kind::Populations => &["region_code", "year", "count", "source"],
        Kind::People => &["name"],
        Kind::Positions => &["id_number", "org_code", "title", "employment", "start_on"],
    }
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
        if required(kind).contains(field) && !fields.contains(&Some(*field)) {
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
    progress: &(dyn Fn(usize, usize) + Sync),
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
    let get =
        |r: &[(&str, String)], f: &str| r.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone()).unwrap_or_default();
    // Batches number their rows from 1; the spreadsheet's data start on row 2.
    let shift = |e: AppError| match e {
        AppError::Rows(rows) => AppError::Rows(rows.into_iter().map(|p| RowProblem { row: p.row + 1, ..p }).collect()),
        other => other,
    };
    let rows = match kind {
        Kind::Regions => {
            let forms: Vec<NewRegion> = records
                .iter()
                .map(|r| NewRegion {
                    code: get(r, "code"),
                    name: get(r, "name"),
                    kind: get(r, "kind"),
                    parent_code: get(r, "parent_code"),
                })
                .collect();
            regions::create_batch(app, actor, &forms, dry_run).await
        }
        Kind::Populations => {
            let forms: Vec<NewPopulation> = records
                .iter()
                .map(|r| NewPopulation {
                    region_code: get(r, "region_code"),
                    year: get(r, "year"),
                    count: get(r, "count"),
                    source: get(r, "source"),
                })
                .collect();
            regions::set_populations(app, actor, &forms, dry_run).await
        }
        Kind::Orgs => {
            let forms: Vec<NewOrg> = records
                .iter()
                .map(|r| NewOrg {
                    code: get(r, "code"),
                    name: get(r, "name"),
                    kind: get(r, "kind"),
                    parent_code: get(r, "parent_code"),
                    sector_code: get(r, "sector_code"),
                    region_code: get(r, "region_code"),
                    basis: get(r, "basis"),
                    founded_on: get(r, "founded_on"),
                    dissolved_on: get(r, "dissolved_on"),
                })
                .collect();
            orgs::create_batch(app, actor, &forms, dry_run, progress).await
        }
        Kind::People => {
            let forms: Vec<NewPerson> = records
                .iter()
                .map(|r| NewPerson {
                    name: get(r, "name"),
                    gender: get(r, "gender"),
                    birth_on: get(r, "birth_on"),
                    id_number: get(r, "id_number"),
                    phone: get(r, "phone"),
                    member_since: get(r, "member_since"),
                    political_status: get(r, "political_status"),
                    region_code: get(r, "region_code"),
                })
                .collect();
            people::create_batch_with_progress(app, actor, &forms, dry_run, progress).await.map(|ids| ids.len())
        }
        Kind::Positions => {
            let forms: Vec<NewPosition> = records
                .iter()
                .map(|r| NewPosition {
                    id_number: get(r, "id_number"),
                    name: get(r, "name"),
                    person_id: None,
                    org_code: get(r, "org_code"),
                    title: get(r, "title"),
                    employment: get(r, "employment"),
                    source: get(r, "source"),
                    serving_level: get(r, "serving_level"),
                    start_on: get(r, "start_on"),
                    end_on: get(r, "end_on"),
                })
                .collect();
            positions::create_batch_with_progress(app, actor, &forms, dry_run, progress).await
        }
    }
    .map_err(shift);
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

/// Property tests of the readers (proptest): no file, however broken, makes them panic or read
/// past the limits, and a CSV reads back the cells that were written.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::{Cell, Kind, Limits, read};

    const SMALL: Limits = Limits { max_rows: 50, max_columns: 8 };

    fn within(sheet: &super::Sheet, limits: Limits) -> bool {
        sheet.rows.len() <= limits.max_rows as usize
            && sheet.rows.iter().all(|r| r.len() <= limits.max_columns as usize)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..4096), xlsx in any::<bool>()) {
            let name = if xlsx { "x.xlsx" } else { "x.csv" };
            if let Ok(sheet) = read(name, &bytes, SMALL) {
                prop_assert!(within(&sheet, SMALL));
            }
        }

        /// A real workbook with bytes overwritten here and there: a damaged file, a truncated
        /// upload, a crafted one.
        #[test]
        fn damaged_workbooks_are_read_or_refused(
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..40),
            cut in prop::option::of(any::<prop::sample::Index>()),
        ) {
            let mut bytes = super::template(Kind::People).unwrap();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            if let Ok(sheet) = read("x.xlsx", &bytes, SMALL) {
                prop_assert!(within(&sheet, SMALL));
            }
        }

        #[test]
        fn dates_are_read_as_written_or_refused(s in any::<String>(), y in 1900_i32..2100, m in 1_u32..=12, d in 1_u32..=28, f in 0_usize..3) {
            let _ = crate::forms::parse_date("on", &s);
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let sep = ["-", "/", "."][f];
            let typed = format!("{y}{sep}{m}{sep}{d}");
            prop_assert_eq!(crate::forms::parse_date("on", &typed).unwrap(), Some(date));
            let full_width: String = typed.chars().map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap()).collect();
            prop_assert_eq!(crate::forms::parse_date("on", &full_width).unwrap(), Some(date));
        }

        #[test]
        fn csv_reads_back_what_was_written(rows in prop::collection::vec(prop::collection::vec("[^\u{0}\u{feff}]{0,12}", 1..6), 1..20)) {
            let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
            for row in &rows {
                writer.write_record(row).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let sheet = read("x.csv", &bytes, Limits::default()).expect("a CSV the csv crate wrote");
            let expected: Vec<Vec<Cell>> = rows
                .iter()
                .map(|r| r.iter().map(|c| if c.trim().is_empty() { Cell::Empty } else { Cell::Text(c.clone()) }).collect())
                .collect();
            prop_assert_eq!(sheet.rows, expected);
        }
    }
}
