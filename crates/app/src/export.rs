//! Exports: every list becomes a one-sheet workbook whose cells are all written as text, so
//! nothing a user typed can become a formula and long numbers keep every digit. The header row is
//! bold and frozen, and each column is as wide as its content (Chinese characters count double).

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
