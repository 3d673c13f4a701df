//! The single writer: one thread owns the write connection and applies batches in order,
//! one transaction each, then publishes the per-topic change counters it bumped.

use super::apply::apply_batch;
use super::batch::{WriteBatch, WriteOutcome};
use super::error::{Result, StoreError};
use super::first_load;
use super::maintenance::{self, Maintenance};
use super::writer_cache::WriterCache;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use tokio::sync::{oneshot, watch};

/// Per-topic change counters (`requests`, `sessions`, `events`, `alerts`, …). A reader
/// re-queries a view only when a topic it depends on moved.
pub type ChangeCounters = BTreeMap<String, u64>;

/// Batches that may wait for the writer (backpressure beyond this), and how many queued
/// batches one transaction may take.
const QUEUE_DEPTH: usize = 16;
const MAX_GROUP: usize = 64;

enum Job {
    Batch(Box<WriteBatch>, oneshot::Sender<Result<WriteOutcome>>),
    Maintain(Maintenance, oneshot::Sender<Result<u64>>),
    Checkpoint(oneshot::Sender<Result<Checkpoint>>),
    /// A new store's first load is over (`first_load.rs`); nothing when there was none.
    EndFirstLoad(oneshot::Sender<Result<()>>),
    /// The last handle to the store is going away: close the connection and end.
    Close,
}

/// What `PRAGMA wal_checkpoint(TRUNCATE)` reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// False when a reader kept the checkpoint from finishing (the WAL then stays as it
    /// is and is copied back by a later checkpoint; nothing is lost).
    pub complete: bool,
    /// WAL frames copied into the database file.
    pub frames_copied: i64,
}

/// A cloneable handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::SyncSender<Job>,
}

/// Owned by the store's last handle: when it drops, the writer commits what was queued,
/// closes its connection and is waited for. Closing is what lets SQLite copy the WAL back
/// and delete it; a process that exits with the connection still open leaves the WAL
/// behind, and the next open then takes it for a crash and checks the whole file
/// (`recovery.rs`; docs/perf.md#warm-refresh-issue-12).
pub(super) struct WriterThread {
    jobs: mpsc::SyncSender<Job>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for WriterThread {
    fn drop(&mut self) {
        if self.jobs.send(Job::Close).is_ok()
            && let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store writer thread panicked while closing");
        }
    }
}

impl Writer {
    /// Starts the writer thread on an already-migrated connection. `first_load`: the path
    /// of a new store this connection loads first, ended by [`Writer::end_first_load`] or
    /// when the store closes.
    pub(super) fn spawn(
        conn: Connection,
        changes: watch::Sender<ChangeCounters>,
        first_load: Option<PathBuf>,
    ) -> (Writer, WriterThread) {
        // A small bound gives backpressure: parsers wait instead of piling batches in memory.
        let (jobs, rx) = mpsc::sync_channel::<Job>(QUEUE_DEPTH);
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, changes, first_load))
            .map_err(|e| tracing::error!("cannot start the store writer thread: {e}"))
            .ok();
        let owner = WriterThread {
            jobs: jobs.clone(),
            thread,
        };
        (Writer { jobs }, owner)
    }

    /// Applies a batch and waits for it to be committed (blocking; not for async tasks).
    pub fn apply_blocking(&self, batch: WriteBatch) -> Result<WriteOutcome> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Batch(Box::new(batch), tx))
            .map_err(|_| StoreError::WriterGone)?;
        rx.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Queues a batch and returns a ticket to wait on. Batches commit in submission order.
    pub fn submit(&self, batch: WriteBatch) -> Result<Ticket> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Batch(Box::new(batch), tx))
            .map_err(|_| StoreError::WriterGone)?;
        Ok(Ticket(rx))
    }

    /// Queues a batch from an async task and returns the ticket to await; batches queued by
    /// one caller commit in the order of its calls (the team server's dispatcher relies on
    /// it). Waits only while the writer's queue is full.
    pub async fn enqueue(&self, batch: WriteBatch) -> Result<Ticket> {
        let (tx, rx) = oneshot::channel();
        match self.jobs.try_send(Job::Batch(Box::new(batch), tx)) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(job)) => {
                let jobs = self.jobs.clone();
                tokio::task::spawn_blocking(move || jobs.send(job))
                    .await
                    .map_err(|_| StoreError::WriterGone)?
                    .map_err(|_| StoreError::WriterGone)?;
            }
            Err(mpsc::TrySendError::Disconnected(_)) => return Err(StoreError::WriterGone),
        }
        Ok(Ticket(rx))
    }

    /// Applies a batch from an async task.
    pub async fn apply(&self, batch: WriteBatch) -> Result<WriteOutcome> {
        let (tx, rx) = oneshot::channel();
        let jobs = self.jobs.clone();
        tokio::task::spawn_blocking(move || jobs.send(Job::Batch(Box::new(batch), tx)))
            .await
            .map_err(|_| StoreError::WriterGone)?
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Copies the WAL back into the database file and truncates it to zero bytes, in order
    /// with the batches submitted before. Bulk passes call this when they end, so the
    /// store on disk is the database file alone (docs/perf.md, store size).
    pub fn checkpoint_blocking(&self) -> Result<Checkpoint> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Checkpoint(tx))
            .map_err(|_| StoreError::WriterGone)?;
        rx.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Ends a new store's first load after the batches submitted before: the store goes to
    /// WAL and is synced (`first_load.rs`). Nothing when the store was not new.
    pub(super) fn end_first_load(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::EndFirstLoad(tx))
            .map_err(|_| StoreError::WriterGone)?;
        rx.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Runs a maintenance job (re-pricing, alert state changes) on the writer thread.
    pub fn maintain_blocking(&self, job: Maintenance) -> Result<u64> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Job::Maintain(job, tx))
            .map_err(|_| StoreError::WriterGone)?;
        rx.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }
}

/// A submitted batch; `wait` blocks until it is committed (or failed).
pub struct Ticket(oneshot::Receiver<Result<WriteOutcome>>);

impl Ticket {
    pub fn wait(self) -> Result<WriteOutcome> {
        self.0.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }

    /// `wait` for async tasks.
    pub async fn done(self) -> Result<WriteOutcome> {
        self.0.await.map_err(|_| StoreError::WriterGone)?
    }
}

/// Prepared statements the writer keeps (more than the distinct statements it runs).
const STATEMENT_CACHE: usize = 256;

fn run(
    mut conn: Connection,
    jobs: mpsc::Receiver<Job>,
    changes: watch::Sender<ChangeCounters>,
    mut loading: Option<PathBuf>,
) {
    // Every statement a batch runs (the row pipeline, rollups, ops, cursors, counters) stays
    // prepared: the default cache of 16 is smaller than one batch's set, and re-parsing
    // each statement per batch cost more than the writes themselves.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let mut cache = WriterCache::default();
    let mut pending: Option<Job> = None;
    loop {
        let job = match pending.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        match job {
            Job::Batch(batch, reply) => {
                // Group commit: batches already queued join this transaction, so a pass over
                // many small files does not pay one commit (and one WAL append of every
                // touched index page) per file.
                let mut group = vec![(batch, reply)];
                while group.len() < MAX_GROUP {
                    match jobs.try_recv() {
                        Ok(Job::Batch(b, r)) => group.push((b, r)),
                        Ok(other) => {
                            pending = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let result = commit_rows(&mut conn, &mut cache, |tx, cache| {
                    let mut outcomes = Vec::with_capacity(group.len());
                    let mut topics = Topics::new();
                    for (batch, _) in &group {
                        let (outcome, t) = apply_batch(tx, cache, batch, now_ms)?;
                        outcomes.push(outcome);
                        topics.extend(t);
                    }
                    Ok((outcomes, topics))
                });
                match result {
                    Ok((outcomes, topics)) => {
                        publish(&conn, &changes, &topics);
                        for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(outcome));
                        }
                    }
                    Err(e) if group.len() == 1 => {
                        if let Some((_, reply)) = group.pop() {
                            let _ = reply.send(Err(e));
                        }
                    }
                    Err(e) => {
                        // One batch spoiled the group: apply each alone, so only that one
                        // fails (with its own error) and the others still commit.
                        tracing::warn!(
                            "a group of {} batches failed ({e}); applying them one by one",
                            group.len()
                        );
                        for (batch, reply) in group {
                            let result = commit_rows(&mut conn, &mut cache, |tx, cache| {
                                apply_batch(tx, cache, &batch, now_ms)
                            });
                            let _ = reply.send(result.map(|(outcome, topics)| {
                                publish(&conn, &changes, &topics);
                                outcome
                            }));
                        }
                    }
                }
            }
            Job::EndFirstLoad(reply) => {
                let ended = loading
                    .take()
                    .map_or(Ok(()), |db| first_load::end(&conn, &db));
                let _ = reply.send(ended);
            }
            Job::Close => {
                // A pass that failed half-way still leaves a whole store, in WAL mode.
                if let Some(db) = loading.take()
                    && let Err(e) = first_load::end(&conn, &db)
                {
                    tracing::warn!("ending the store's first load: {e}");
                }
                // Copy the WAL back and cut it to zero bytes first: a reader that outlives
                // this connection (read-only, it cannot remove the WAL) then leaves an empty
                // one, which the next open does not take for a crash. A read still in
                // progress only makes this incomplete; nothing is lost.
                match truncate_wal(&conn) {
                    Ok(c) if !c.complete => {
                        tracing::debug!("the closing WAL checkpoint was cut short by a reader")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!("the closing WAL checkpoint did not run: {e}"),
                }
                // The WAL hook owns the checkpoint thread and its connection; dropping the
                // hook ends that thread first, so this connection closes last and SQLite
                // removes the WAL when no reader is left.
                let no_hook: Option<
                    fn(&mut rusqlite::hooks::Wal, std::os::raw::c_int) -> rusqlite::Result<()>,
                > = None;
                if let Err(e) = conn.wal_hook(no_hook) {
                    tracing::debug!("cannot remove the WAL hook before closing: {e}");
                }
                if let Err((_, e)) = conn.close() {
                    tracing::warn!("closing the store's writer connection failed: {e}");
                }
                return;
            }
            Job::Checkpoint(reply) => {
                let _ = reply.send(truncate_wal(&conn).map_err(StoreError::from));
            }
            Job::Maintain(job, reply) => {
                let result = commit(&mut conn, |tx| maintenance::run(tx, &job, now_ms));
                let _ = reply.send(result.map(|(n, topics)| {
                    publish(&conn, &changes, &topics);
                    n
                }));
            }
        }
    }
}

/// How long a TRUNCATE checkpoint waits for readers to leave the WAL. It holds the write
/// lock while it waits, so every other writer of the store (another command, the console's
/// refresher, `serve`) waits with it: with the connection's own 10 s busy timeout, one long
/// report in another process stalled them all, and a command that needed to write in that
/// time failed with "database is locked". Cut short, the checkpoint is only postponed: the
/// last process to close the store truncates the WAL (docs/perf.md#store-size).
const TRUNCATE_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// `PRAGMA wal_checkpoint(TRUNCATE)`, waiting at most [`TRUNCATE_WAIT`] for readers.
fn truncate_wal(conn: &Connection) -> rusqlite::Result<Checkpoint> {
    conn.busy_timeout(TRUNCATE_WAIT)?;
    let result = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        Ok(Checkpoint {
            complete: r.get::<_, i64>(0)? == 0,
            frames_copied: r.get(2)?,
        })
    });
    conn.busy_timeout(super::schema::BUSY_TIMEOUT)?;
    result
}

type Topics = std::collections::BTreeSet<&'static str>;

fn commit<T>(
    conn: &mut Connection,
    work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<(T, Topics)>,
) -> Result<(T, Topics)> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let (value, topics) = work(&tx)?;
    {
        let mut bump = tx.prepare_cached(
            "INSERT INTO change_counters (topic, counter) VALUES (?1, 1)
             ON CONFLICT (topic) DO UPDATE SET counter = counter + 1",
        )?;
        for topic in &topics {
            bump.execute([topic])?;
        }
    }
    tx.commit()?;
    Ok((value, topics))
}

/// [`commit`] for row batches: the writer's cache is checked against other connections'
/// commits first, and forgets the sessions of a transaction that failed.
fn commit_rows<T>(
    conn: &mut Connection,
    cache: &mut WriterCache,
    work: impl FnOnce(&rusqlite::Transaction<'_>, &mut WriterCache) -> rusqlite::Result<(T, Topics)>,
) -> Result<(T, Topics)> {
    let result = commit(conn, |tx| {
        cache.begin(tx)?;
        work(tx, cache)
    });
    if result.is_err() {
        cache.failed();
    }
    result
}

fn publish(conn: &Connection, changes: &watch::Sender<ChangeCounters>, topics: &Topics) {
    if topics.is_empty() {
        return;
    }
    match read_counters(conn) {
        Ok(counters) => {
            changes.send_replace(counters);
        }
        Err(e) => tracing::warn!("cannot read change counters: {e}"),
    }
}

pub(super) fn read_counters(conn: &Connection) -> rusqlite::Result<ChangeCounters> {
    let mut stmt = conn.prepare_cached("SELECT topic, counter FROM change_counters")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    rows.collect()
}
