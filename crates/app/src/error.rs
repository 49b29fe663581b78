use qingtuan_domain::{FieldError, Invalid};
use sea_orm::DbErr;

/// What a use-case can answer besides success. The web layer maps each variant to one status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: every problem, each naming its field, in Chinese.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// A batch (an import) with bad rows: every problem, nothing written.
    #[error("{} 处错误", .0.len())]
    Rows(Vec<RowProblem>),
    /// The object does not exist, or it exists outside the actor's scope: the two look the same.
    #[error("not found")]
    NotFound,
    /// The actor lacks the permission for this kind of action anywhere.
    #[error("forbidden")]
    Forbidden,
    /// The request needs a logged-in user (or the session has ended).
    #[error("unauthenticated")]
    Unauthenticated,
    /// Too many attempts from one place: try again after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The request collides with another one under way (an idempotency key in use).
    #[error("{0}")]
    Conflict(String),
    /// The server is saturated (e.g. password checks queued too long): try again shortly.
    #[error("busy")]
    Busy,
    /// The database cannot store anything now (its file was deleted or replaced).
    #[error("database storage unavailable")]
    StorageUnavailable,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// What the failure means for the person who asked: busy (retry), storage, or a fault.
    pub fn failure(&self) -> Option<crate::db::Failure> {
        match self {
            Self::Busy => Some(crate::db::Failure::Busy),
            Self::StorageUnavailable => Some(crate::db::Failure::Storage),
            Self::Db(e) => Some(crate::db::failure(e)),
            _ => None,
        }
    }

    /// A unique-constraint violation becomes a message on the given field.
    pub fn on_unique(err: DbErr, field: &'static str, message: &str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Self::Invalid(Invalid::one(field, message)),
            _ => Self::Db(err),
        }
    }
}

/// One problem in one row of a batch: 1-based row number as the user counts it, the column, and
/// the message in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl RowProblem {
    /// A problem in row `row` with `field`, named as the spreadsheet's `columns` name it.
    pub fn new(row: usize, columns: &[(&str, &str)], field: &str, message: impl Into<String>) -> Self {
        Self { row, column: column_label(columns, field), message: message.into() }
    }

    /// Every field problem of one row.
    pub fn for_row(row: usize, columns: &[(&str, &str)], errors: Vec<FieldError>) -> impl Iterator<Item = RowProblem> {
        errors.into_iter().map(move |f| Self::new(row, columns, f.field, f.message))
    }
}

/// The name users see for `field` among `columns` (field, label): the template's column header.
pub fn column_label(columns: &[(&str, &str)], field: &str) -> String {
    columns.iter().find(|(f, _)| *f == field).map_or(field, |(_, l)| l).to_owned()
}

pub type AppResult<T> = Result<T, AppError>;
