//! The bounded queue between the HTTP handlers and the store writer. Handlers submit a job
//! and wait for its commit; a full queue answers at once (429). One task drains the queue,
//! merging waiting jobs into one write batch (one transaction) so throughput stays high.

use super::auth::Principal;
use super::backend::Backend;
use super::otlp::Mapped;
use super::owners::sighting;
use super::state::AppState;
use crate::store::{MAX_ROWS_PER_TRANSACTION, WriteBatch};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Rows ready for the store, with the developers seen for the first time.
#[derive(Debug, Default)]
pub struct IngestJob {
    pub batch: WriteBatch,
}

impl IngestJob {
    pub fn from_mapped(mapped: Mapped, caller: Option<&Principal>, state: &AppState) -> IngestJob {
        let mut batch = WriteBatch {
            sessions: mapped.sessions,
            requests: mapped.requests,
            events: mapped.events,
            metric_points: mapped.metric_points,
            ..WriteBatch::default()
        };
        let mut seen = HashSet::new();
        for owner in mapped.owners {
            if seen.insert(owner.clone()) && state.first_sighting(&owner) {
                batch.seen_developers.push(sighting(&owner, caller));
            }
        }
        IngestJob { batch }
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    fn rows(&self) -> usize {
        self.batch.rows()
    }
}

/// What became of a submitted job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    Stored,
    Full,
    Failed(String),
    Closed,
}

type Pending = (IngestJob, oneshot::Sender<Enqueued>, std::time::Instant);

#[derive(Clone)]
pub struct IngestQueue {
    tx: mpsc::Sender<Pending>,
    depth: Arc<AtomicUsize>,
    /// How long the last committed group's oldest export waited for its commit, in ms.
    lag_ms: Arc<AtomicU64>,
}

impl IngestQueue {
    /// Starts `workers` drain tasks (each commits its own batches, so several transactions
    /// run at once); the returned task ends when every queue handle is dropped and the queue
    /// is empty.
    pub fn start(
        backend: Backend,
        capacity: usize,
        workers: usize,
    ) -> (IngestQueue, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let depth = Arc::new(AtomicUsize::new(0));
        let lag_ms = Arc::new(AtomicU64::new(0));
        let drains: Vec<_> = (0..workers.max(1))
            .map(|_| {
                tokio::spawn(drain(
                    rx.clone(),
                    backend.clone(),
                    depth.clone(),
                    lag_ms.clone(),
                ))
            })
            .collect();
        let task = tokio::spawn(async move {
            for d in drains {
                let _ = d.await;
            }
        });
        (IngestQueue { tx, depth, lag_ms }, task)
    }

    /// Jobs waiting for the writer.
    pub fn depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    /// Seconds between accepting an export and committing it, for the last commit: how far
    /// the store lags behind what the server has accepted.
    pub fn lag_seconds(&self) -> f64 {
        self.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }

    pub async fn submit(&self, job: IngestJob) -> Enqueued {
        let (reply, answer) = oneshot::channel();
        match self.tx.try_send((job, reply, std::time::Instant::now())) {
            Ok(()) => {
                self.depth.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Full(_)) => return Enqueued::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => return Enqueued::Closed,
        }
        answer.await.unwrap_or(Enqueued::Closed)
    }
}

/// One drain worker: takes the waiting jobs (up to a transaction's worth), commits them as
/// one batch, answers each job.
async fn drain(
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Pending>>>,
    backend: Backend,
    depth: Arc<AtomicUsize>,
    lag_ms: Arc<AtomicU64>,
) {
    loop {
        let group = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut group = vec![first];
            let mut rows = group[0].0.rows();
            while rows < MAX_ROWS_PER_TRANSACTION {
                match rx.try_recv() {
                    Ok(next) => {
                        rows += next.0.rows();
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            group
        };
        depth.fetch_sub(group.len(), Ordering::Relaxed);
        let mut batch = WriteBatch::default();
        let mut replies = Vec::with_capacity(group.len());
        let oldest = group.iter().map(|p| p.2).min();
        for (job, reply, _) in group {
            batch.append(job.batch);
            replies.push(reply);
        }
        let outcome = match backend.commit(batch).await {
            Ok(()) => Enqueued::Stored,
            Err(e) => Enqueued::Failed(e.to_string()),
        };
        if let Some(oldest) = oldest {
            lag_ms.store(oldest.elapsed().as_millis() as u64, Ordering::Relaxed);
        }
        for reply in replies {
            let _ = reply.send(outcome.clone());
        }
    }
}
