//! The core's one error type. Every variant carries a message a user can act on and maps to a stable
//! machine-readable [`ErrorKind`] that travels to the UI and the CLI as `{kind, message, field}`.

use serde::Serialize;
use ts_rs::TS;

/// Machine-readable category of an [`Error`]; stable strings shared with the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorKind {
    /// Input failed validation; `field` names the offending field.
    Validation,
    /// The requested record does not exist.
    NotFound,
    /// The change would violate a uniqueness rule (e.g. duplicate name in a project).
    Conflict,
    /// The OS keychain is locked, absent or refused the operation.
    Keychain,
    /// The local database failed (I/O, corruption, disk full, read-only).
    Store,
    /// The database was written by a newer Patchbay.
    SchemaTooNew,
    /// Too many requests of one kind (e.g. manual tests of one integration); retry later.
    RateLimited,
    /// A remote service (update server …) could not be reached or answered wrongly.
    Network,
    /// An internal invariant failed; a bug.
    Internal,
}

/// Errors returned by `patchbay-core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field's value is invalid. `field` is the provider field name (`port`, `base_url` …) or a
    /// top-level input name (`name`, `provider`, `project_id`, `check_interval_s`).
    #[error("{field}: {message}")]
    Validation {
        /// The field that failed.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A record was not found.
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of record (`integration`, `project`).
        what: &'static str,
        /// Its id or name as the user gave it.
        id: String,
    },
    /// A uniqueness rule was violated.
    #[error("{field}: {message}")]
    Conflict {
        /// The field whose value collides.
        field: String,
        /// Which record it collides with.
        message: String,
    },
    /// The work asked for is already in progress (a sync of the integration, here or in another Patchbay
    /// process), or it is in progress elsewhere and only that process can change it. Not about a field:
    /// the message is the whole sentence. Its kind is `conflict`.
    #[error("{0}")]
    Busy(String),
    /// The keychain failed. The message never contains a secret value.
    #[error("keychain: {0}")]
    Keychain(String),
    /// SQLite failed.
    #[error("database: {0}")]
    Store(String),
    /// The database's schema version is newer than this build knows.
    #[error(
        "the database at {path} was written by a newer version of Patchbay (schema {found}, this build knows up to {known}); update Patchbay or use another --data-dir"
    )]
    SchemaTooNew {
        /// Database file.
        path: String,
        /// Schema version found in the file.
        found: i64,
        /// Highest schema version this build knows.
        known: i64,
    },
    /// A local rate limit was hit.
    #[error("{what} is rate limited; retry in {retry_after_s} s")]
    RateLimited {
        /// What was limited ("testing integration 4 (10 per minute)").
        what: String,
        /// Seconds until a retry is allowed.
        retry_after_s: u64,
    },
    /// A bug: an invariant did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for [`Error::Validation`].
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The machine-readable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Validation { .. } => ErrorKind::Validation,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict { .. } | Self::Busy(_) => ErrorKind::Conflict,
            Self::Keychain(_) => ErrorKind::Keychain,
            Self::Store(_) => ErrorKind::Store,
            Self::SchemaTooNew { .. } => ErrorKind::SchemaTooNew,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The field this error is about, when it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } | Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The serializable form sent to the UI and printed by the CLI's `--json`.
    pub fn to_payload(&self) -> ErrorPayload {
        ErrorPayload {
            kind: self.kind(),
            message: self.to_string(),
            field: self.field().map(str::to_owned),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        // The ones a user can act on get a sentence that says how.
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Store(format!(
                "another Patchbay window or command kept the database busy for more than {} seconds: this change was not saved, try again",
                crate::store::BUSY_WAIT.as_secs()
            )),
            Some(ErrorCode::DiskFull) => Self::Store(
                "the disk holding the database is full: free some space and try again (this change was not saved)".into(),
            ),
            Some(ErrorCode::ReadOnly) => Self::Store(
                "the database is read-only: check that the data folder can be written to (this change was not saved)".into(),
            ),
            Some(ErrorCode::CannotOpen) => Self::Store(format!(
                "cannot open the database ({error}): the data folder may be missing, read-only or full"
            )),
            _ => Self::Store(error.to_string()),
        }
    }
}

/// What an [`Error`] looks like on the wire.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    /// Category.
    pub kind: ErrorKind,
    /// Human-readable message, safe to show (never contains a secret).
    pub message: String,
    /// Offending field, for validation and conflict errors.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
