//! Webhook delivery of alert notifications: Slack-compatible (`{"text": …}`) or a generic
//! JSON document, retried with exponential backoff; a notification that still fails after
//! the last attempt is kept as `dead` (the dead-letter record `agentdeck alerts list
//! --dead` shows). URLs are secrets: never logged, never part of an error message.

use crate::domain::alert_rules::Unit;
use crate::domain::alerts::Severity;
use crate::store::ops::Op;
use crate::store::queries::alerts_admin::Delivery;
use crate::store::{Store, StoreError, WriteBatch};
use serde_json::json;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Slack,
    Json,
}

#[derive(Clone)]
pub struct Webhook {
    pub name: String,
    url: String,
    pub format: Format,
    pub min_severity: Severity,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("url", &"<redacted>")
            .field("format", &self.format)
            .finish()
    }
}

impl Webhook {
    pub fn new(name: &str, url: &str, format: Format, min_severity: Severity) -> Webhook {
        Webhook {
            name: name.into(),
            url: url.into(),
            format,
            min_severity,
        }
    }
}

/// Attempts per notification and the pause before the second one (doubling after).
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_pause: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            first_pause: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub dead: usize,
}

fn value_text(v: Option<f64>, unit: Option<Unit>) -> Option<String> {
    Some(unit.unwrap_or(Unit::Count).format(v?))
}

/// The body sent for one notification.
pub fn payload(d: &Delivery, format: Format) -> serde_json::Value {
    let a = &d.alert.row;
    let value = value_text(a.value, a.unit);
    let threshold = value_text(a.threshold, a.unit);
    match format {
        Format::Slack => {
            let mark = match (d.event.as_str(), a.severity) {
                ("resolved", _) => "✔ resolved",
                (_, Severity::Critical) => "▲ CRITICAL",
                (_, Severity::Warning) => "△ warning",
                (_, Severity::Info) => "· info",
            };
            let numbers = match (&value, &threshold) {
                (Some(v), Some(t)) => format!(" ({v} vs {t})"),
                _ => String::new(),
            };
            json!({ "text": format!("{mark} {} — {}: {}{numbers} [alert #{}]", a.rule, a.subject, a.message, d.alert.id) })
        }
        Format::Json => json!({
            "event": d.event,
            "alert": {
                "id": d.alert.id, "rule": a.rule, "subject": a.subject,
                "severity": a.severity.as_str(), "state": a.state.as_str(),
                "value": a.value, "threshold": a.threshold,
                "unit": a.unit.map(Unit::as_str), "value_text": value, "threshold_text": threshold,
                "message": a.message, "fired_at_ms": a.fired_at, "resolved_at_ms": a.resolved_at,
            }
        }),
    }
}

/// The HTTP client notifications are sent with (15 s per attempt).
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    crate::collect::http::client_builder(Duration::from_secs(15)).build()
}

async fn attempt(
    client: &reqwest::Client,
    hook: &Webhook,
    body: &serde_json::Value,
) -> Result<(), String> {
    match client.post(&hook.url).json(body).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status())),
        Err(e) => Err(e.without_url().to_string()),
    }
}

/// How one notification ended, after `attempts` tries in all (earlier runs included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub delivered: bool,
    pub attempts: i64,
    pub error: Option<String>,
}

impl Outcome {
    /// The delivery row's new state: `delivered`, or `dead` (the dead-letter record).
    pub fn state(&self) -> &'static str {
        if self.delivered { "delivered" } else { "dead" }
    }
}

impl DeliveryReport {
    pub fn count(&mut self, outcome: &Outcome) {
        if outcome.delivered {
            self.delivered += 1;
        } else {
            self.dead += 1;
        }
    }
}

/// Sends one notification to its webhook, retrying with exponential backoff. Whichever
/// store holds the queue records the outcome (SQLite here, PostgreSQL on a team server).
pub async fn send(
    d: &Delivery,
    hooks: &[Webhook],
    client: &reqwest::Client,
    policy: RetryPolicy,
) -> Outcome {
    let Some(hook) = hooks.iter().find(|h| h.name == d.target) else {
        return Outcome {
            delivered: false,
            attempts: d.attempts,
            error: Some("no [[webhook]] with this name in the config".into()),
        };
    };
    let body = payload(d, hook.format);
    let mut attempts = d.attempts;
    let mut pause = policy.first_pause;
    let mut last_error = None;
    for k in 0..policy.attempts.max(1) {
        if k > 0 {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        attempts += 1;
        match attempt(client, hook, &body).await {
            Ok(()) => {
                last_error = None;
                break;
            }
            Err(e) => {
                tracing::warn!(webhook = %hook.name, attempt = attempts, "alert notification failed: {e}");
                last_error = Some(e);
            }
        }
    }
    Outcome {
        delivered: last_error.is_none(),
        attempts,
        error: last_error,
    }
}

/// Sends every pending notification of the SQLite store; records each outcome.
pub async fn deliver_pending(
    store: &Store,
    hooks: &[Webhook],
    client: &reqwest::Client,
    policy: RetryPolicy,
) -> Result<DeliveryReport, StoreError> {
    let pending = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.reader()?.deliveries("pending"))
            .await
            .map_err(|_| StoreError::WriterGone)??
    };
    let mut report = DeliveryReport::default();
    for d in pending {
        let outcome = send(&d, hooks, client, policy).await;
        report.count(&outcome);
        let at = chrono::Utc::now().timestamp_millis();
        record(store, d.id, outcome, at).await?;
    }
    Ok(report)
}

async fn record(store: &Store, id: i64, outcome: Outcome, at: i64) -> Result<(), StoreError> {
    store
        .writer()
        .apply(WriteBatch {
            ops: vec![Op::RecordDelivery {
                id,
                state: outcome.state().into(),
                attempts: outcome.attempts,
                error: outcome.error,
                at,
            }],
            ..WriteBatch::default()
        })
        .await
        .map(|_| ())
}
