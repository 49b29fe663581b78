//! Reports as files: the figures of the catalogue as text, JSON or xlsx, for the CLI, the API and downloads.

use rust_xlsxwriter::Workbook;
use serde_json::{Map, Value, json};

use super::Report;
use crate::AppError;
use crate::forms::number;

/// `{"org.social_domain.count": {"value": 636, "baseline_value": 527, "delta": 109, "growth_pct": 20.7, …}, …}`,
/// and the details under `activities.by_category`, `activities.by_audience` and `projects.indicators`.
pub fn to_json(report: &Report) -> Value {
    let mut out = Map::new();
    for f in &report.figures {
        out.insert(
            f.indicator.key.to_owned(),
            json!({
                "name": f.indicator.name,
                "unit": f.indicator.unit,
                "value": if f.unavailable.is_some() { Value::Null } else { json!(f.value) },
                "unavailable": f.unavailable,
                "baseline_value": f.baseline_value,
                "delta": f.delta,
                "growth_pct": f.growth_pct,
                "of": f.of,
                "definition": f.indicator.definition,
            }),
        );
    }
    let d = &report.details;
    out.insert("activities.by_category".into(), json!(d.by_category));
    out.insert("activities.by_audience".into(), json!(d.by_audience));
    out.insert("projects.indicators".into(), json!(d.projects));
    Value::Object(out)
}

fn value_text(v: Option<f64>) -> String {
    v.map(number).unwrap_or_else(|| "—".into())
}

/// One line per figure: name, value, baseline, change.
pub fn to_text(report: &Report) -> String {
    let params = &report.params;
    let mut out = format!(
        "青团统计报告 · {} · 统计日 {} · 基准日 {} · 期间指标自 {} 起\n\n",
        params.scope_org.name,
        params.as_of,
        params.baseline,
        params.period_start()
    );
    for f in &report.figures {
        let mut line = format!("{:<24} {:>8} {}", f.indicator.name, f.shown(), f.indicator.unit);
        if let Some(of) = f.of {
            line.push_str(&format!("（共 {of} 个）"));
        }
        line.push_str("  ");
        line.push_str(&f.comparison());
        out.push_str(&line);
        out.push('\n');
    }
    let d = &report.details;
    for (title, rows) in [("活动报名与参加（按类别）", &d.by_category), ("活动报名与参加（按对象）", &d.by_audience)]
    {
        out.push_str(&format!("\n{title}\n"));
        for b in rows {
            out.push_str(&format!("{:<16} 报名 {:>6} 人次  参加 {:>6} 人次\n", b.label, b.signups, b.attended));
        }
    }
    out.push_str("\n项目指标\n");
    if d.projects.is_empty() {
        out.push_str("（无）\n");
    }
    for p in &d.projects {
        out.push_str(&format!(
            "{}{} · {} {} {}（基准 {}）\n",
            p.project,
            if p.brand { "（品牌项目）" } else { "" },
            p.indicator,
            value_text(p.value),
            p.unit,
            value_text(p.baseline_value)
        ));
    }
    out
}

pub fn to_xlsx(report: &Report) -> Result<Vec<u8>, AppError> {
    let params = &report.params;
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("统计报告").map_err(x)?;
    sheet
        .write_string(0, 0, format!("{} 统计日 {} 基准日 {}", params.scope_org.name, params.as_of, params.baseline))
        .map_err(x)?;
    let header = ["指标代码", "指标", "单位", "数值", "基准值", "变化", "增长率(%)", "范围内总数", "口径说明"];
    for (col, h) in (0_u16..).zip(header) {
        sheet.write_string(2, col, h).map_err(x)?;
    }
    for (row, f) in (3_u32..).zip(&report.figures) {
        sheet.write_string(row, 0, f.indicator.key).map_err(x)?;
        sheet.write_string(row, 1, f.indicator.name).map_err(x)?;
        sheet.write_string(row, 2, f.indicator.unit).map_err(x)?;
        match &f.unavailable {
            Some(reason) => sheet.write_string(row, 3, format!("—（{reason}）")).map(|_| ()),
            None => sheet.write_number(row, 3, f.value as f64).map(|_| ()),
        }
        .map_err(x)?;
        if let Some(b) = f.baseline_value {
            sheet.write_number(row, 4, b as f64).map_err(x)?;
        }
        if let Some(d) = f.delta {
            sheet.write_number(row, 5, d as f64).map_err(x)?;
        }
        if let Some(g) = f.growth_pct {
            sheet.write_number(row, 6, g).map_err(x)?;
        }
        if let Some(of) = f.of {
            sheet.write_number(row, 7, of as f64).map_err(x)?;
        }
        sheet.write_string(row, 8, f.indicator.definition).map_err(x)?;
    }
    let d = &report.details;
    let sheet = book.add_worksheet();
    sheet.set_name("活动").map_err(x)?;
    for (col, h) in (0_u16..).zip(["维度", "类别/对象", "报名（人次）", "参加（人次）"]) {
        sheet.write_string(0, col, h).map_err(x)?;
    }
    let rows = d.by_category.iter().map(|b| ("类别", b)).chain(d.by_audience.iter().map(|b| ("对象", b)));
    for (row, (dim, b)) in (1_u32..).zip(rows) {
        sheet.write_string(row, 0, dim).map_err(x)?;
        sheet.write_string(row, 1, b.label).map_err(x)?;
        sheet.write_number(row, 2, b.signups as f64).map_err(x)?;
        sheet.write_number(row, 3, b.attended as f64).map_err(x)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("项目指标").map_err(x)?;
    for (col, h) in (0_u16..).zip(["项目", "品牌项目", "指标", "单位", "数值", "基准值"]) {
        sheet.write_string(0, col, h).map_err(x)?;
    }
    for (row, p) in (1_u32..).zip(&d.projects) {
        sheet.write_string(row, 0, &p.project).map_err(x)?;
        sheet.write_string(row, 1, if p.brand { "是" } else { "否" }).map_err(x)?;
        sheet.write_string(row, 2, &p.indicator).map_err(x)?;
        sheet.write_string(row, 3, &p.unit).map_err(x)?;
        if let Some(v) = p.value {
            sheet.write_number(row, 4, v).map_err(x)?;
        }
        if let Some(v) = p.baseline_value {
            sheet.write_number(row, 5, v).map_err(x)?;
        }
    }
    book.save_to_buffer().map_err(x)
}
