//! Charts as SVG rendered on the server: they work offline, in print and in exports, with no
//! JavaScript. Labels are escaped here; the markup is then trusted by the templates.

use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Horizontal bars: one row per label, the value and (lighter, thinner) the baseline value.
pub fn bars(title: &str, rows: &[(String, i64, Option<i64>)]) -> String {
    let label_w = 150.0;
    let bar_w = 360.0;
    let row_h = 26.0;
    let top = 28.0;
    let max = rows.iter().flat_map(|(_, v, b)| [*v, b.unwrap_or(0)]).max().unwrap_or(1).max(1) as f64;
    let height = top + row_h * rows.len() as f64 + 10.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {height}" role="img" aria-label="{t}" class="chart"><text x="0" y="16" class="chart-title">{t}</text>"#,
        w = label_w + bar_w + 60.0,
        t = escape(title)
    );
    for (i, (label, value, baseline)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let w = bar_w * *value as f64 / max;
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{ty}" class="chart-label" text-anchor="end">{l}</text>"#,
            x = label_w - 8.0,
            ty = y + 15.0,
            l = escape(label)
        );
        if let Some(b) = baseline {
            let bw = bar_w * *b as f64 / max;
            let _ = write!(
                svg,
                r#"<rect x="{label_w}" y="{by}" width="{bw:.1}" height="6" class="bar-baseline"><title>基准 {b}</title></rect>"#,
                by = y + 16.0
            );
        }
        let _ = write!(
            svg,
            r#"<rect x="{label_w}" y="{y}" width="{w:.1}" height="14" class="bar"><title>{l}：{value}</title></rect><text x="{vx:.1}" y="{ty}" class="chart-value">{value}</text>"#,
            l = escape(label),
            vx = label_w + w + 6.0,
            ty = y + 12.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line over dates, with the first and last values marked.
pub fn line(title: &str, points: &[(chrono::NaiveDate, i64)]) -> String {
    let (w, h, left, top, bottom) = (560.0, 200.0, 50.0, 28.0, 30.0);
    let min = points.iter().map(|p| p.1).min().unwrap_or(0) as f64;
    let max = points.iter().map(|p| p.1).max().unwrap_or(1) as f64;
    let span = (max - min).max(1.0);
    let n = points.len().max(2) as f64 - 1.0;
    let xy = |i: usize, v: i64| {
        (left + (w - left - 20.0) * i as f64 / n, top + (h - top - bottom) * (1.0 - (v as f64 - min) / span))
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" class="chart"><text x="0" y="16" class="chart-title">{t}</text>"#,
        t = escape(title)
    );
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = xy(i, p.1);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(svg, r#"<polyline points="{}" class="line"/>"#, path.join(" "));
    for (i, (day, v)) in points.iter().enumerate() {
        let (x, y) = xy(i, *v);
        let _ = write!(svg, r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" class="dot"><title>{day}：{v}</title></circle>"#);
        if i == 0 || i + 1 == points.len() {
            let anchor = if i == 0 { "start" } else { "end" };
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{vy:.1}" class="chart-value" text-anchor="{anchor}">{v}</text><text x="{x:.1}" y="{dy}" class="chart-label" text-anchor="{anchor}">{day}</text>"#,
                vy = y - 8.0,
                dy = h - 8.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let svg = bars("<b>", &[("a&b".into(), 3, Some(1))]);
        assert!(svg.contains("&lt;b&gt;") && svg.contains("a&amp;b") && !svg.contains("<b>"));
    }
}
