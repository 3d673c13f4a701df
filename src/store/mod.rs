//! The store: the only code that speaks SQL. One writer thread applies write batches (one
//! transaction each) and bumps per-topic change counters; readers open their own
//! read-only connections; `queries/` holds one module per question a screen or report asks.

mod apply;
pub mod batch;
pub mod directory;
pub mod doctor;
pub mod error;
mod http_etags;
pub mod maintenance;
pub mod ops;
pub mod queries;
mod reader;
mod requests;
pub mod rollup;
mod schema;
pub mod source_health;
pub mod vendor;
mod writer;

pub use batch::{
    DeveloperRow, FileCursor, SourceHealthRow, TeamRow, Truncate, WriteBatch, WriteOutcome,
};
pub use error::{Result, StoreError};
pub use maintenance::Maintenance;
pub use reader::Reader;
pub use schema::SCHEMA_VERSION;
pub use writer::{ChangeCounters, Checkpoint, Ticket, Writer};

use std::path::{Path, PathBuf};
use tokio::sync::watch;

/// An open store: a writer handle, a change feed, and a way to open readers.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    writer: Writer,
    changes: watch::Receiver<ChangeCounters>,
}

impl Store {
    /// Opens or creates the database at `path`, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = schema::open_writer(path)?;
        let counters = writer::read_counters(&conn)?;
        let (tx, rx) = watch::channel(counters);
        Ok(Store {
            path: path.to_path_buf(),
            writer: Writer::spawn(conn, tx),
            changes: rx,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// A new read-only connection.
    pub fn reader(&self) -> Result<Reader> {
        Reader::open(&self.path)
    }

    /// Latest change counters; `changed().await` wakes when a batch commits.
    pub fn changes(&self) -> watch::Receiver<ChangeCounters> {
        self.changes.clone()
    }
}
