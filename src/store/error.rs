//! What can go wrong with the store, said so that the user knows which file and what to do.
//! A database another process holds locked is *busy* (wait, or close the other process);
//! only a file SQLite reports as malformed or not a database is *damaged*, and the next
//! step offered is `agentdeck doctor`, which never discards what only the store holds.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} is corrupt or not a SQLite file ({detail}); run `agentdeck doctor` to check it and `agentdeck doctor --rebuild` to repair it (what can still be read is kept), or use another --db"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the store is damaged ({detail}); run `agentdeck doctor` to check it and `agentdeck doctor --rebuild` to repair it (what can still be read is kept)"
    )]
    Damaged { detail: String },
    #[error(
        "the database {path} is busy: another agentdeck process holds it locked ({detail}); try again when it is done"
    )]
    Busy { path: PathBuf, detail: String },
    #[error(
        "the database {path} has schema version {found}, newer than this agentdeck understands (up to {supported}); upgrade agentdeck or use another --db"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "{path} is a SQLite database but not an agentdeck one (it already has other tables); use another --db"
    )]
    Foreign { path: PathBuf },
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        version: i64,
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sql(rusqlite::Error),
    /// A file beside the database (the open lock, the first-load marker) could not be made,
    /// synced or removed.
    #[error("{what} {path}: {source}")]
    File {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the store's writer has stopped (an earlier error closed it); see the log for the cause"
    )]
    WriterGone,
}

/// SQLite says the file is damaged (or not a database at all).
fn is_damage(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    matches!(e.sqlite_error_code(), Some(NotADatabase | DatabaseCorrupt))
}

/// Another connection holds a lock we need.
fn is_locked(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    matches!(e.sqlite_error_code(), Some(DatabaseBusy | DatabaseLocked))
}

impl StoreError {
    /// Classifies an error met while using the database at `path`.
    pub fn at(path: &Path, e: rusqlite::Error) -> StoreError {
        if is_damage(&e) {
            StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }
        } else if is_locked(&e) {
            StoreError::Busy {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }
        } else {
            StoreError::Sql(e)
        }
    }

    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Busy { .. } => true,
            StoreError::Open { source, .. } | StoreError::Migration { source, .. } => {
                is_locked(source)
            }
            StoreError::Sql(e) => is_locked(e),
            _ => false,
        }
    }

    /// The database file itself is damaged (as opposed to busy, newer, or foreign).
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt { .. } | StoreError::Damaged { .. }
        )
    }
}

/// Any SQL error: damage anywhere (a read or a write) becomes [`StoreError::Damaged`] with
/// the next step, so no command reports it as a bare "database disk image is malformed".
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        if is_damage(&e) {
            StoreError::Damaged {
                detail: e.to_string(),
            }
        } else {
            StoreError::Sql(e)
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
