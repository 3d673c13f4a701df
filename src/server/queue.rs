//! The bounded queue between the HTTP handlers and the store. Handlers submit a job and wait
//! for its commit; a full queue answers at once (429). A dispatcher merges waiting jobs into
//! write batches and runs several at once: on PostgreSQL when their developers are disjoint
//! (`dispatch`), so writers never wait on each other; on SQLite in arrival order into the one
//! writer's queue, which commits them in that order.

use super::auth::Principal;
use super::backend::{Backend, Queued};
use super::dispatch::{Owned, next_batch};
use super::otlp::Mapped;
use super::owners::sighting;
use super::state::AppState;
use crate::store::{MAX_ROWS_PER_TRANSACTION, Ticket, WriteBatch};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

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
    /// Starts the dispatcher, which commits up to `in_flight` batches at once (batches of
    /// disjoint developers; see `dispatch`). The returned task ends when every queue handle
    /// is dropped and everything queued is committed.
    pub fn start(
        backend: Backend,
        capacity: usize,
        in_flight: usize,
    ) -> (IngestQueue, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let depth = Arc::new(AtomicUsize::new(0));
        let lag_ms = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(
            rx,
            backend,
            in_flight.max(1),
            depth.clone(),
            lag_ms.clone(),
        ));
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

/// A job waiting for its batch, with its developers.
struct Waiting {
    pending: Pending,
    owners: HashSet<String>,
}

impl Owned for Waiting {
    fn owners(&self) -> &HashSet<String> {
        &self.owners
    }
    fn rows(&self) -> usize {
        self.pending.0.rows()
    }
}

/// `owned`: whether the job's developers are needed (not with a single writer).
fn waiting(pending: Pending, owned: bool) -> Waiting {
    let owners = if owned {
        pending
            .0
            .batch
            .owners()
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        HashSet::new()
    };
    Waiting { pending, owners }
}

/// One batch's jobs merged: the rows, the answers owed, when the oldest was accepted.
struct Merged {
    batch: WriteBatch,
    replies: Vec<oneshot::Sender<Enqueued>>,
    oldest: Option<std::time::Instant>,
}

fn merge(group: Vec<Waiting>) -> Merged {
    let mut batch = WriteBatch::default();
    let mut replies = Vec::with_capacity(group.len());
    let oldest = group.iter().map(|w| w.pending.2).min();
    for Waiting { pending, .. } in group {
        let (job, reply, _) = pending;
        batch.append(job.batch);
        replies.push(reply);
    }
    Merged {
        batch,
        replies,
        oldest,
    }
}

fn answer(
    result: Result<(), String>,
    replies: Vec<oneshot::Sender<Enqueued>>,
    oldest: Option<std::time::Instant>,
    lag_ms: &AtomicU64,
) {
    let outcome = match result {
        Ok(()) => Enqueued::Stored,
        Err(e) => Enqueued::Failed(e),
    };
    if let Some(oldest) = oldest {
        lag_ms.store(oldest.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    for reply in replies {
        let _ = reply.send(outcome.clone());
    }
}

/// Commits one batch and answers its jobs.
async fn commit(merged: Merged, backend: Backend, lag_ms: Arc<AtomicU64>) {
    let Merged {
        batch,
        replies,
        oldest,
    } = merged;
    let result = backend.commit(batch).await.map_err(|e| e.to_string());
    answer(result, replies, oldest, &lag_ms);
}

/// Answers a batch the SQLite writer has queued once it is committed.
async fn committed(ticket: Result<Ticket, String>, merged: Merged, lag_ms: Arc<AtomicU64>) {
    let result = match ticket {
        Ok(ticket) => ticket.done().await.map(|_| ()).map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    answer(result, merged.replies, merged.oldest, &lag_ms);
}

/// The dispatcher: gathers waiting jobs, starts a batch whenever one may run (fewer than
/// `in_flight` running, its developers free), frees developers as batches commit.
async fn run(
    mut rx: mpsc::Receiver<Pending>,
    backend: Backend,
    in_flight: usize,
    depth: Arc<AtomicUsize>,
    lag_ms: Arc<AtomicU64>,
) {
    let mut pending: VecDeque<Waiting> = VecDeque::new();
    let mut busy: HashSet<String> = HashSet::new();
    let mut running: JoinSet<()> = JoinSet::new();
    let mut owners_of: HashMap<tokio::task::Id, HashSet<String>> = HashMap::new();
    let mut open = true;
    let single_writer = backend.single_writer();
    loop {
        while let Ok(p) = rx.try_recv() {
            pending.push_back(waiting(p, !single_writer));
        }
        while running.len() < in_flight {
            let Some(group) = next_batch(&mut pending, &busy, MAX_ROWS_PER_TRANSACTION) else {
                break;
            };
            depth.fetch_sub(group.len(), Ordering::Relaxed);
            if single_writer {
                // Queued now, in arrival order: the writer commits them in that order (and
                // merges what is queued into one transaction), so no developer needs to
                // wait for another batch to finish first.
                let mut merged = merge(group);
                let batch = std::mem::take(&mut merged.batch);
                let ticket = match backend.enqueue(batch).await {
                    Ok(Queued::Writer(ticket)) => Ok(ticket),
                    Ok(Queued::NotQueued(_)) => Err("the store has no single writer".into()),
                    Err(e) => Err(e.to_string()),
                };
                running.spawn(committed(ticket, merged, lag_ms.clone()));
                continue;
            }
            let owners: HashSet<String> = group.iter().flat_map(|w| w.owners.clone()).collect();
            busy.extend(owners.iter().cloned());
            let handle = running.spawn(commit(merge(group), backend.clone(), lag_ms.clone()));
            owners_of.insert(handle.id(), owners);
        }
        if !open && pending.is_empty() && running.is_empty() {
            return;
        }
        tokio::select! {
            next = rx.recv(), if open => match next {
                Some(p) => pending.push_back(waiting(p, !single_writer)),
                None => open = false,
            },
            done = running.join_next_with_id(), if !running.is_empty() => {
                let id = match done {
                    Some(Ok((id, ()))) => Some(id),
                    Some(Err(e)) => Some(e.id()),
                    None => None,
                };
                for owner in id.and_then(|id| owners_of.remove(&id)).unwrap_or_default() {
                    busy.remove(&owner);
                }
            }
        }
    }
}
