//! Where the demo's rows go: a write batch that is handed to the store's writer every few
//! thousand rows, so the demo goes through the same pipeline as the real collectors.

use crate::domain::{EventRecord, RequestRecord, SessionRecord};
use crate::store::ops::Op;
use crate::store::{Store, WriteBatch};
use anyhow::Context as _;

/// Rows per batch: large enough to amortise a transaction, small enough to stream.
const BATCH_ROWS: usize = 4_000;

pub struct Sink<'a> {
    store: &'a Store,
    batch: WriteBatch,
    rows: usize,
    pub requests: u64,
    pub events: u64,
    pub sessions: u64,
    pub ops: u64,
}

impl<'a> Sink<'a> {
    pub fn new(store: &'a Store) -> Sink<'a> {
        Sink {
            store,
            batch: WriteBatch::default(),
            rows: 0,
            requests: 0,
            events: 0,
            sessions: 0,
            ops: 0,
        }
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

    /// Writes the batch when it is full. Call between sessions, never inside one.
    pub fn maybe_flush(&mut self) -> anyhow::Result<()> {
        if self.rows >= BATCH_ROWS {
            self.flush()
        } else {
            Ok(())
        }
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.rows = 0;
        self.store
            .writer()
            .apply_blocking(batch)
            .context("writing the demo organisation to the store")?;
        Ok(())
    }
}
