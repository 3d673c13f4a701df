//! What can go wrong with the store, said so that the user knows which file and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} is corrupt or not a SQLite file ({detail}); move it aside and run `agentdeck ingest` to rebuild it from the agents' files"
    )]
    Corrupt { path: PathBuf, detail: String },
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
    Sql(#[from] rusqlite::Error),
    #[error(
        "the store's writer has stopped (an earlier error closed it); see the log for the cause"
    )]
    WriterGone,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
