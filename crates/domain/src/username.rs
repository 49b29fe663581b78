//! Login names: unique after Unicode NFKC normalisation and case folding, so `Admin` and the
//! full-width `ａｄｍｉｎ` are the same account as `admin`.

use unicode_normalization::UnicodeNormalization;

use crate::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let normalized: String = raw.trim().nfkc().collect::<String>().to_lowercase();
        let len = normalized.chars().count();
        if !(3..=32).contains(&len) {
            return Err(Invalid::one("username", "用户名长度应为 3 至 32 个字符"));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if !normalized.chars().all(allowed) {
            return Err(Invalid::one("username", "用户名只能包含字母、数字、下划线、连字符和点"));
        }
        // The audit log names the command line's actor so.
        if normalized == "system" {
            return Err(Invalid::one("username", "“system”为系统保留，请换一个用户名"));
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_width_fold_to_one_name() {
        let a = Username::parse("admin").unwrap();
        assert_eq!(Username::parse("Admin").unwrap(), a);
        assert_eq!(Username::parse("ａｄｍｉｎ").unwrap(), a);
    }

    #[test]
    fn rejects_bad_names() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("a b c").is_err());
    }
}
