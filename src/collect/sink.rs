//! Collects the write batches of many files into few large transactions. SQLite's cost per
//! commit is dominated by the index pages it dirties; one commit per thousands of rows
//! instead of one per file cuts the bytes written during a cold pass by an order of
//! magnitude. Order is preserved: batches are submitted to the single writer in the order
//! they were sealed. No batch removes rows (spend is never removed; docs/accounting.md), so
//! any two merge.
//!
//! A batch is sealed early (at [`MIN_ROWS`]) whenever the writer has nothing in hand, so the
//! writer starts within the first files of a cold pass and keeps working beside the parsers
//! instead of waiting for 20,000 rows and then writing them after the parsers have finished
//! (docs/perf.md#cold-ingest-against-ccusage-issue-12).

use crate::store::{Store, WriteBatch, WriteOutcome};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Seal the pending batch at this many rows or this many input bytes. Below the writer's
/// 20,000 rows per transaction: a cold pass holds one batch being written and one filling,
/// and 8,000 rows took the peak RSS of a 1 GB pass from 77–84 to 66–69 MB at the same speed
/// (4,000: 61 MB, and perhaps 4 % slower; docs/perf.md#memory).
const MAX_ROWS: usize = 8_000;
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;
/// Seal already at this many rows when no batch of this sink is being written.
const MIN_ROWS: usize = 2_000;

#[derive(Default)]
struct Pending {
    batch: WriteBatch,
    rows: usize,
    input_bytes: u64,
}

pub struct Sink<'a> {
    store: &'a Store,
    pending: Mutex<Pending>,
    /// Batches submitted and not yet committed.
    in_flight: AtomicUsize,
}

impl<'a> Sink<'a> {
    pub fn new(store: &'a Store) -> Sink<'a> {
        Sink {
            store,
            pending: Mutex::new(Pending::default()),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Adds `batch` (rows plus the cursors that cover them, read from `input_bytes` bytes);
    /// returns the outcome of whatever this call committed.
    pub fn push(&self, batch: WriteBatch, input_bytes: u64) -> crate::store::Result<WriteOutcome> {
        let ticket = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.rows += batch.requests.len() + batch.events.len() + batch.sessions.len();
            pending.input_bytes += input_bytes;
            pending.batch.append(batch);
            let writer_idle = self.in_flight.load(Ordering::Acquire) == 0;
            if pending.rows >= MAX_ROWS
                || pending.input_bytes >= MAX_INPUT_BYTES
                || (writer_idle && pending.rows >= MIN_ROWS)
            {
                let sealed = std::mem::take(&mut *pending).batch;
                self.in_flight.fetch_add(1, Ordering::AcqRel);
                // Submitted under the lock: batches reach the writer in the order sealed.
                Some(self.store.writer().submit(sealed))
            } else {
                None
            }
        };
        let Some(ticket) = ticket else {
            return Ok(WriteOutcome::default());
        };
        let outcome = ticket.and_then(|t| t.wait());
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        outcome
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Agent, SessionRecord};

    fn sessions(n: usize, from: usize) -> WriteBatch {
        WriteBatch {
            sessions: (from..from + n)
                .map(|i| SessionRecord {
                    agent: Agent::ClaudeCode,
                    session_key: format!("s{i}"),
                    source: "test".into(),
                    developer: "dev".into(),
                    project_id: None,
                    branch: None,
                    started_at: 1,
                    last_activity_at: 2,
                    title: None,
                })
                .collect(),
            ..WriteBatch::default()
        }
    }

    #[test]
    fn an_idle_writer_gets_a_batch_as_soon_as_it_reaches_the_minimum() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let sink = Sink::new(&store);
        let held = sink.push(sessions(MIN_ROWS - 1, 0), 10).unwrap();
        assert_eq!(
            held.sessions_touched, 0,
            "below the minimum the batch waits"
        );
        // One more row: the writer has nothing in hand, so the batch goes now, not at
        // 20,000 rows or at the end of the pass.
        let sent = sink.push(sessions(1, MIN_ROWS), 10).unwrap();
        assert_eq!(sent.sessions_touched, MIN_ROWS as u64);
        assert_eq!(sink.finish().unwrap().sessions_touched, 0);
    }
}
