//! The team server as a source: pages of `GET /api/v1/sync` after the stored cursors, each
//! written as one batch together with the cursors it advances to (source `team_server`,
//! keyed by server URL: requests in `offset`, events in `line`, counters in `state`), so a
//! crash never splits rows from their cursor and a re-sync adds nothing. The server filters by the token's role; the client never sees more. Outcomes,
//! good or bad, are recorded in `source_health`. The token is never logged or printed.

use crate::protocol::{SyncPage, SyncQuery};
use crate::store::ops::Op;
use crate::store::source_health::SourceRun;
use crate::store::{FileCursor, Store, StoreError, WriteBatch};
use reqwest::StatusCode;
use std::time::Duration;

/// The source name in `cursors` and `source_health`.
pub const SOURCE: &str = "team_server";
/// Rows of each kind asked for per page.
pub const PAGE_ROWS: usize = 2_000;
/// A guard against a server that keeps answering without advancing.
const MAX_PAGES_PER_PASS: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the team server {url} cannot be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "the team server {url} refused the token ({status}): {message}; check [server] token_file or AGENTDECK_TOKEN"
    )]
    Unauthorized {
        url: String,
        status: StatusCode,
        message: String,
    },
    #[error("the team server {url} is busy (429); retry after {}s", retry_after.as_secs())]
    Throttled { url: String, retry_after: Duration },
    #[error("the team server {url} answered {status}: {message}")]
    Server {
        url: String,
        status: StatusCode,
        message: String,
    },
    #[error("the team server {url} sent a page that is not a sync page: {reason}")]
    BadPage { url: String, reason: String },
    #[error("writing synced rows to the local store: {0}")]
    Store(#[from] StoreError),
    #[error("building the HTTP client: {0}")]
    Client(String),
}

impl SyncError {
    /// How long to wait before the next attempt, when the server said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Throttled { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

/// What one pass received and what was new locally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub pages: usize,
    pub sessions: usize,
    pub requests: usize,
    pub events: usize,
    pub counters: usize,
    pub requests_added: u64,
    pub events_added: u64,
}

/// A configured team server: base URL and optional bearer token.
#[derive(Clone)]
pub struct TeamServer {
    url: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl std::fmt::Debug for TeamServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamServer")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl TeamServer {
    pub fn new(url: &str, token: Option<String>) -> Result<TeamServer, SyncError> {
        let client = crate::collect::http::client_builder(Duration::from_secs(60))
            .build()
            .map_err(|e| SyncError::Client(e.to_string()))?;
        Ok(TeamServer {
            url: url.trim_end_matches('/').to_string(),
            token: token.filter(|t| !t.trim().is_empty()),
            client,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Pulls every page after the stored cursors into `store`, then records the outcome in
    /// `source_health` (an error is recorded too, and returned).
    pub async fn sync_once(&self, store: &Store) -> Result<SyncSummary, SyncError> {
        match self.pull(store).await {
            Ok(summary) => {
                let health = self.health(Ok(&summary));
                store
                    .writer()
                    .apply(WriteBatch {
                        ops: vec![Op::RecordRun(health)],
                        ..WriteBatch::default()
                    })
                    .await?;
                Ok(summary)
            }
            Err(e) => {
                let health = self.health(Err(e.to_string()));
                if let Err(store_error) = store
                    .writer()
                    .apply(WriteBatch {
                        ops: vec![Op::RecordRun(health)],
                        ..WriteBatch::default()
                    })
                    .await
                {
                    tracing::warn!("recording the team server's health failed: {store_error}");
                }
                Err(e)
            }
        }
    }

    /// The same pass for callers outside a runtime (`report`).
    pub fn sync_blocking(&self, store: &Store) -> Result<SyncSummary, SyncError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SyncError::Client(format!("starting the async runtime: {e}")))?;
        runtime.block_on(self.sync_once(store))
    }

    /// Syncs every `interval` until dropped (abort the task to stop). Errors are logged and
    /// recorded, never fatal; a 429 waits for its Retry-After, other errors back off.
    pub async fn poll(self, store: Store, interval: Duration) {
        let mut backoff = interval;
        loop {
            let pause = match self.sync_once(&store).await {
                Ok(_) => {
                    backoff = interval;
                    interval
                }
                Err(e) => {
                    tracing::warn!("team server sync failed: {e}");
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    e.retry_after().unwrap_or(backoff).max(interval)
                }
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// The run as source health: pages read, rows added, the error in full; the URL is
    /// the setting in effect (the token never is).
    fn health(&self, outcome: Result<&SyncSummary, String>) -> SourceRun {
        let finished_at = chrono::Utc::now().timestamp_millis();
        let (pages, rows, error) = match outcome {
            Ok(s) => (
                s.pages as i64,
                (s.requests_added + s.events_added) as i64,
                None,
            ),
            Err(message) => (0, 0, Some(message)),
        };
        SourceRun {
            source: SOURCE.into(),
            kind: "sync".into(),
            finished_at,
            error,
            items_read: pages,
            item_unit: "pages".into(),
            rows_added: rows,
            settings: Some(
                serde_json::json!({ "url": self.url, "token": if self.token.is_some() { "set" } else { "none" } })
                    .to_string(),
            ),
            ..SourceRun::default()
        }
    }

    async fn pull(&self, store: &Store) -> Result<SyncSummary, SyncError> {
        let stored = store.reader()?.file_cursors(SOURCE)?.remove(&self.url);
        let mut q = stored
            .map(|c| SyncQuery {
                cursor: c.offset as i64,
                event_cursor: c.line as i64,
                counter_cursor: c.state.and_then(|s| s.parse().ok()).unwrap_or(0),
                limit: Some(PAGE_ROWS),
            })
            .unwrap_or(SyncQuery {
                limit: Some(PAGE_ROWS),
                ..SyncQuery::default()
            });
        let mut summary = SyncSummary::default();
        for _ in 0..MAX_PAGES_PER_PASS {
            let page = self.page(&q).await?;
            if page.is_empty() {
                return Ok(summary);
            }
            if page.next_cursor <= q.cursor
                && page.next_event_cursor <= q.event_cursor
                && page.next_counter_cursor <= q.counter_cursor
            {
                return Err(SyncError::BadPage {
                    url: self.url.clone(),
                    reason: "rows came back but the cursors did not advance".into(),
                });
            }
            summary.pages += 1;
            summary.sessions += page.sessions.len();
            summary.requests += page.requests.len();
            summary.events += page.events.len();
            summary.counters += page.counters.len();
            q.cursor = page.next_cursor;
            q.event_cursor = page.next_event_cursor;
            q.counter_cursor = page.next_counter_cursor;
            let outcome = store.writer().apply(self.batch(page)).await?;
            summary.requests_added += outcome.requests_added;
            summary.events_added += outcome.events_added;
        }
        Ok(summary)
    }

    /// A page as one write batch, with the cursors it advances to.
    fn batch(&self, page: SyncPage) -> WriteBatch {
        let ops = page
            .developers
            .into_iter()
            .map(|d| Op::LearnDeveloper {
                id: d.id,
                display_name: d.display_name,
                team: d.team,
            })
            .collect();
        WriteBatch {
            ops,
            sessions: page.sessions,
            requests: page.requests,
            events: page.events,
            counters: page.counters,
            cursors: vec![FileCursor {
                source: SOURCE.into(),
                path: self.url.clone(),
                offset: page.next_cursor.max(0) as u64,
                line: page.next_event_cursor.max(0) as u64,
                state: Some(page.next_counter_cursor.max(0).to_string()),
                ..FileCursor::default()
            }],
            ..WriteBatch::default()
        }
    }

    /// GETs `path` (with its query) as JSON; an error status is an error with the server's
    /// message.
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, SyncError> {
        self.send_json(self.client.get(format!("{}{path}", self.url)))
            .await
    }

    /// POSTs a JSON document to `path` on the server (an empty answer reads as null).
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, SyncError> {
        let request = self.client.post(format!("{}{path}", self.url)).json(body);
        match self.send_json(request).await {
            Err(SyncError::BadPage { .. }) => Ok(serde_json::Value::Null),
            other => other,
        }
    }

    /// Sends with the token; a success is read as JSON, an error status becomes an error
    /// carrying the server's message.
    async fn send_json(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<serde_json::Value, SyncError> {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| SyncError::Unreachable {
            url: self.url.clone(),
            reason: describe(&e),
        })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| SyncError::BadPage {
                url: self.url.clone(),
                reason: e.to_string(),
            });
        }
        let url = self.url.clone();
        let message = server_message(&text);
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => SyncError::Unauthorized {
                url,
                status,
                message,
            },
            _ => SyncError::Server {
                url,
                status,
                message,
            },
        })
    }

    async fn page(&self, q: &SyncQuery) -> Result<SyncPage, SyncError> {
        let url = format!(
            "{}/api/v1/sync?cursor={}&event_cursor={}&counter_cursor={}&limit={PAGE_ROWS}",
            self.url, q.cursor, q.event_cursor, q.counter_cursor
        );
        let mut request = self.client.get(&url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| SyncError::Unreachable {
            url: self.url.clone(),
            reason: describe(&e),
        })?;
        let status = response.status();
        if status.is_success() {
            let body = response.bytes().await.map_err(|e| SyncError::Unreachable {
                url: self.url.clone(),
                reason: describe(&e),
            })?;
            return serde_json::from_slice(&body).map_err(|e| SyncError::BadPage {
                url: self.url.clone(),
                reason: e.to_string(),
            });
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let message = server_message(&response.text().await.unwrap_or_default());
        let url = self.url.clone();
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => SyncError::Unauthorized {
                url,
                status,
                message,
            },
            StatusCode::TOO_MANY_REQUESTS => SyncError::Throttled {
                url,
                retry_after: retry_after.unwrap_or(Duration::from_secs(1)),
            },
            _ => SyncError::Server {
                url,
                status,
                message,
            },
        })
    }
}

/// The `error` field of a JSON error body, else the start of the text.
fn server_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(300).collect())
}

/// A reqwest error with its causes (connection refused, TLS, timeout).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token_and_messages_are_read_from_json() {
        let server = TeamServer::new("http://x:1/", Some("adk_secret".into())).unwrap();
        let shown = format!("{server:?}");
        assert!(!shown.contains("adk_secret"), "{shown}");
        assert_eq!(server.url(), "http://x:1");
        assert_eq!(server_message(r#"{"error":"bad token"}"#), "bad token");
        assert_eq!(server_message("plain"), "plain");
    }
}
