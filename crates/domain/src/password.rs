//! The password policy: at least 12 characters, at most 128, three of the four character classes,
//! not a common password and not built from the user's own name or the league's usual words.

use crate::Invalid;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// Passwords that meet the complexity rule but are the first ones an attacker tries.
const COMMON: &[&str] = &[
    "p@ssw0rd123!",
    "p@ssword1234",
    "passw0rd1234",
    "password123!",
    "password1234",
    "qwerty123456",
    "qwer1234!@#$",
    "1qaz2wsx3edc",
    "1qaz@wsx3edc",
    "admin@123456",
    "admin1234567",
    "abc123456789",
    "abcd1234!@#$",
    "aa123456789!",
    "a123456789!@",
    "welcome12345",
    "welcome@2022",
    "welcome@2023",
    "welcome@2024",
    "welcome@2025",
    "welcome@2026",
    "iloveyou1234",
    "zaq12wsxcde3",
    "asdf1234!@#$",
    "qazwsx123456",
    "q1w2e3r4t5y6",
    "123456abcdef",
    "abcdef123456",
    "woaini520131",
    "woaini1314!!",
    "test@1234567",
    "changeme1234",
    "letmein12345",
    "p@ssw0rd2022",
    "p@ssw0rd2023",
    "p@ssw0rd2024",
    "p@ssw0rd2025",
    "p@ssw0rd2026",
    "root@1234567",
    "system@12345",
    "huawei@12345",
    "china@123456",
];

/// Fragments that make a password guessable in this product whatever surrounds them.
const CONTEXT_WORDS: &[&str] = &["gqt", "gongqingtuan", "qingtuan", "tuanqu", "chengyang", "123456", "abcdef"];

/// Checks `password` against the policy; `context` holds the user's own words (username, name).
pub fn validate(password: &str, context: &[&str]) -> Result<(), Invalid> {
    let field = "password";
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(Invalid::one(field, format!("密码至少需要 {MIN_LEN} 个字符")));
    }
    if len > MAX_LEN {
        return Err(Invalid::one(field, format!("密码不能超过 {MAX_LEN} 个字符")));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|present| **present).count() < 3 {
        return Err(Invalid::one(field, "密码需包含大写字母、小写字母、数字、符号中的至少三类"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err(Invalid::one(field, "该密码过于常见，请换一个"));
    }
    let guessable = CONTEXT_WORDS.iter().chain(context.iter()).map(|w| w.trim().to_lowercase());
    for word in guessable {
        if word.chars().count() >= 3 && lower.contains(&word) {
            return Err(Invalid::one(field, "密码不能包含用户名、姓名或“团委”“123456”等容易猜到的内容"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let cases = [
            ("Kingfisher7!q", true),
            ("Bcdefgh12!x", false),
            ("bcdefghijklm", false),
            ("correct horse battery staple 42", true),
            ("P@ssw0rd123!", false),
            ("Gqt@12345678", false),
            ("Zhangsan@Room9", false),
        ];
        for (password, ok) in cases {
            assert_eq!(validate(password, &["zhangsan"]).is_ok(), ok, "{password}");
        }
        assert!(validate(&"Ab1!".repeat(32), &[]).is_ok());
        assert!(validate(&format!("{}x", "Ab1!".repeat(32)), &[]).is_err());
    }
}
