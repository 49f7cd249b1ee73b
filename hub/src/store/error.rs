//! Ledger errors: each names the operation that failed; the database error is the source.

use std::path::PathBuf;

/// A ledger operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}")]
    CreateDataDir { path: PathBuf, source: std::io::Error },
    #[error("database URL must start with sqlite: or postgres:// (got scheme {scheme:?})")]
    UnsupportedUrl { scheme: String },
    #[error("cannot open the {backend} ledger at {target}")]
    Open {
        backend: &'static str,
        /// A file path, or `host:port/database` (never credentials).
        target: String,
        source: sqlx::Error,
    },
    #[error("cannot migrate the ledger schema")]
    Migrate { source: sqlx::migrate::MigrateError },
    #[error("ledger operation `{operation}` failed")]
    Query { operation: &'static str, source: sqlx::Error },
    #[error("ledger operation `{operation}` found unknown {column} value {value:?}")]
    UnknownValue { operation: &'static str, column: &'static str, value: String },
}

impl StoreError {
    pub(crate) fn query(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Query { operation, source }
    }

    /// True when the database refused the data (a constraint), so retrying the same input
    /// will fail again.
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            Self::Query { source, .. } => source
                .as_database_error()
                .is_some_and(|err| !matches!(err.kind(), sqlx::error::ErrorKind::Other)),
            _ => false,
        }
    }
}
