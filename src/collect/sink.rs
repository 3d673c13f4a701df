//! Collects the write batches of many files into few large transactions. SQLite's cost per
//! commit is dominated by the index pages it dirties; one commit per 20,000 rows instead of
//! one per file cuts the bytes written during a cold pass by an order of magnitude. Order
//! is preserved: batches are submitted to the single writer in the order they were sealed.
//! No batch removes rows (spend is never removed; docs/accounting.md), so any two merge.

use crate::store::{Store, WriteBatch, WriteOutcome};
use std::sync::Mutex;

/// Seal the pending batch at this many rows or this many input bytes.
const MAX_ROWS: usize = 20_000;
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Default)]
struct Pending {
    batch: WriteBatch,
    rows: usize,
    input_bytes: u64,
}

pub struct Sink<'a> {
    store: &'a Store,
    pending: Mutex<Pending>,
}

impl<'a> Sink<'a> {
    pub fn new(store: &'a Store) -> Sink<'a> {
        Sink {
            store,
            pending: Mutex::new(Pending::default()),
        }
    }

    /// Adds `batch` (rows plus the cursors that cover them, read from `input_bytes` bytes);
    /// returns the outcome of whatever this call committed.
    pub fn push(&self, batch: WriteBatch, input_bytes: u64) -> crate::store::Result<WriteOutcome> {
        let mut tickets = Vec::new();
        {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.rows += batch.requests.len() + batch.events.len() + batch.sessions.len();
            pending.input_bytes += input_bytes;
            append(&mut pending.batch, batch);
            if pending.rows >= MAX_ROWS || pending.input_bytes >= MAX_INPUT_BYTES {
                tickets.push(
                    self.store
                        .writer()
                        .submit(std::mem::take(&mut pending.batch))?,
                );
                *pending = Pending::default();
            }
        }
        let mut outcome = WriteOutcome::default();
        for ticket in tickets {
            outcome += ticket.wait()?;
        }
        Ok(outcome)
    }

    /// Commits what is still pending.
    pub fn finish(&self) -> crate::store::Result<WriteOutcome> {
        let batch = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *pending).batch
        };
        if batch.is_empty() {
            return Ok(WriteOutcome::default());
        }
        self.store.writer().submit(batch)?.wait()
    }
}

fn append(into: &mut WriteBatch, b: WriteBatch) {
    let WriteBatch {
        projects,
        sessions,
        requests,
        events,
        cursors,
        teams,
        developers,
        source_health,
        ops,
    } = b;
    into.projects.extend(projects);
    into.sessions.extend(sessions);
    into.requests.extend(requests);
    into.events.extend(events);
    into.cursors.extend(cursors);
    into.teams.extend(teams);
    into.developers.extend(developers);
    into.source_health.extend(source_health);
    into.ops.extend(ops);
}
