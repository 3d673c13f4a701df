//! The alert engine of a team server on PostgreSQL: evaluates every rule (measured by
//! `pg::alert_inputs`) when the team's data changes (any `serve` sharing the
//! database may have written it) and at least once a minute, through the same lifecycle
//! decision as on SQLite (`alerting::Engine::plan`), and sends the webhook notifications
//! it queues (`pg::deliveries`). On SQLite, `alerting::task` runs.

use super::backend::Backend;
use crate::alerting::{Engine, RetryPolicy, Webhook};
use std::time::Duration;

/// How often the data's version is looked at.
const POLL: Duration = Duration::from_secs(3);
/// Evaluate at least this often even when nothing is written (windows move with the clock).
const TICK: Duration = Duration::from_secs(60);

/// Runs until aborted; errors are logged, never fatal.
pub async fn run(engine: Engine, backend: Backend) {
    let Backend::Postgres(pg) = &backend else {
        tracing::error!("the server's PostgreSQL alert engine was started on another store");
        return;
    };
    let mut seen = None;
    let mut last = tokio::time::Instant::now() - TICK;
    loop {
        let version = match pg.data_version().await {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!("alert engine: {e}");
                None
            }
        };
        if version.is_some() && (version != seen || last.elapsed() >= TICK) {
            seen = version;
            last = tokio::time::Instant::now();
            let now = chrono::Utc::now().timestamp_millis();
            match backend.evaluate_alerts(&engine, now, true).await {
                Ok(ev) => crate::alerting::task::log_evaluation(ev),
                Err(e) => tracing::warn!("alert engine: {e}"),
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Sends the queued webhook notifications until aborted (looking every few seconds; each
/// `serve` on the database does, and each notification is claimed by one of them).
pub async fn deliver(backend: Backend, hooks: Vec<Webhook>, retry: RetryPolicy) {
    if hooks.is_empty() {
        return;
    }
    let client = match crate::alerting::webhook::http_client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("alert engine: cannot build the HTTP client: {e}");
            return;
        }
    };
    loop {
        match backend.deliver_pending(&hooks, &client, retry).await {
            Ok(r) if r.delivered + r.dead > 0 => {
                tracing::info!(
                    delivered = r.delivered,
                    dead = r.dead,
                    "alert notifications sent"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("alert engine: webhook delivery: {e}"),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Starts [`run`] and [`deliver`] on the current runtime; aborting the handle stops both.
pub fn spawn(engine: Engine, backend: Backend, hooks: Vec<Webhook>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::join!(
            run(engine, backend.clone()),
            deliver(backend, hooks, RetryPolicy::default())
        );
    })
}
