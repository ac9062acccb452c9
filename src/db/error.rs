//! Errors of the store layer.

use thiserror::Error;

/// What can go wrong in a store function; the API maps each to a status.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness or foreign-key rule of the database refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The row does not exist or the caller may not see it.
    #[error("not found")]
    NotFound,
    /// The caller may see the row but not do this to it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("stale version")]
    StaleVersion,
    /// No connection could be had from the pool in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be turned into a domain value.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The write breaks a rule that needed stored state to check.
    #[error("invalid: {0}")]
    Invalid(crate::domain::validation::ValidationErrors),
    #[error("database error: {0}")]
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => StoreError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(info.message().to_owned())
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                StoreError::Conflict("the change refers to something that does not exist or is still in use".to_owned())
            }
            // PostgreSQL aborts one of two transactions that wait on each
            // other; the client may simply retry.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                StoreError::Conflict("a concurrent change got in the way; retry".to_owned())
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, info) if info.message().contains("deadlock detected") => {
                StoreError::Conflict("a concurrent change got in the way; retry".to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}
