//! Where the demo's rows go: a write batch handed to the store's writer every few thousand
//! rows, so the demo goes through the same pipeline as the real collectors. A feeder thread
//! applies batches while the next one is generated; the first failure stops everything.

use crate::domain::{EventRecord, RequestRecord, SessionRecord};
use crate::store::ops::Op;
use crate::store::{Store, WriteBatch};
use anyhow::Context as _;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Rows per batch: large enough to amortise a transaction, small enough to stream.
const BATCH_ROWS: usize = 4_000;

pub struct Sink {
    feeder: Option<(mpsc::SyncSender<WriteBatch>, JoinHandle<anyhow::Result<()>>)>,
    batch: WriteBatch,
    rows: usize,
    pub requests: u64,
    pub events: u64,
    pub sessions: u64,
    pub ops: u64,
}

impl Sink {
    pub fn new(store: &Store) -> anyhow::Result<Sink> {
        let (tx, rx) = mpsc::sync_channel::<WriteBatch>(2);
        let store = store.clone();
        let handle = std::thread::Builder::new()
            .name("demo-feeder".into())
            .spawn(move || -> anyhow::Result<()> {
                for batch in rx {
                    store
                        .writer()
                        .apply_blocking(batch)
                        .context("writing the demo organisation to the store")?;
                }
                Ok(())
            })
            .context("starting the demo writer thread")?;
        Ok(Sink {
            feeder: Some((tx, handle)),
            batch: WriteBatch::default(),
            rows: 0,
            requests: 0,
            events: 0,
            sessions: 0,
            ops: 0,
        })
    }

    pub fn batch(&mut self) -> &mut WriteBatch {
        &mut self.batch
    }

    pub fn session(&mut self, s: SessionRecord) {
        self.sessions += 1;
        self.rows += 1;
        self.batch.sessions.push(s);
    }

    pub fn request(&mut self, r: RequestRecord) {
        self.requests += 1;
        self.rows += 1;
        self.batch.requests.push(r);
    }

    pub fn event(&mut self, e: EventRecord) {
        self.events += 1;
        self.rows += 1;
        self.batch.events.push(e);
    }

    pub fn op(&mut self, op: Op) {
        self.ops += 1;
        self.rows += 1;
        self.batch.ops.push(op);
    }

    /// Hands the batch over when it is full. Call between sessions, never inside one.
    pub fn maybe_flush(&mut self) -> anyhow::Result<()> {
        if self.rows >= BATCH_ROWS {
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Hands the current batch to the feeder (it is applied in order, asynchronously).
    pub fn flush(&mut self) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.rows = 0;
        let sent = self
            .feeder
            .as_ref()
            .map(|(tx, _)| tx.send(batch).is_ok())
            .unwrap_or(false);
        if !sent {
            // The feeder stopped: its error says why.
            return self
                .finish()
                .and_then(|()| Err(anyhow::anyhow!("the demo writer stopped early")));
        }
        Ok(())
    }

    /// Flushes and waits until every batch is committed.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        if !self.batch.is_empty() && self.feeder.is_some() {
            self.flush()?;
        }
        match self.feeder.take() {
            Some((tx, handle)) => {
                drop(tx);
                handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("the demo writer thread panicked"))?
            }
            None => Ok(()),
        }
    }
}
