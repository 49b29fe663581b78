//! Exports: every list becomes a one-sheet workbook whose cells are all written as text, so
//! nothing a user typed can become a formula and long numbers keep every digit.

use rust_xlsxwriter::Workbook;

use crate::AppError;

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
    for (col, title) in (0_u16..).zip(header) {
        sheet.write_string(0, col, *title).map_err(x)?;
    }
    for (r, row) in (1_u32..).zip(rows) {
        for (col, cell) in (0_u16..).zip(row) {
            sheet.write_string(r, col, cell).map_err(x)?;
        }
    }
    book.save_to_buffer().map_err(x)
}
