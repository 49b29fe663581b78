//! Money: whole fen (分), never floating point. Amounts are typed in yuan (`1234.5`, `1,234.50`,
//! full-width digits too) and parsed exactly.

use crate::Invalid;

/// An amount in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Fen(pub i64);

impl Fen {
    /// Parses a positive amount of yuan with at most two decimals, exactly; the error is on `field`.
    pub fn parse_yuan(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::one(field, format!("金额“{}”无效：请填写大于 0 的金额（元），最多两位小数", raw.trim()));
        let typed: String =
            raw.trim().chars().map(crate::person::half_width).filter(|c| *c != ',' && *c != '，').collect();
        let digits = |s: &str| !s.is_empty() && s.len() <= 12 && s.chars().all(|c| c.is_ascii_digit());
        let (whole, decimals) = match typed.split_once('.') {
            Some((whole, decimals)) if decimals.len() <= 2 && digits(decimals) => (whole, decimals),
            Some(_) => return Err(bad()),
            None => (typed.as_str(), ""),
        };
        if !digits(whole) {
            return Err(bad());
        }
        let yuan: i64 = whole.parse().map_err(|_| bad())?;
        let cents: i64 = format!("{decimals:0<2}").parse().map_err(|_| bad())?;
        let fen = yuan * 100 + cents;
        if fen <= 0 { Err(bad()) } else { Ok(Self(fen)) }
    }

    /// `1234.50`: the amount in yuan with two decimals.
    pub fn yuan_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", self.0.unsigned_abs() / 100, self.0.unsigned_abs() % 100)
    }

    /// Whole yuan, halves rounded away from zero (how figures show amounts).
    pub fn round_yuan(self) -> i64 {
        let (q, r) = (self.0 / 100, self.0 % 100);
        if r >= 50 {
            q + 1
        } else if r <= -50 {
            q - 1
        } else {
            q
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_parsed_exactly() {
        for (typed, fen) in [("12", 1200), ("12.3", 1230), ("12.34", 1234), ("0.01", 1), ("１,２３４.５", 123_450)]
        {
            assert_eq!(Fen::parse_yuan("yuan", typed).map(|f| f.0).ok(), Some(fen), "{typed}");
        }
        // 0.1 + 0.2 is not 0.30000000000000004 here.
        assert_eq!(Fen::parse_yuan("yuan", "0.3").map(|f| f.0).ok(), Some(30));
        for bad in ["", "0", "-5", "1.234", "abc", "1e3", "NaN", "inf", ".5", "5.", "12345678901234"] {
            assert!(Fen::parse_yuan("yuan", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(Fen(123_450).yuan_text(), "1234.50");
        assert_eq!(Fen(5).yuan_text(), "0.05");
        assert_eq!(Fen(149).round_yuan(), 1);
        assert_eq!(Fen(150).round_yuan(), 2);
        assert_eq!(Fen(-150).round_yuan(), -2);
    }
}
