//! Local dates are dates in Asia/Shanghai (UTC+8 all year, no daylight saving); timestamps are UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

fn shanghai_naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc() + TimeDelta::hours(8)
}

/// The local date in Shanghai at instant `at`.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    shanghai_naive(at).date()
}

/// An instant as users read it: `2022-05-31 09:34:17`, Shanghai time.
pub fn format_local(at: DateTime<Utc>) -> String {
    shanghai_naive(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// To the minute: `2022-05-31 09:34`, Shanghai time.
pub fn format_local_minute(at: DateTime<Utc>) -> String {
    shanghai_naive(at).format("%Y-%m-%d %H:%M").to_string()
}

/// The clock time: `09:34`, Shanghai time.
pub fn format_local_clock(at: DateTime<Utc>) -> String {
    shanghai_naive(at).format("%H:%M").to_string()
}

/// From one clock time to another: `08:00–12:00`, Shanghai time.
pub fn format_local_span(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!("{}–{}", format_local_clock(start), format_local_clock(end))
}

/// The first instant of a local date, in UTC.
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    (date.and_time(chrono::NaiveTime::MIN) - TimeDelta::hours(8)).and_utc()
}

/// The instant a local date and clock time name.
pub fn local_instant(day: NaiveDate, time: chrono::NaiveTime) -> DateTime<Utc> {
    start_of_local_day(day) + (time - chrono::NaiveTime::MIN)
}

/// The dates figures are counted for: within them every period and its comparison stay in the
/// calendar.
pub const REPORT_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Is `d` a date figures can be counted for?
pub fn reportable(d: NaiveDate) -> bool {
    use chrono::Datelike;
    REPORT_YEARS.contains(&d.year())
}

/// The period a flow figure is compared with: the one of the same length just before `[from, to]`.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let days = (to - from).num_days() + 1;
    let prev_to = from - TimeDelta::days(1);
    (prev_to - TimeDelta::days(days - 1), prev_to)
}

/// 周一 … 周日.
pub fn weekday_label(day: NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][day.weekday().num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_is_eight_hours_ahead() {
        let at = DateTime::parse_from_rfc3339("2022-05-30T16:30:00Z").unwrap().to_utc();
        assert_eq!(local_date(at), NaiveDate::from_ymd_opt(2022, 5, 31).unwrap());
        assert_eq!(format_local(at), "2022-05-31 00:30:00");
        assert_eq!(format_local_minute(at), "2022-05-31 00:30");
        assert_eq!(format_local_span(at, at + TimeDelta::minutes(90)), "00:30–02:00");
        assert_eq!(start_of_local_day(local_date(at)).to_rfc3339(), "2022-05-30T16:00:00+00:00");
    }
}
