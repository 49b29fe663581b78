//! Reading an uploaded file: `.xlsx` (checked entry by entry before anything is unpacked) or
//! `.csv` (UTF-8), cell by cell, within limits.

use std::io::Cursor;

use calamine::{DataRef, Reader};
use chrono::NaiveDate;

use crate::AppError;
use crate::error::AppResult;

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

/// Property tests of the readers (proptest): no file, however broken, makes them panic or read
/// past the limits, and a CSV reads back the cells that were written.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::{Cell, Limits, read};

    const SMALL: Limits = Limits { max_rows: 50, max_columns: 8 };

    /// A small real workbook: a header, text, numbers and a date.
    fn workbook() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, title) in ["姓名", "身份证号", "人数", "日期"].iter().enumerate() {
            sheet.write_string(0, c as u16, *title).unwrap();
        }
        for r in 1..20_u32 {
            sheet.write_string(r, 0, format!("团员{r}")).unwrap();
            sheet.write_string(r, 1, "11010519491231002X").unwrap();
            sheet.write_number(r, 2, f64::from(r)).unwrap();
            let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2022, 5, 31).unwrap();
            sheet.write_datetime(r, 3, &date).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

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
            let mut bytes = workbook();
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
