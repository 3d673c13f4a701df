//! The push and sync API. `POST /api/v1/push` takes JSON batches of locally collected rows
//! (metadata only, keyed by dedupe key, so re-sending is harmless); `GET /api/v1/sync`
//! returns rows after a cursor, filtered by the caller's role.

use super::auth::{Principal, Role};
use super::otlp::Mapped;
use super::otlp::identity::Identity;
use super::queue::{Enqueued, IngestJob};
use super::state::AppState;
use crate::domain::{EventRecord, RequestRecord, SessionRecord};
use crate::store::queries::sync::RowFilter;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// At most this many rows in one push.
pub const MAX_PUSH_ROWS: usize = 20_000;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PushBatch {
    #[serde(default)]
    pub sessions: Vec<SessionRecord>,
    #[serde(default)]
    pub requests: Vec<RequestRecord>,
    #[serde(default)]
    pub events: Vec<EventRecord>,
}

impl PushBatch {
    pub fn rows(&self) -> usize {
        self.sessions.len() + self.requests.len() + self.events.len()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PushAccepted {
    pub sessions: usize,
    pub requests: usize,
    pub events: usize,
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

#[allow(clippy::result_large_err)] // the error is the finished answer
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Response> {
    state
        .auth
        .authenticate(headers)
        .await
        .map_err(|e| error(e.status(), &e.to_string()))
}

/// May this caller write rows of `developer`?
async fn may_write(state: &AppState, principal: Option<&Principal>, developer: &str) -> bool {
    let Some(p) = principal else { return true };
    match p.role {
        Role::Admin => true,
        Role::Member => p.developer == developer,
        Role::Manager => {
            p.developer == developer
                || (p.team.is_some()
                    && state.backend.team_of(developer).await.ok().flatten() == p.team)
        }
    }
}

pub async fn post_push(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let batch: PushBatch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the push body is not a JSON batch: {e}"),
            );
        }
    };
    if batch.rows() > MAX_PUSH_ROWS {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {MAX_PUSH_ROWS} rows per push"),
        );
    }
    let developers = batch
        .sessions
        .iter()
        .map(|s| &s.developer)
        .chain(batch.requests.iter().map(|r| &r.developer));
    let distinct: std::collections::BTreeSet<&String> = developers.clone().collect();
    for d in distinct {
        if !may_write(&state, principal.as_ref(), d).await {
            return error(
                StatusCode::FORBIDDEN,
                &format!("this token may not push rows of developer {d}"),
            );
        }
    }
    let announced: HashSet<(crate::domain::Agent, &str)> = batch
        .sessions
        .iter()
        .map(|s| (s.agent, s.session_key.as_str()))
        .collect();
    if principal.as_ref().is_some_and(|p| p.role != Role::Admin)
        && batch
            .events
            .iter()
            .any(|e| !announced.contains(&(e.agent, e.session_key.as_str())))
    {
        return error(
            StatusCode::FORBIDDEN,
            "events must be pushed together with their session",
        );
    }
    let accepted = PushAccepted {
        sessions: batch.sessions.len(),
        requests: batch.requests.len(),
        events: batch.events.len(),
    };
    let team_of = |d: &String| {
        principal
            .as_ref()
            .filter(|p| &p.developer == d)
            .and_then(|p| p.team.clone())
    };
    let identities = developers
        .map(|d| Identity {
            developer: d.clone(),
            email: d.contains('@').then(|| d.clone()),
            team: team_of(d),
        })
        .collect();
    // Session titles can be derived from conversation text: metadata only on the server.
    let mut sessions = batch.sessions;
    for s in &mut sessions {
        s.title = None;
    }
    let mapped = Mapped {
        received: accepted.sessions + accepted.requests + accepted.events,
        sessions,
        requests: batch.requests,
        events: batch.events,
        identities,
        ..Mapped::default()
    };
    state
        .stats
        .record_received("push", mapped.received as u64, 0);
    match state
        .queue
        .submit(IngestJob::from_mapped(mapped, &state))
        .await
    {
        Enqueued::Stored => Json(accepted).into_response(),
        Enqueued::Full => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "agentdeck is busy; retry later",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        Enqueued::Failed(e) => {
            tracing::error!("storing a push failed: {e}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; retry later",
            )
        }
        Enqueued::Closed => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "agentdeck is shutting down",
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    #[serde(default)]
    pub cursor: i64,
    #[serde(default)]
    pub event_cursor: i64,
    pub limit: Option<usize>,
}

pub async fn get_sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SyncQuery>,
) -> Response {
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filter = principal
        .as_ref()
        .map_or(RowFilter::All, Principal::row_filter);
    let limit = q.limit.unwrap_or(1_000);
    let page = state
        .backend
        .sync_page(filter, q.cursor, q.event_cursor, limit)
        .await;
    match page {
        Ok(page) => Json(page).into_response(),
        Err(e) => {
            tracing::error!("sync query failed: {e}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; retry later",
            )
        }
    }
}
