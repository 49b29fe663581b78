//! Property tests of every validator that takes what people type (proptest): no input makes one
//! panic, and what they accept they accept for the right reason.

use chrono::NaiveDate;
use proptest::prelude::*;

use crate::mask::{mask_id_number, mask_phone};
use crate::org::{OrgCode, OrgKind, parse_org_name};
use crate::permission::Permission;
use crate::person::{IdNumber, Phone, check_char, half_width};
use crate::region::pinyin_initials;
use crate::username::Username;

/// Any text, weighted towards what breaks parsers: multi-byte characters, full-width forms,
/// control characters, digits.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9Xx０-９Ｘ \\-\u{3000}]{0,24}",
        "[\\p{Han}a-zA-Z0-9_.@\\-]{0,40}",
        prop::collection::vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect()),
    ]
}

/// A valid ID number for a birth date and a sequence.
fn id_for(region: u32, birth: NaiveDate, sequence: u32) -> String {
    let first17 = format!("{region:06}{}{sequence:03}", birth.format("%Y%m%d"));
    format!("{first17}{}", check_char(&first17).unwrap())
}

fn birth_date() -> impl Strategy<Value = NaiveDate> {
    (1900_i32..2030, 1_u32..=12, 1_u32..=31)
        .prop_filter_map("a real date", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn no_validator_panics_on_any_text(s in text(), other in text()) {
        let _ = IdNumber::parse(&s);
        let _ = Phone::parse(&s);
        let _ = Username::parse(&s);
        let _ = OrgCode::parse(&s);
        let _ = OrgKind::parse(&s);
        let _ = parse_org_name(&s);
        let _ = Permission::parse(&s);
        let _ = crate::password::validate(&s, &[&other]);
        let _ = pinyin_initials(&s);
        prop_assert_eq!(mask_phone(&s).chars().count(), s.chars().count());
        prop_assert_eq!(mask_id_number(&s).chars().count(), s.chars().count());
    }

    #[test]
    fn valid_id_numbers_parse_with_their_birth_date(region in 110_000_u32..660_000, birth in birth_date(), seq in 0_u32..1000) {
        let id = id_for(region, birth, seq);
        let parsed = IdNumber::parse(&id).unwrap();
        prop_assert_eq!(parsed.birth_date(), Some(birth));
        prop_assert_eq!(parsed.as_str(), id.as_str());
        // As typed with a Chinese input method (full-width), with spaces, or a lower-case x.
        let full_width: String = id.chars().map(|c| char::from_u32(u32::from(c) + 0xFEE0).unwrap()).collect();
        let typed = IdNumber::parse(&format!(" {full_width}\u{3000}")).unwrap();
        prop_assert_eq!(typed.as_str(), id.as_str());
        let lower = IdNumber::parse(&id.to_lowercase()).unwrap();
        prop_assert_eq!(lower.as_str(), id.as_str());
    }

    /// ISO 7064 MOD 11-2 catches every single changed digit and every swap of neighbours that
    /// differ.
    #[test]
    fn a_mistyped_id_number_is_refused(region in 110_000_u32..660_000, birth in birth_date(), seq in 0_u32..1000, at in 0_usize..18, by in 1_u32..10) {
        let id = id_for(region, birth, seq);
        let mut chars: Vec<char> = id.chars().collect();
        if at < 17 {
            let d = chars[at].to_digit(10).unwrap();
            chars[at] = char::from_digit((d + by) % 10, 10).unwrap();
        } else {
            let other = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X'][(by as usize) % 11];
            prop_assume!(other != chars[17]);
            chars[17] = other;
        }
        let typo: String = chars.iter().collect();
        prop_assert!(IdNumber::parse(&typo).is_err(), "{}", typo);
        if at < 16 && id.as_bytes()[at] != id.as_bytes()[at + 1] {
            let mut swapped: Vec<char> = id.chars().collect();
            swapped.swap(at, at + 1);
            let swapped: String = swapped.iter().collect();
            prop_assert!(IdNumber::parse(&swapped).is_err(), "{}", swapped);
        }
    }

    #[test]
    fn mobile_numbers_parse_however_they_are_spaced(second in 3_u32..=9, rest in "[0-9]{9}", sep in prop::sample::select(vec!["", " ", "-"])) {
        let number = format!("1{second}{rest}");
        let typed = format!("{}{sep}{}{sep}{}", &number[..3], &number[3..7], &number[7..]);
        let parsed = Phone::parse(&typed).unwrap();
        prop_assert_eq!(parsed.as_str(), number.as_str());
        let full_width: String = typed.chars().map(|c| if c.is_ascii_digit() { char::from_u32(u32::from(c) + 0xFEE0).unwrap() } else { c }).collect();
        prop_assert_eq!(half_width('１'), '1');
        let parsed = Phone::parse(&full_width).unwrap();
        prop_assert_eq!(parsed.as_str(), number.as_str());
        let longer = format!("{}0", number);
        prop_assert!(Phone::parse(&longer).is_err());
    }

    #[test]
    fn usernames_are_normalised_once(s in text()) {
        if let Ok(name) = Username::parse(&s) {
            let again = Username::parse(name.as_str()).unwrap();
            prop_assert_eq!(again.as_str(), name.as_str());
        }
    }

    #[test]
    fn birth_dates_in_the_id_number_must_exist(
        region in 110_000_u32..660_000,
        y in 1900_i32..2030,
        (m, d) in prop::sample::select(vec![(0, 1), (13, 1), (1, 0), (1, 32), (2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)]),
        seq in 0_u32..1000,
    ) {
        let first17 = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
        let id = format!("{first17}{}", check_char(&first17).unwrap());
        prop_assert!(IdNumber::parse(&id).is_err());
    }
}
