//! What every form of every capability checks the same way: required text, dates as staff type
//! them, numbers as users read them.

use chrono::{Datelike, NaiveDate};
use qingtuan_domain::{FieldError, Invalid};

/// A name or title that must be given, trimmed, of at most `max` characters.
pub fn required_text(raw: &str, field: &'static str, what: &str, max: usize) -> Result<String, Invalid> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(Invalid::one(field, format!("{what}不能为空，且不超过 {max} 个字")));
    }
    Ok(v.to_owned())
}

/// A text that may be left empty, trimmed, of at most `max` characters, without control
/// characters but line breaks.
pub fn optional_text(raw: &str, field: &'static str, what: &str, max: usize) -> Result<String, FieldError> {
    let v: String = raw.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect();
    if v.chars().count() > max {
        return Err(FieldError::new(field, format!("{what}不超过 {max} 个字")));
    }
    Ok(v)
}

/// A date as typed in a form or a spreadsheet (`2022-05-31`, `2022/05/31`, `2022.05.31`, full-width
/// digits too); empty is `None`.
pub fn parse_date(field: &'static str, raw: &str) -> Result<Option<NaiveDate>, FieldError> {
    let typed: String = raw.trim().chars().map(qingtuan_domain::person::half_width).collect();
    let raw = typed.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
        // A four-digit year of the records' era: chrono also reads "1-1-1" and "-200000-01-01".
        .filter(|d| {
            (1900..=2100).contains(&d.year()) && raw.split(['-', '/', '.']).next().is_some_and(|y| y.len() == 4)
        })
        .map(Some)
        .ok_or(FieldError { field, message: format!("日期“{raw}”无效，应形如 2022-05-31") })
}

/// A date that must be given and may not be after `today`: `what` names it in the message.
pub fn required_date(field: &'static str, raw: &str, what: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    match parse_date(field, raw)? {
        None => Err(FieldError::new(field, format!("请填写{what}"))),
        Some(d) if d > today => Err(FieldError::new(field, format!("{what}不能晚于今天"))),
        Some(d) => Ok(d),
    }
}

/// A measured value as people write it: `12` rather than `12.0`, `2.5` as it is.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") }
}

/// An optional date that, when given, lies between `earliest` (when known) and `today`: `message`
/// says so when it does not.
pub fn date_within(
    field: &'static str,
    raw: &str,
    earliest: Option<NaiveDate>,
    today: NaiveDate,
    message: &str,
) -> Result<Option<NaiveDate>, FieldError> {
    match parse_date(field, raw)? {
        Some(d) if earliest.is_some_and(|e| d < e) || d > today => Err(FieldError::new(field, message)),
        d => Ok(d),
    }
}

/// The day something that began on `began` ends (a dissolution, a closing): after it began and not
/// after today. `end` and `start` name the two dates (解散 and 成立).
pub fn end_date(
    field: &'static str,
    raw: &str,
    began: NaiveDate,
    today: NaiveDate,
    (end, start): (&str, &str),
) -> Result<NaiveDate, Invalid> {
    match parse_date(field, raw).map_err(|e| Invalid(vec![e]))? {
        None => Err(Invalid::one(field, format!("请填写{end}日期"))),
        Some(d) if d <= began || d > today => {
            Err(Invalid::one(field, format!("{end}日期应晚于{start}日期 {began}，且不晚于今天")))
        }
        Some(d) => Ok(d),
    }
}

/// `column` holds `typed` (ignoring case) — with `prefix`, begins with it — matched as text: `%`,
/// `_` and `\` are no wildcards (the pickers', the calls' and the teams' text filters).
pub fn like_text(column: impl sea_orm::ColumnTrait, typed: &str, prefix: bool) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    // Control characters out first: a NUL would end SQLite's pattern early and match everything.
    let typed: String = typed.trim().chars().filter(|c| !c.is_control()).collect();
    let literal = typed.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let pattern = if prefix { format!("{literal}%") } else { format!("%{literal}%") };
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}
