//! The store: the only code that speaks SQL. One writer thread applies write batches (one
//! transaction each) and bumps per-topic change counters; readers open their own
//! read-only connections; `queries/` holds one module per question a screen or report asks.

mod apply;
pub mod batch;
mod checkpointer;
pub mod directory;
pub mod doctor;
pub mod error;
mod http_etags;
mod identity;
pub mod maintenance;
pub mod ops;
pub mod pipeline;
pub mod plan;
pub mod queries;
mod reader;
mod recovery;
pub mod rollup;
pub mod row;
mod schema;
pub mod source_health;
mod sqlite_rows;
mod sqlite_sessions;
pub mod sums;
pub mod vendor;
mod writer;
mod writer_cache;

pub use batch::{
    DeveloperRow, FileCursor, MAX_ROWS_PER_TRANSACTION, SourceHealthRow, TeamRow, Truncate,
    WriteBatch, WriteOutcome,
};
pub use error::{Result, StoreError};
pub use maintenance::Maintenance;
pub use reader::Reader;
pub use schema::{SCHEMA_VERSION, pending_upgrade};
pub use writer::{ChangeCounters, Checkpoint, Ticket, Writer};

use std::path::{Path, PathBuf};
use tokio::sync::watch;

/// An open store: a writer handle, a change feed, and a way to open readers.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    writer: Writer,
    changes: watch::Receiver<ChangeCounters>,
    /// Closes the writer's connection when the last clone drops. Declared before the open
    /// lock, so it drops first: the lock is released after the WAL is gone.
    _writer_thread: std::sync::Arc<writer::WriterThread>,
    /// Held while any clone is alive: tells the next process whether we closed cleanly.
    _open_lock: Option<std::sync::Arc<recovery::OpenLock>>,
}

impl Store {
    /// Opens or creates the database at `path`, migrating it to the current schema. After
    /// an unclean shutdown (see `recovery.rs`) the file is checked first; damage is an error.
    pub fn open(path: &Path) -> Result<Store> {
        let opening = recovery::OpenLock::acquire(path);
        let mut conn = schema::open_writer(path)?;
        if opening.unclean {
            recovery::quick_check(&conn, path)?;
        }
        checkpointer::install(&mut conn, path).map_err(|e| StoreError::at(path, e))?;
        let counters = writer::read_counters(&conn)?;
        let (tx, rx) = watch::channel(counters);
        let (writer, thread) = Writer::spawn(conn, tx);
        Ok(Store {
            path: path.to_path_buf(),
            writer,
            _writer_thread: std::sync::Arc::new(thread),
            changes: rx,
            _open_lock: opening.lock.map(std::sync::Arc::new),
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
