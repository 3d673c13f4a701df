//! The engine in the background: evaluates when data the rules read changes (the store's
//! change counters, ignoring the engine's own alert writes), at least once a minute (rules
//! over time windows move with the clock), then sends what is owed to the webhooks.

use super::engine::Engine;
use super::webhook::{RetryPolicy, Webhook, deliver_pending};
use crate::store::{ChangeCounters, Store};
use std::time::Duration;

/// Topics written by the engine itself or that no rule reads.
const IGNORED_TOPICS: &[&str] = &["alerts", "alert_deliveries", "cursors", "source_health"];

/// Writes settle this long before an evaluation (a burst of batches → one evaluation).
const SETTLE: Duration = Duration::from_secs(2);
/// Evaluate at least this often even when nothing is written.
const TICK: Duration = Duration::from_secs(60);

fn relevant(c: &ChangeCounters) -> Vec<(String, u64)> {
    c.iter()
        .filter(|(k, _)| !IGNORED_TOPICS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// Logs what an evaluation changed and the rules it could not measure.
pub fn log_evaluation(ev: super::Evaluation) {
    if !ev.fired.is_empty() || !ev.resolved.is_empty() {
        tracing::info!(
            fired = ev.fired.len(),
            resolved = ev.resolved.len(),
            "alert engine evaluated"
        );
    }
    for p in ev.problems {
        tracing::warn!("alert engine: {p}");
    }
}

/// Runs until the task is aborted. Errors are logged, never fatal.
pub async fn run(engine: Engine, store: Store, hooks: Vec<Webhook>, retry: RetryPolicy) {
    let client = match crate::alerting::webhook::http_client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("alert engine: cannot build the HTTP client: {e}");
            return;
        }
    };
    let mut changes = store.changes();
    let mut seen: Option<Vec<(String, u64)>> = None;
    loop {
        let now_data = relevant(&changes.borrow_and_update());
        if seen.as_ref() != Some(&now_data) || seen.is_none() {
            seen = Some(now_data);
        }
        let (e, s) = (engine.clone(), store.clone());
        let now = chrono::Utc::now().timestamp_millis();
        match tokio::task::spawn_blocking(move || e.evaluate_once(&s, now, true)).await {
            Ok(Ok(ev)) => log_evaluation(ev),
            Ok(Err(e)) => tracing::warn!("alert engine: {e}"),
            Err(_) => tracing::warn!("alert engine: the evaluation task failed"),
        }
        if !hooks.is_empty()
            && let Err(e) = deliver_pending(&store, &hooks, &client, retry).await
        {
            tracing::warn!("alert engine: webhook delivery: {e}");
        }
        // Wait for a relevant change (or the tick), then let writes settle.
        let deadline = tokio::time::Instant::now() + TICK;
        loop {
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {
                    if Some(relevant(&changes.borrow_and_update())) != seen {
                        tokio::time::sleep(SETTLE).await;
                        break;
                    }
                }
                Ok(Err(_)) => return, // the store is gone
                Err(_) => break,      // tick
            }
        }
    }
}

/// Starts `run` on the current runtime.
pub fn spawn(engine: Engine, store: Store, hooks: Vec<Webhook>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(engine, store, hooks, RetryPolicy::default()))
}
