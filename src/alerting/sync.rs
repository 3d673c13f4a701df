//! A console's side of server-owned alerts: actions taken here (ack, snooze, resolve on an
//! alert that came from the team server) are sent from the outbox, then the server's alert
//! state is pulled after a cursor and replaces the local copies — so an acknowledgement
//! made in one console shows in every other within one sync interval, with the identity
//! the server recorded.

use super::wire::{AlertAction, AlertsPage};
use crate::collect::sources::team_server::{SyncError, TeamServer};
use crate::store::ops::Op;
use crate::store::{FileCursor, Store, WriteBatch};
use std::time::Duration;

/// The cursor's source name (keyed by server URL).
pub const SOURCE: &str = "team_server_alerts";
const MAX_PAGES: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertSyncReport {
    pub sent: usize,
    /// Actions the server refused (not permitted, alert resolved…), with its reason.
    pub refused: Vec<String>,
    pub received: usize,
}

async fn blocking<T: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
) -> Result<T, SyncError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|_| SyncError::Client("a background task failed".into()))?
        .map_err(SyncError::Store)
}

/// One pass: send the outbox, then pull every alert changed since the cursor.
pub async fn sync_once(server: &TeamServer, store: &Store) -> Result<AlertSyncReport, SyncError> {
    let mut report = AlertSyncReport::default();
    let origin = server.url().to_string();
    let o = origin.clone();
    let outbox = blocking(store, move |s| s.reader()?.outbox(&o)).await?;
    for item in outbox {
        let body = AlertAction {
            note: item.note.clone(),
            until_ms: item.until_ms,
        };
        let path = format!("/api/v1/alerts/{}/{}", item.remote_id, item.action);
        match server
            .post_json(&path, &serde_json::to_value(&body).unwrap_or_default())
            .await
        {
            Ok(_) => report.sent += 1,
            Err(SyncError::Unauthorized { message, .. })
            | Err(SyncError::Server { message, .. }) => {
                report.refused.push(format!(
                    "{} of alert {}: {message}",
                    item.action, item.remote_id
                ));
            }
            Err(e) => return Err(e), // unreachable: keep the outbox for the next pass
        }
        store
            .writer()
            .apply(WriteBatch {
                ops: vec![Op::ClearOutbox { id: item.id }],
                ..WriteBatch::default()
            })
            .await?;
    }
    let o = origin.clone();
    let mut since = blocking(store, move |s| {
        Ok(s.reader()?.file_cursors(SOURCE)?.remove(&o))
    })
    .await?
    .map_or(0, |c| c.offset as i64);
    for _ in 0..MAX_PAGES {
        let value = server
            .get_json(&format!("/api/v1/alerts?since={since}"))
            .await?;
        let page: AlertsPage = serde_json::from_value(value).map_err(|e| SyncError::BadPage {
            url: origin.clone(),
            reason: e.to_string(),
        })?;
        let advanced = page.next_since > since;
        report.received += page.alerts.len();
        let ops = page
            .alerts
            .iter()
            .map(|a| Op::UpsertRemoteAlert {
                origin: origin.clone(),
                remote_id: a.id,
                row: a.row(),
                updated_at: a.updated_at,
            })
            .collect();
        store
            .writer()
            .apply(WriteBatch {
                ops,
                cursors: vec![FileCursor {
                    source: SOURCE.into(),
                    path: origin.clone(),
                    offset: page.next_since.max(0) as u64,
                    ..FileCursor::default()
                }],
                ..WriteBatch::default()
            })
            .await?;
        since = page.next_since;
        if page.alerts.is_empty() || !advanced {
            break;
        }
    }
    Ok(report)
}

/// Syncs every `interval` until aborted; errors are logged.
pub async fn poll(server: TeamServer, store: Store, interval: Duration) {
    loop {
        match sync_once(&server, &store).await {
            Ok(r) => {
                for refusal in r.refused {
                    tracing::warn!("team server refused an alert action: {refusal}");
                }
            }
            Err(e) => tracing::warn!("alert sync failed: {e}"),
        }
        tokio::time::sleep(interval).await;
    }
}
