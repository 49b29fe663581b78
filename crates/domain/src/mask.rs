//! Masking of personal data for screens, exports and audit rows.

/// Keeps the first `keep_start` and last `keep_end` characters and replaces the rest with `*`.
pub fn mask_middle(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep_start - keep_end;
    let mut out: String = chars[..keep_start].iter().collect();
    out.push_str(&"*".repeat(hidden));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

/// A mainland mobile number as `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// A resident ID number as `370214**********12`.
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 6, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_id_number("370214199001011234"), "370214**********34");
        assert_eq!(mask_middle("ab", 3, 4), "**");
    }
}
