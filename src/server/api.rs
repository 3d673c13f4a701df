//! The push and sync API. `POST /api/v1/push` takes JSON batches of locally collected rows
//! (metadata only; wire types in `protocol`): every row must belong to a developer the
//! token may write (else 403 naming the row), rows outside the bounds are refused and named
//! in the answer, the rest are stored under the server's rules (the replacement policy
//! follows from each key's kind). Vendor daily usage (organisation data from the vendors'
//! admin APIs) is taken from admin tokens and collector tokens only (a collector's: its
//! team's developers; others are refused by name), each day replacing the stored day.
//! `GET /api/v1/sync` returns rows after the caller's cursors, only within the caller's
//! scope.

use super::gate::Caller;
use super::otlp::Mapped;
use super::owners::OwnerRule;
use super::queue::{Enqueued, IngestJob};
use super::state::AppState;
use crate::domain::Agent;
use crate::protocol::{
    DEFAULT_SYNC_LIMIT, ErrorBody, MAX_PUSH_ROWS, PushAnswer, Rejected, SyncQuery, decode_push,
};
use crate::store::ops::Op;
use crate::store::queries::sync::RowFilter;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.to_string(),
        }),
    )
        .into_response()
}

fn shown(key: &str) -> String {
    key.chars().take(80).collect()
}

pub async fn post_push(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let mut decoded = match decode_push(&body) {
        Ok(d) => d,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the push body is not a JSON batch: {e}"),
            );
        }
    };
    if decoded.rows() > MAX_PUSH_ROWS {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {MAX_PUSH_ROWS} rows per push"),
        );
    }
    if !decoded.daily_usage.is_empty()
        && caller
            .0
            .as_ref()
            .is_some_and(|p| !super::events::may_record(p))
    {
        return error(
            StatusCode::FORBIDDEN,
            "pushing vendor daily usage (organisation data from the vendors' admin APIs) needs an admin or collector token",
        );
    }
    let owners = match OwnerRule::for_caller(caller.0.as_ref(), &state.backend).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!("reading the directory failed: {e}");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; retry later",
            );
        }
    };
    // Events name their owner, else the pushed session they belong to does (older clients);
    // a pinned token's events are its developer's.
    let session_owner: HashMap<(Agent, String), String> = decoded
        .sessions
        .iter()
        .map(|(_, s)| ((s.agent, s.session_key.clone()), s.developer.clone()))
        .collect();
    for (_, e) in &mut decoded.events {
        if e.developer.is_empty() {
            e.developer = match (
                &owners,
                session_owner.get(&(e.agent, e.session_key.clone())),
            ) {
                (OwnerRule::Pinned { developer }, _) => developer.clone(),
                (_, Some(owner)) => owner.clone(),
                (_, None) => String::new(),
            };
        }
    }
    // Ownership first: a row of a developer this token may not write refuses the push.
    let foreign = decoded
        .sessions
        .iter()
        .map(|(_, s)| ("session", s.session_key.as_str(), s.developer.as_str()))
        .chain(
            decoded
                .requests
                .iter()
                .map(|(_, r)| ("request", r.dedupe_key.as_str(), r.developer.as_str())),
        )
        .chain(
            decoded
                .events
                .iter()
                .map(|(_, e)| ("event", e.dedupe_key.as_str(), e.developer.as_str())),
        )
        .find_map(|(kind, key, developer)| {
            owners
                .check_pushed(developer)
                .err()
                .map(|e| format!("{kind} `{}`: {e}", shown(key)))
        });
    if let Some(message) = foreign {
        return error(StatusCode::FORBIDDEN, &message);
    }
    // Bounds: a row outside them is refused on its own and named.
    let now = chrono::Utc::now().timestamp_millis();
    let mut rejected = std::mem::take(&mut decoded.rejected);
    let mut mapped = Mapped::default();
    for (index, mut s) in decoded.sessions {
        // Titles can be derived from conversation text: metadata only on the server.
        s.title = None;
        match s.check_bounds(now) {
            Ok(()) => {
                mapped.owners.push(s.developer.clone());
                mapped.sessions.push(s);
            }
            Err(e) => rejected.push(refusal("session", index, &s.session_key, e)),
        }
    }
    for (index, r) in decoded.requests {
        match r.check_bounds(now) {
            Ok(()) => {
                mapped.owners.push(r.developer.clone());
                mapped.requests.push(r);
            }
            Err(e) => rejected.push(refusal("request", index, &r.dedupe_key, e)),
        }
    }
    for (index, e) in decoded.events {
        if e.developer.is_empty() {
            rejected.push(refusal(
                "event",
                index,
                &e.dedupe_key,
                "names no developer and its session is not in the push",
            ));
            continue;
        }
        match e.check_bounds(now) {
            Ok(()) => mapped.events.push(e),
            Err(err) => rejected.push(refusal("event", index, &e.dedupe_key, err)),
        }
    }
    // A collector's vendor days are its team's (per the directory), as its telemetry is.
    let collector_team = caller.0.as_ref().and_then(|p| p.team.clone());
    let mut vendor_days = Vec::new();
    for (index, d) in decoded.daily_usage {
        let owned = match &owners {
            OwnerRule::Among { .. } if d.developer.is_empty() => (collector_team.as_deref()
                == Some(d.team.as_str()))
            .then_some(())
            .ok_or_else(|| {
                format!(
                    "team `{}` is outside what this token may write",
                    shown(&d.team)
                )
            }),
            _ => owners.check_pushed(&d.developer).map_err(|e| e.to_string()),
        };
        if let Err(why) = owned {
            rejected.push(refusal("daily_usage", index, &d.key(), why));
            continue;
        }
        match d.check_bounds(now) {
            Ok(()) => vendor_days.push(Op::UpsertDailyUsage(d)),
            Err(e) => rejected.push(refusal("daily_usage", index, &d.key(), e)),
        }
    }
    let answer = PushAnswer {
        sessions: mapped.sessions.len(),
        requests: mapped.requests.len(),
        events: mapped.events.len(),
        daily_usage: vendor_days.len(),
        rejected,
    };
    mapped.received = answer.sessions
        + answer.requests
        + answer.events
        + answer.daily_usage
        + answer.rejected.len();
    // Vendor days are replaced in place (no owner-scoped keys, no rollups): one transaction.
    if !vendor_days.is_empty()
        && let Err(e) = state.backend.apply_ops(vendor_days).await
    {
        tracing::error!("storing pushed vendor daily usage failed: {e}");
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is unavailable; retry later",
        );
    }
    state
        .stats
        .record_received("push", mapped.received as u64, answer.rejected.len() as u64);
    let job = IngestJob::from_mapped(mapped, caller.0.as_ref(), &state);
    if job.is_empty() {
        return Json(answer).into_response();
    }
    match state.queue.submit(job).await {
        Enqueued::Stored => Json(answer).into_response(),
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

fn refusal(kind: &str, index: usize, key: &str, why: impl std::fmt::Display) -> Rejected {
    Rejected {
        kind: kind.into(),
        index,
        key: Some(shown(key)),
        reason: why.to_string(),
    }
}

pub async fn get_sync(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SyncQuery>,
) -> Response {
    let filter = caller.0.as_ref().map_or(RowFilter::All, |p| p.row_filter());
    let limit = q.limit.unwrap_or(DEFAULT_SYNC_LIMIT);
    match state
        .backend
        .sync_page(filter, q, limit, state.org_totals)
        .await
    {
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
