//! A bulletin template rendered into a document: minijinja in a sandbox — no loader (so no
//! `include` or `import` of anything), fuel that stops a runaway loop, a size limit on the source
//! and on the output — with only the figures, the scope's names, the narrative blocks and the
//! formatting helpers below in reach.
//!
//! The output is text: `# ` starts the title, `## ` a section's heading, any other non-empty line
//! a paragraph. Every figure a helper writes is marked, so the document knows which figure (and
//! which period) each number is — for the links to its records, for the figures a published
//! bulletin freezes, and for the declines that need an explanation.
//!
//! Helpers (every figure helper takes `since="MM-DD"` or `since="YYYY-MM-DD"` for a period other
//! than the bulletin's — `"03-01"` is the 1st of March of the as-of year):
//! - `n(key)`: the value and unit, `636个`; `style="wan"` writes `1035万元`, `style="approx"`
//!   writes `97万余人次`;
//! - `change(key)`: `增加109个` or `减少3个` (or `持平`); `growth(key)`: `增长20.7%` or `下降1.5%`;
//! - `base(key)`: the baseline's value; `of(key)`: how many regions a coverage is out of;
//! - `value(key)`: the bare number, for `{% if %}`;
//! - `project(name)`: a project indicator's value and unit (e.g. `治理河心岛`);
//! - `block(name, default)`: a narrative block typed with the bulletin (a quotation, an event);
//! - variables `scope`, `as_of`, `baseline`, `from` (dates written `2022年5月31日`), `year`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Datelike, NaiveDate};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind};

use crate::figures::{Figure, ProjectFigure};

/// The most a template may hold, in bytes.
pub const MAX_SOURCE: usize = 30_000;
/// The most a rendered bulletin may hold, in bytes.
const MAX_OUTPUT: usize = 200_000;
/// The instructions a render may run: a bulletin needs a few thousand.
const FUEL: u64 = 200_000;

const MARK_OPEN: char = '\u{E000}';
const MARK_TEXT: char = '\u{E001}';
const MARK_CLOSE: char = '\u{E002}';

/// A figure written into the document: which indicator, over which period, what it read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Used {
    pub key: String,
    /// The period's start when not the bulletin's.
    pub since: Option<NaiveDate>,
    pub value: i64,
    pub baseline_value: Option<i64>,
    pub delta: Option<i64>,
}

/// A run of a paragraph: text, or a figure's words.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Span {
    Text { text: String },
    Figure { text: String, figure: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Title,
    Heading,
    Paragraph,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub spans: Vec<Span>,
}

impl Block {
    /// The block's words, figures included.
    pub fn text(&self) -> String {
        self.spans
            .iter()
            .map(|s| match s {
                Span::Text { text } | Span::Figure { text, .. } => text.as_str(),
            })
            .collect()
    }
}

/// A rendered bulletin: its blocks, the figures they show (indexed by the spans), and the names of
/// the narrative blocks the template asks for.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub blocks: Vec<Block>,
    pub figures: Vec<Used>,
    pub narrative: Vec<String>,
}

impl Document {
    /// The title: the first title block's words, else the first block's.
    pub fn title(&self) -> String {
        let title = self.blocks.iter().find(|b| b.kind == BlockKind::Title).or(self.blocks.first());
        title.map(Block::text).unwrap_or_default()
    }
}

/// What a template is rendered with: the scope and dates, the figures of each period it uses
/// (`None`: the bulletin's own), the projects' indicators and the narrative blocks typed.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub scope: String,
    pub as_of: Option<NaiveDate>,
    pub baseline: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub figures: HashMap<Option<NaiveDate>, Vec<Figure>>,
    pub projects: Vec<ProjectFigure>,
    pub narrative: HashMap<String, String>,
}

/// Why a template could not be rendered: the line (when known) and the reason, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub line: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "模板第 {line} 行：{}", self.reason),
            None => write!(f, "模板：{}", self.reason),
        }
    }
}

fn template_error(e: &Error) -> TemplateError {
    let detail = e.detail().map(|d| format!("（{d}）")).unwrap_or_default();
    let reason = match e.kind() {
        ErrorKind::SyntaxError => format!("语法错误{detail}"),
        ErrorKind::UnknownFunction => {
            format!("没有这个函数{detail}，可用：n、change、growth、base、of、value、project、block")
        }
        ErrorKind::UnknownFilter => format!("没有这个过滤器{detail}"),
        ErrorKind::TemplateNotFound => "模板不能引用其他文件或模板".to_owned(),
        ErrorKind::OutOfFuel => "模板运行步骤过多（可能是循环过大或死循环），已停止".to_owned(),
        ErrorKind::InvalidOperation => format!("操作无效{detail}"),
        ErrorKind::UndefinedError => format!("用到了没有定义的值{detail}"),
        ErrorKind::TooManyArguments => format!("函数的参数过多{detail}"),
        ErrorKind::MissingArgument => format!("函数缺少参数{detail}"),
        _ => format!("{}{detail}", e.kind()),
    };
    TemplateError { line: e.line(), reason }
}

/// A render's outcome: the document, or the periods it asks for whose figures it was not given
/// (a figure `since` a date, perhaps inside an `{% if %}` that only the figures decide).
#[derive(Debug, Clone)]
pub enum Outcome {
    Done(Document),
    Needs(Vec<NaiveDate>),
}

/// Checks a template without figures (each reads 0): its syntax, helpers and figures' keys, and
/// that it runs within its fuel.
pub fn check(source: &str) -> Result<(), TemplateError> {
    let state = Arc::new(State::new(Inputs::default(), true));
    run(source, &state).map(|_| ())
}

/// The template rendered with the figures given.
pub fn render(source: &str, inputs: &Inputs) -> Result<Outcome, TemplateError> {
    let state = Arc::new(State::new(inputs.clone(), false));
    let text = run(source, &state)?;
    let missing = state.missing.lock().map(|m| m.clone()).unwrap_or_default();
    if !missing.is_empty() {
        return Ok(Outcome::Needs(missing));
    }
    let figures = state.used.lock().map(|u| u.clone()).unwrap_or_default();
    let narrative = state.narrative.lock().map(|n| n.clone()).unwrap_or_default();
    Ok(Outcome::Done(Document { blocks: parse(&text), figures, narrative }))
}

/// Text without the characters that mark figures: nothing typed can pass for a computed number.
fn unmarked(text: &str) -> String {
    text.chars().filter(|c| !matches!(*c, MARK_OPEN | MARK_TEXT | MARK_CLOSE)).collect()
}

/// What the helpers read and record during one render.
struct State {
    inputs: Inputs,
    /// Checking only: figures read 0.
    dry: bool,
    used: Mutex<Vec<Used>>,
    narrative: Mutex<Vec<String>>,
    /// Periods asked for whose figures were not given.
    missing: Mutex<Vec<NaiveDate>>,
}

impl State {
    fn new(mut inputs: Inputs, dry: bool) -> Self {
        inputs.scope = unmarked(&inputs.scope);
        for text in inputs.narrative.values_mut() {
            // One paragraph each: a typed line can neither start a heading nor carry a mark.
            *text = unmarked(text).replace(['\r', '\n'], " ");
        }
        for p in &mut inputs.projects {
            p.unit = unmarked(&p.unit);
        }
        Self {
            inputs,
            dry,
            used: Mutex::new(Vec::new()),
            narrative: Mutex::new(Vec::new()),
            missing: Mutex::new(Vec::new()),
        }
    }

    /// The period a helper's `since` names: a full date, or a month and day of the as-of year.
    fn since(&self, kwargs: &Kwargs) -> Result<Option<NaiveDate>, Error> {
        let Some(raw) = kwargs.get::<Option<String>>("since")? else { return Ok(None) };
        let year = self.inputs.as_of.map_or(2000, |d| d.year());
        NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&format!("{year}-{raw}"), "%Y-%m-%d"))
            .ok()
            .filter(|d| qingtuan_domain::time::reportable(*d))
            .map(Some)
            .ok_or(())
            .map_err(|_| {
                Error::new(ErrorKind::InvalidOperation, format!("since=\"{raw}\" 不是日期（写 03-01 或 2022-03-01）"))
            })
    }

    /// The figure `key` over the period, recorded as used; its index among the used.
    fn figure(&self, key: &str, since: Option<NaiveDate>) -> Result<(usize, Figure), Error> {
        let indicator = qingtuan_domain::indicator::find(key)
            .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("指标目录中没有“{key}”")))?;
        let figure = match (self.dry, self.inputs.figures.get(&since)) {
            (true, _) => Figure::alone(indicator, 0),
            (false, Some(all)) => all
                .iter()
                .find(|f| f.indicator.key == key)
                .cloned()
                .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("“{key}”未能计算")))?,
            // A period not computed yet: asked for, and read as 0 until it is.
            (false, None) => {
                if let (Ok(mut missing), Some(since)) = (self.missing.lock(), since)
                    && !missing.contains(&since)
                {
                    missing.push(since);
                }
                Figure::alone(indicator, 0)
            }
        };
        let mut used = self.used.lock().map_err(|_| Error::new(ErrorKind::InvalidOperation, "内部错误"))?;
        let entry = Used {
            key: key.to_owned(),
            since,
            value: figure.value,
            baseline_value: figure.baseline_value,
            delta: figure.delta,
        };
        let at = match used.iter().position(|u| *u == entry) {
            Some(at) => at,
            None => {
                used.push(entry);
                used.len() - 1
            }
        };
        Ok((at, figure))
    }
}

/// `text` marked as the words of used figure `at`.
fn marked(at: usize, text: &str) -> String {
    format!("{MARK_OPEN}{at}{MARK_TEXT}{text}{MARK_CLOSE}")
}

/// A number as Chinese reports write it: `style` `wan` in ten-thousands (`1035万`, `35.1万`),
/// `approx` in whole ten-thousands and more (`97万余`); small numbers as they are.
pub fn chinese_number(value: i64, style: Option<&str>) -> String {
    if value.abs() < 10_000 {
        return value.to_string();
    }
    match style {
        Some("wan") => {
            let wan = format!("{:.2}", value as f64 / 10_000.0);
            format!("{}万", wan.trim_end_matches('0').trim_end_matches('.'))
        }
        Some("approx") => {
            let (whole, rest) = (value / 10_000, value % 10_000);
            if rest == 0 { format!("{whole}万") } else { format!("{whole}万余") }
        }
        _ => value.to_string(),
    }
}

fn environment(state: &Arc<State>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    // No loader: `include`, `import` and `extends` find nothing.
    let s = state.clone();
    env.add_function("n", move |key: String, kwargs: Kwargs| -> Result<String, Error> {
        let style: Option<String> = kwargs.get("style")?;
        let since = s.since(&kwargs)?;
        kwargs.assert_all_used()?;
        let (at, f) = s.figure(&key, since)?;
        if f.unavailable.is_some() {
            return Ok(marked(at, "—"));
        }
        Ok(marked(at, &format!("{}{}", chinese_number(f.value, style.as_deref()), f.indicator.unit)))
    });
    let s = state.clone();
    env.add_function("change", move |key: String, kwargs: Kwargs| -> Result<String, Error> {
        let style: Option<String> = kwargs.get("style")?;
        let since = s.since(&kwargs)?;
        kwargs.assert_all_used()?;
        let (at, f) = s.figure(&key, since)?;
        let text = match f.delta {
            Some(d) if d > 0 => format!("增加{}{}", chinese_number(d, style.as_deref()), f.indicator.unit),
            Some(d) if d < 0 => format!("减少{}{}", chinese_number(-d, style.as_deref()), f.indicator.unit),
            Some(_) => "持平".to_owned(),
            None => "—".to_owned(),
        };
        Ok(marked(at, &text))
    });
    let s = state.clone();
    env.add_function("growth", move |key: String, kwargs: Kwargs| -> Result<String, Error> {
        let since = s.since(&kwargs)?;
        kwargs.assert_all_used()?;
        let (at, f) = s.figure(&key, since)?;
        let text = match f.growth_pct {
            Some(g) if g < 0.0 => format!("下降{:.1}%", -g),
            Some(g) => format!("增长{g:.1}%"),
            None => "—".to_owned(),
        };
        Ok(marked(at, &text))
    });
    let s = state.clone();
    env.add_function("base", move |key: String, kwargs: Kwargs| -> Result<String, Error> {
        let since = s.since(&kwargs)?;
        kwargs.assert_all_used()?;
        let (at, f) = s.figure(&key, since)?;
        let text = f.baseline_value.map_or_else(|| "—".to_owned(), |b| format!("{b}{}", f.indicator.unit));
        Ok(marked(at, &text))
    });
    let s = state.clone();
    env.add_function("of", move |key: String, kwargs: Kwargs| -> Result<String, Error> {
        let since = s.since(&kwargs)?;
        kwargs.assert_all_used()?;
        let (at, f) = s.figure(&key, since)?;
        Ok(marked(at, &f.of.map_or_else(|| "—".to_owned(), |of| format!("{of}{}", f.indicator.unit))))
    });
    let s = state.clone();
    env.add_function("value", move |key: String, kwargs: Kwargs| -> Result<i64, Error> {
        let since = s.since(&kwargs)?;
        kwargs.assert_all_used()?;
        Ok(s.figure(&key, since)?.1.value)
    });
    let s = state.clone();
    env.add_function("project", move |name: String| -> Result<String, Error> {
        let found = s.inputs.projects.iter().find(|p| p.indicator == name);
        Ok(match found.and_then(|p| p.value.map(|v| (v, &p.unit))) {
            Some((v, unit)) => format!("{}{unit}", crate::forms::number(v)),
            // Empty, so `{% if project(…) %}` leaves out a project the scope has not.
            None => String::new(),
        })
    });
    let s = state.clone();
    env.add_function("block", move |name: String, default: Option<String>| -> Result<String, Error> {
        if let Ok(mut names) = s.narrative.lock()
            && !names.contains(&name)
        {
            names.push(name.clone());
        }
        let typed = s.inputs.narrative.get(&name).map(|t| t.trim()).filter(|t| !t.is_empty());
        Ok(typed.map(str::to_owned).or(default).unwrap_or_else(|| format!("【待填写：{name}】")))
    });
    let date = |d: Option<NaiveDate>| Value::from(d.map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day())));
    env.add_global("scope", Value::from(state.inputs.scope.clone()));
    env.add_global("as_of", date(state.inputs.as_of));
    env.add_global("baseline", date(state.inputs.baseline));
    env.add_global("from", date(state.inputs.from));
    env.add_global("year", Value::from(state.inputs.as_of.map(|d| d.year())));
    env
}

fn run(source: &str, state: &Arc<State>) -> Result<String, TemplateError> {
    if source.len() > MAX_SOURCE {
        return Err(TemplateError { line: None, reason: format!("模板过长（最多 {MAX_SOURCE} 字节）") });
    }
    let env = environment(state);
    let out = env.render_str(&unmarked(source), ()).map_err(|e| template_error(&e))?;
    if out.len() > MAX_OUTPUT {
        return Err(TemplateError { line: None, reason: "生成的简报过长".to_owned() });
    }
    Ok(out)
}

/// The text as blocks, the figures' marks as spans.
fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (kind, rest) = if let Some(rest) = line.strip_prefix("## ") {
            (BlockKind::Heading, rest)
        } else if let Some(rest) = line.strip_prefix("# ") {
            (BlockKind::Title, rest)
        } else {
            (BlockKind::Paragraph, line)
        };
        blocks.push(Block { kind, spans: spans(rest.trim()) });
    }
    blocks
}

fn spans(mut rest: &str) -> Vec<Span> {
    let mut out = Vec::new();
    while let Some(open) = rest.find(MARK_OPEN) {
        if open > 0 {
            out.push(Span::Text { text: rest[..open].to_owned() });
        }
        let after = &rest[open + MARK_OPEN.len_utf8()..];
        let (Some(sep), Some(close)) = (after.find(MARK_TEXT), after.find(MARK_CLOSE)) else {
            rest = after;
            continue;
        };
        match (after[..sep].parse::<usize>(), sep < close) {
            (Ok(figure), true) => {
                out.push(Span::Figure { text: after[sep + MARK_TEXT.len_utf8()..close].to_owned(), figure })
            }
            _ => out.push(Span::Text { text: after[..close].to_owned() }),
        }
        rest = &after[close + MARK_CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Span::Text { text: rest.to_owned() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_chinese_reports_write_them() {
        assert_eq!(chinese_number(636, None), "636");
        assert_eq!(chinese_number(10_350_000, Some("wan")), "1035万");
        assert_eq!(chinese_number(351_000, Some("wan")), "35.1万");
        assert_eq!(chinese_number(971_234, Some("approx")), "97万余");
        assert_eq!(chinese_number(150_000, Some("approx")), "15万");
        assert_eq!(chinese_number(9_999, Some("approx")), "9999");
    }

    #[test]
    fn marks_become_spans() {
        let text = format!("# 标题\n## 节\n共{}，较前{}。\n", marked(0, "636个"), marked(1, "增加109个"));
        let blocks = parse(&text);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[2].text(), "共636个，较前增加109个。");
        assert!(matches!(&blocks[2].spans[1], Span::Figure { figure: 0, text } if text == "636个"));
    }
}
