//! Open selection of seconded and part-time cadres (社会化选拔): an opening for places in an org,
//! applications from the public within a window, a qualification check, written and interview
//! scores weighted into a ranking, a public notice (公示) of those ranked within the places during
//! which anyone may object, and the appointment that creates their posts.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};

use crate::code::code_enum;

code_enum!(
    /// Where an application stands.
    #[serde(rename_all = "snake_case")]
    ApplicationState, "state", "报名状态" {
    Submitted => "submitted", "待资格审查";
    Qualified => "qualified", "资格审查通过";
    Rejected => "rejected", "资格审查未通过";
    Noticed => "noticed", "公示中";
    Appointed => "appointed", "已任用";
    NotAppointed => "not_appointed", "未任用";
});

/// The public notice's usual length: at least five working days.
pub const NOTICE_WORKING_DAYS: u32 = 5;

/// The last day of a notice starting on `from` and lasting `days` working days (weekends skipped;
/// public holidays are not known here, so a district lengthens the notice by hand around them).
pub fn notice_until(from: NaiveDate, days: u32) -> NaiveDate {
    let mut day = from;
    let mut counted = 0;
    loop {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
            if counted >= days.max(1) {
                return day;
            }
        }
        day += TimeDelta::days(1);
    }
}

/// An applicant's total: the written and interview scores (each out of 100) weighted.
pub fn total(written: f64, interview: f64, written_weight: i32, interview_weight: i32) -> f64 {
    let weights = f64::from(written_weight + interview_weight);
    if weights <= 0.0 {
        return 0.0;
    }
    (written * f64::from(written_weight) + interview * f64::from(interview_weight)) / weights
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_notice_lasts_working_days() {
        // Monday 2026-03-02: five working days end on Friday.
        assert_eq!(notice_until(d(2026, 3, 2), 5), d(2026, 3, 6));
        // From a Thursday: Thu, Fri, Mon, Tue, Wed.
        assert_eq!(notice_until(d(2026, 3, 5), 5), d(2026, 3, 11));
        // Starting on a Saturday counts from Monday.
        assert_eq!(notice_until(d(2026, 3, 7), 1), d(2026, 3, 9));
    }

    #[test]
    fn the_total_weighs_both_scores() {
        assert_eq!(total(80.0, 90.0, 40, 60), 86.0);
        assert_eq!(total(80.0, 90.0, 0, 0), 0.0);
    }
}
