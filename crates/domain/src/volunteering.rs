//! Volunteer hours: a turn-out earns the time attended, but only if the attendance reached the
//! required share of the shift (60 % unless configured otherwise); otherwise it earns nothing.

use chrono::{DateTime, Utc};

use crate::code::code_enum;

code_enum!(
    /// What a recruitment call asks volunteers to do.
    Task, "task", "任务" {
    Disinfection => "disinfection", "环境消杀";
    Checkpoint => "checkpoint", "卡口值守";
    Testing => "testing", "核酸检测";
    Community => "community", "社区服务";
    Other => "other", "其他";
});

code_enum!(
    /// A donation is money or goods (counted at their value).
    DonationKind, "kind", "捐赠类型" {
    Cash => "cash", "捐款";
    Goods => "goods", "捐物";
});

/// The share of a shift a volunteer must attend for the hours to count.
pub const DEFAULT_MIN_SHARE_PERCENT: i64 = 60;

/// Minutes credited for attending `[check_in, check_out)` of the shift `[start, end)`.
pub fn credited_minutes(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    check_in: DateTime<Utc>,
    check_out: DateTime<Utc>,
    min_share_percent: i64,
) -> i64 {
    let shift = (end - start).num_minutes();
    let from = check_in.max(start);
    let to = check_out.min(end);
    let attended = (to - from).num_minutes().max(0);
    if shift <= 0 || attended * 100 < shift * min_share_percent { 0 } else { attended }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hm: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2022-04-01T{hm}:00Z")).unwrap().to_utc()
    }

    #[test]
    fn the_sixty_percent_rule_at_its_edge() {
        // A 100-minute shift: 60 minutes count, 59 do not.
        assert_eq!(credited_minutes(at("08:00"), at("09:40"), at("08:40"), at("09:40"), 60), 60);
        assert_eq!(credited_minutes(at("08:00"), at("09:40"), at("08:41"), at("09:40"), 60), 0);
        // Time outside the shift does not count.
        assert_eq!(credited_minutes(at("08:00"), at("09:40"), at("07:00"), at("10:30"), 60), 100);
        assert_eq!(credited_minutes(at("08:00"), at("09:40"), at("09:00"), at("08:00"), 60), 0);
    }
}
