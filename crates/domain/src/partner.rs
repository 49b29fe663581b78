//! Partners (合作伙伴): the enterprises, associations, social organisations, universities, banks and
//! government units that league orgs work with — one registry for the social organisations that
//! sell services, the banks that lend and the companies that give. Each is known by its unified
//! social credit code (统一社会信用代码, GB 32100-2015), checked here.

use crate::Invalid;
use crate::code::code_enum;

code_enum!(
    /// What kind of body a partner is.
    #[serde(rename_all = "snake_case")]
    PartnerKind, "kind", "合作伙伴类型" {
    Enterprise => "enterprise", "企业";
    Association => "association", "行业协会商会";
    SocialOrganisation => "social_organisation", "社会组织";
    University => "university", "高校和科研院所";
    Bank => "bank", "金融机构";
    Government => "government", "党政机关和事业单位";
    Other => "other", "其他";
});

/// A unified social credit code: 18 characters of `0-9A-HJ-NPQRTUWXY`, the last a check character
/// computed from the other 17 (GB 32100-2015).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character of the first 17 characters, or `None` if one is outside the alphabet.
pub fn credit_check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += u32::try_from(ALPHABET.find(c)?).ok()? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(usize::try_from(check).ok()?)
}

impl CreditCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code: String = raw.trim().chars().map(crate::person::half_width).collect::<String>().to_uppercase();
        let bad =
            || Invalid::one("credit_code", format!("统一社会信用代码“{}”无效：应为 18 位，末位校验码正确", raw.trim()));
        if code.chars().count() != 18 || !code.chars().all(|c| ALPHABET.contains(c)) {
            return Err(bad());
        }
        let (first17, last) = code.split_at(17);
        match credit_check_char(first17) {
            Some(c) if last.starts_with(c) => Ok(Self(code)),
            _ => Err(bad()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_checked() {
        // A code whose check character is computed here, and the same with one character changed.
        let first17 = "91370214MA3C5XK2";
        let first17 = format!("{first17}0");
        let good = format!("{first17}{}", credit_check_char(&first17).unwrap());
        assert_eq!(CreditCode::parse(&good).unwrap().as_str(), good);
        assert_eq!(CreditCode::parse(&good.to_lowercase()).unwrap().as_str(), good);
        let mut bad = good.clone();
        bad.replace_range(3..4, if &good[3..4] == "7" { "8" } else { "7" });
        assert!(CreditCode::parse(&bad).is_err());
        assert!(CreditCode::parse("91370214MA3C5XK2O").is_err(), "17 characters, and O is not in the alphabet");
        // A published code: 中国工商银行股份有限公司.
        assert!(CreditCode::parse("91100000100003962T").is_ok());
    }
}
