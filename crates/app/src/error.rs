use qingtuan_domain::Invalid;
use sea_orm::DbErr;

/// What a use-case can answer besides success. The web layer maps each variant to one status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: every problem, each naming its field, in Chinese.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// The object does not exist, or it exists outside the actor's scope: the two look the same.
    #[error("not found")]
    NotFound,
    /// The actor lacks the permission for this kind of action anywhere.
    #[error("forbidden")]
    Forbidden,
    /// The request needs a logged-in user (or the session has ended).
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// A unique-constraint violation becomes a message on the given field.
    pub fn on_unique(err: DbErr, field: &'static str, message: &str) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Self::Invalid(Invalid::one(field, message)),
            _ => Self::Db(err),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
