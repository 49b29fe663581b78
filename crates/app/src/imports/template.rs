//! The template of each kind (header, example row, drop-down lists, a 填写说明 sheet) and the
//! workbook of an import's problems.

use rust_xlsxwriter::Workbook;

use super::{Cell, Kind, Sheet};
use crate::AppError;
use crate::error::{AppResult, RowProblem};

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
        if let Some(values) = kind.choices(field) {
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
        help.write_string(row, 1, if kind.required().contains(field) { "必填" } else { "选填" }).map_err(x)?;
        let rule = match kind.choices(field) {
            Some(values) => format!("从下拉列表中选择：{}", values.join("、")),
            None => column_rule(field).to_owned(),
        };
        help.write_string(row, 2, rule).map_err(x)?;
    }
    book.save_to_buffer().map_err(x)
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
