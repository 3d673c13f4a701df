//! The store: the only code that speaks SQL. One writer thread applies write batches (one
//! transaction each) and bumps per-topic change counters; readers open their own
//! read-only connections; `queries/` holds one module per question a screen or report asks.

mod apply;
pub mod batch;
mod checkpointer;
pub mod directory;
pub mod doctor;
pub mod error;
mod first_load;
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
pub use recovery::first_load_elsewhere;
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
    open_lock: Option<std::sync::Arc<recovery::OpenLock>>,
    /// This process created the store and loads it first (`first_load.rs`).
    first_load: bool,
}

impl Store {
    /// Opens or creates the database at `path`, migrating it to the current schema. After
    /// an unclean shutdown (see `recovery.rs`) the file is checked first; damage is an error.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, false)
    }

    /// [`Store::open`] for a command that reads the agents' files before anything else and
    /// then calls [`Store::end_first_load`]: a store that does not exist yet is created and
    /// loaded without a write-ahead log, by this process alone (`first_load.rs`).
    pub fn open_for_pass(path: &Path) -> Result<Store> {
        Store::open_with(path, true)
    }

    fn open_with(path: &Path, may_load_first: bool) -> Result<Store> {
        let opening = recovery::OpenLock::acquire(path, may_load_first)?;
        let mut conn = schema::open_writer(path, opening.first_load)?;
        if opening.unclean {
            recovery::quick_check(&conn, path)?;
        }
        checkpointer::install(&mut conn, path).map_err(|e| StoreError::at(path, e))?;
        let counters = writer::read_counters(&conn)?;
        let (tx, rx) = watch::channel(counters);
        let loading = opening.first_load.then(|| path.to_path_buf());
        let (writer, thread) = Writer::spawn(conn, tx, loading);
        Ok(Store {
            path: path.to_path_buf(),
            writer,
            _writer_thread: std::sync::Arc::new(thread),
            changes: rx,
            open_lock: opening.lock.map(std::sync::Arc::new),
            first_load: opening.first_load,
        })
    }

    /// Ends a first load (after the batches already submitted): the new store goes to WAL
    /// and other processes may open it. Nothing for a store that was not new.
    pub fn end_first_load(&self) -> Result<()> {
        if !self.first_load {
            return Ok(());
        }
        self.writer.end_first_load()?;
        if let Some(lock) = &self.open_lock {
            lock.share().map_err(|source| StoreError::File {
                what: "sharing the open lock of",
                path: self.path.clone(),
                source,
            })?;
        }
        Ok(())
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
