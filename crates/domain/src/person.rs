//! People: validated resident ID numbers (GB 11643), mobile numbers, and the codes of a person's
//! attributes.

use chrono::NaiveDate;

use crate::Invalid;
use crate::code::code_enum;

/// A mainland resident ID number: 17 digits and a check character (GB 11643-1999, ISO 7064 MOD 11-2).
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", crate::mask::mask_id_number(&self.0))
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for 17 leading digits.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK.get((sum % 11) as usize).copied()
}

impl IdNumber {
    /// Parses an ID number as people type it: surrounding spaces, a lower-case `x` and full-width
    /// characters (typed with a Chinese input method) are accepted.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let field = "id_number";
        let value: String = raw.trim().chars().map(half_width).collect::<String>().to_uppercase();
        // Checked byte by byte: 18 ASCII characters, so the slices below fall on character bounds.
        let bytes = value.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(Invalid::one(field, "身份证号码应为 18 位：17 位数字加 1 位校验码"));
        }
        if check_char(&value[..17]) != Some(char::from(bytes[17])) {
            return Err(Invalid::one(field, "身份证号码校验码不正确，请核对"));
        }
        if NaiveDate::parse_from_str(&value[6..14], "%Y%m%d").is_err() {
            return Err(Invalid::one(field, "身份证号码中的出生日期无效"));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }

    /// The 17th digit: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        let digit = self.0.as_bytes().get(16).copied().unwrap_or(b'0');
        if (digit - b'0') % 2 == 1 { Gender::Male } else { Gender::Female }
    }
}

/// A full-width ASCII character (U+FF01–U+FF5E, as Chinese input methods type digits and letters)
/// as its ASCII form; any other character as it is.
pub fn half_width(c: char) -> char {
    match u32::from(c) {
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// A mainland mobile number.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", crate::mask::mask_phone(&self.0))
    }
}

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value: String = raw.trim().chars().map(half_width).filter(|c| *c != ' ' && *c != '-').collect();
        let ok = value.len() == 11
            && value.starts_with('1')
            && value.as_bytes().get(1).is_some_and(|d| (b'3'..=b'9').contains(d))
            && value.chars().all(|c| c.is_ascii_digit());
        if ok {
            Ok(Self(value))
        } else {
            Err(Invalid::one("phone", "手机号码应为 11 位数字，以 13–19 开头"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whole years of age on `day` (the birthday itself counts as the new year).
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    use chrono::Datelike;
    let years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) { years - 1 } else { years }
}

/// Children under this age may only be signed up by a guardian, and their records are shown in
/// full only with an approval.
pub const GUARDIAN_REQUIRED_UNDER: i32 = 14;

/// Under 14 on `day` ("不满十四周岁": on the 14th birthday one is no longer).
pub fn is_minor_on(birth: NaiveDate, day: NaiveDate) -> bool {
    age_on(birth, day) < GUARDIAN_REQUIRED_UNDER
}

code_enum!(Gender, "gender", "性别" {
    Male => "male", "男";
    Female => "female", "女";
});

code_enum!(PoliticalStatus, "political_status", "政治面貌" {
    LeagueMember => "league_member", "共青团员";
    PartyMember => "party_member", "中共党员";
    ProbationaryPartyMember => "probationary_party_member", "中共预备党员";
    Masses => "masses", "群众";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_turns_on_the_birthday() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(age_on(d(2012, 3, 3), d(2026, 3, 2)), 13);
        assert_eq!(age_on(d(2012, 3, 3), d(2026, 3, 3)), 14);
        assert_eq!(age_on(d(2012, 2, 29), d(2026, 2, 28)), 13);
        assert!(is_minor_on(d(2012, 3, 3), d(2026, 3, 2)), "the day before the 14th birthday");
        assert!(!is_minor_on(d(2012, 3, 3), d(2026, 3, 3)), "不满十四周岁 ends on the birthday");
    }

    #[test]
    fn gb11643_check_character() {
        // The standard's own example.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("11010519491331002X").is_err(), "month 13");
        assert!(IdNumber::parse("1101051949123100").is_err());
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.gender(), Gender::Female);
    }

    #[test]
    fn phones() {
        assert!(Phone::parse("138 1234 5678").is_ok());
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("1381234567").is_err());
    }
}
