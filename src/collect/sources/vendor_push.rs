//! Vendor daily usage to the team server: the console (or `agentdeck push`) that polls the
//! vendors' admin APIs sends the days its store holds (`daily_usage`: Cursor, Copilot,
//! Claude Code analytics) to `POST /api/v1/push`, so the server's alert engine measures
//! acceptance. Days replace days on the server, so a re-send never counts twice; within
//! one process only days that changed since they were last sent go again.

use super::team_server::{SyncError, TeamServer};
use crate::protocol::{PushAnswer, PushBatch, Rejected};
use crate::store::ops::DailyUsageRow;
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::time::Duration;

/// After the first pass, days this recent are read again for changes (vendors restate
/// recent days; older ones are final).
pub const RESEND_DAYS: i64 = 35;
/// Vendor days per request.
const DAYS_PER_PUSH: usize = 2_000;

type DayKey = (String, String, String, String);

fn key_of(d: &DailyUsageRow) -> DayKey {
    (
        d.source.clone(),
        d.day.clone(),
        d.developer.clone(),
        d.team.clone(),
    )
}

/// What one pass sent and what the server refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorPushSummary {
    pub sent: usize,
    pub stored: usize,
    pub rejected: Vec<Rejected>,
}

/// The days sent so far in this process (the first pass sends every stored day).
#[derive(Debug, Default)]
pub struct VendorPush {
    sent: Option<HashMap<DayKey, DailyUsageRow>>,
}

impl VendorPush {
    /// Sends every stored day not yet sent as it is now; `now_ms` dates the resend window.
    pub async fn push_changed(
        &mut self,
        server: &TeamServer,
        store: &Store,
        now_ms: i64,
    ) -> Result<VendorPushSummary, SyncError> {
        let since = self.sent.as_ref().map(|_| {
            crate::domain::alert_observations::acceptance_since_day(
                now_ms,
                RESEND_DAYS * 86_400_000,
            )
        });
        let days = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || -> Result<Vec<DailyUsageRow>, StoreError> {
                store.reader()?.vendor_days_since(since.as_deref())
            })
            .await
            .map_err(|e| SyncError::Client(format!("reading vendor daily usage: {e}")))??
        };
        let first_pass = self.sent.is_none();
        let previous = self.sent.take().unwrap_or_default();
        let changed: Vec<&DailyUsageRow> = days
            .iter()
            .filter(|d| previous.get(&key_of(d)) != Some(*d))
            .collect();
        let mut summary = VendorPushSummary::default();
        for chunk in changed.chunks(DAYS_PER_PUSH) {
            match send(server, chunk).await {
                Ok(answer) => {
                    summary.sent += chunk.len();
                    summary.stored += answer.daily_usage;
                    summary.rejected.extend(answer.rejected);
                }
                Err(e) => {
                    // Everything not known sent goes again next time (days replace days).
                    self.sent = (!first_pass).then_some(previous);
                    return Err(e);
                }
            }
        }
        // Days outside the resend window are final: forget them.
        let cutoff = crate::domain::alert_observations::acceptance_since_day(
            now_ms,
            RESEND_DAYS * 86_400_000,
        );
        self.sent = Some(
            days.into_iter()
                .filter(|d| d.day >= cutoff)
                .map(|d| (key_of(&d), d))
                .collect(),
        );
        Ok(summary)
    }

    /// Sends changed days every `interval` until the task is aborted. Errors are logged
    /// (a member token is refused with the reason), never fatal.
    pub async fn poll(mut self, server: TeamServer, store: Store, interval: Duration) {
        loop {
            let now = chrono::Utc::now().timestamp_millis();
            match self.push_changed(&server, &store, now).await {
                Ok(s) => {
                    for r in &s.rejected {
                        tracing::warn!(
                            "the team server refused vendor day {} ({}): {}",
                            r.index,
                            r.key.as_deref().unwrap_or("no key"),
                            r.reason
                        );
                    }
                    if s.sent > 0 {
                        tracing::info!(sent = s.sent, "vendor daily usage pushed");
                    }
                }
                Err(e) => tracing::warn!("pushing vendor daily usage failed: {e}"),
            }
            tokio::time::sleep(interval).await;
        }
    }
}

/// One request of vendor days; the server's answer.
async fn send(server: &TeamServer, chunk: &[&DailyUsageRow]) -> Result<PushAnswer, SyncError> {
    let batch = PushBatch {
        daily_usage: chunk.iter().map(|d| (*d).clone()).collect(),
        ..PushBatch::default()
    };
    let body = serde_json::to_value(&batch)
        .map_err(|e| SyncError::Client(format!("encoding vendor daily usage: {e}")))?;
    let answer = server.post_json("/api/v1/push", &body).await?;
    serde_json::from_value(answer).map_err(|e| SyncError::BadPage {
        url: server.url().to_string(),
        reason: format!("not a push answer: {e}"),
    })
}
