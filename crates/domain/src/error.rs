use std::fmt;

/// One problem with one input field, with a message in Chinese for the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// A rejected input: every problem found, so the user can fix them all at once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldError { field, message: message.into() }])
    }

    /// The message for `field`, if that field has a problem; used by forms to show it in place.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&parts.join("；"))
    }
}

impl std::error::Error for Invalid {}
