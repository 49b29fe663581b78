//! Closed lists of codes: each variant has a stable code (stored, in URLs and spreadsheets) and a
//! Chinese label (what users read), written once, on one line.

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $what:literal { $($variant:ident => $code:literal, $label:literal;)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        $(#[$doc])*
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }

            /// The variant stored as `code`, if any.
            pub fn of_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// Accepts the code or the Chinese label, as typed in a spreadsheet.
            pub fn parse(raw: &str) -> Result<Self, $crate::Invalid> {
                let raw = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == raw || v.label() == raw)
                    .ok_or_else(|| $crate::Invalid::one($field, format!(concat!("未知的", $what, "“{}”"), raw)))
            }
        }
    };
}
pub(crate) use code_enum;
