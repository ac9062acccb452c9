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
            // A stored value its column's type cannot read (an id of the
            // wrong length, a text no variant of its enum spells).
            Error::DeserializationError(cause) => StoreError::Corrupt(cause.to_string()),
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
            // The server went away under a request (shut down, restarted,
            // the database dropped): the same 503 as a request that finds
            // no connection, not a 500.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => StoreError::Unavailable(info.message().to_owned()),
            Error::DatabaseError(_, info) if connection_lost(info.message()) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

/// PostgreSQL's words for a connection that ended under a statement
/// (SQLSTATE 57P01–57P03 and libpq's own).
fn connection_lost(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "the database system is shutting down",
        "the database system is starting up",
        "no connection to the server",
    ]
    .iter()
    .any(|words| message.contains(words))
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_connection_lost_under_a_request_is_unavailable_not_internal() {
        for (kind, message) in [
            (DatabaseErrorKind::ClosedConnection, "connection closed"),
            (DatabaseErrorKind::UnableToSendCommand, "no connection to the server"),
            (DatabaseErrorKind::Unknown, "terminating connection due to administrator command"),
            (DatabaseErrorKind::Unknown, "server closed the connection unexpectedly"),
        ] {
            assert!(matches!(StoreError::from(db_error(kind, message)), StoreError::Unavailable(_)), "{message}");
        }
        let other = StoreError::from(db_error(DatabaseErrorKind::Unknown, "syntax error"));
        assert!(matches!(other, StoreError::Database(_)));
    }
}
