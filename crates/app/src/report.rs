//! Reports: the figures of the catalogue as text, JSON or xlsx, for the CLI, the API and downloads.

use rust_xlsxwriter::Workbook;
use serde_json::{Map, Value, json};

use crate::AppError;
use crate::stats::{Figure, Params};

/// `{"org.social_domain.count": {"value": 636, "baseline_value": 527, "delta": 109, "growth_pct": 20.7, …}, …}`
pub fn to_json(figures: &[Figure]) -> Value {
    let mut out = Map::new();
    for f in figures {
        out.insert(
            f.indicator.key.to_owned(),
            json!({
                "name": f.indicator.name,
                "unit": f.indicator.unit,
                "value": f.value,
                "baseline_value": f.baseline_value,
                "delta": f.delta,
                "growth_pct": f.growth_pct,
                "of": f.of,
                "definition": f.indicator.definition,
            }),
        );
    }
    Value::Object(out)
}

fn signed(n: i64) -> String {
    if n > 0 { format!("+{n}") } else { n.to_string() }
}

/// One line per figure: name, value, baseline, change.
pub fn to_text(params: &Params, scope_name: &str, figures: &[Figure]) -> String {
    let mut out = format!(
        "青团统计报告 · {scope_name} · 统计日 {} · 基准日 {} · 期间指标自 {} 起\n\n",
        params.as_of,
        params.baseline,
        crate::stats::period_start(params)
    );
    for f in figures {
        let mut line = format!("{:<24} {:>8} {}", f.indicator.name, f.value, f.indicator.unit);
        if let Some(of) = f.of {
            line.push_str(&format!("（共 {of} 个）"));
        }
        let base = if f.indicator.measure == qingtuan_domain::indicator::Measure::Flow {
            "上一同长时段"
        } else {
            "基准"
        };
        match (f.baseline_value, f.delta) {
            (Some(b), Some(d)) => {
                line.push_str(&format!("  {base} {b}，变化 {}", signed(d)));
                if let Some(g) = f.growth_pct {
                    line.push_str(&format!("，增长 {g:.1}%"));
                }
            }
            _ => line.push_str("  （基准日后新成立）"),
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub fn to_xlsx(params: &Params, scope_name: &str, figures: &[Figure]) -> Result<Vec<u8>, AppError> {
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("统计报告").map_err(x)?;
    sheet.write_string(0, 0, format!("{scope_name} 统计日 {} 基准日 {}", params.as_of, params.baseline)).map_err(x)?;
    let header = ["指标代码", "指标", "单位", "数值", "基准值", "变化", "增长率(%)", "范围内总数", "口径说明"];
    for (col, h) in (0_u16..).zip(header) {
        sheet.write_string(2, col, h).map_err(x)?;
    }
    for (row, f) in (3_u32..).zip(figures) {
        sheet.write_string(row, 0, f.indicator.key).map_err(x)?;
        sheet.write_string(row, 1, f.indicator.name).map_err(x)?;
        sheet.write_string(row, 2, f.indicator.unit).map_err(x)?;
        sheet.write_number(row, 3, f.value as f64).map_err(x)?;
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
    book.save_to_buffer().map_err(x)
}
