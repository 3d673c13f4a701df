//! `POST /api/v1/events`: deploys and incidents from any CI/CD or paging tool, one event
//! or `{"events": [...]}`. Admin tokens and collector tokens (a manager token with the
//! collector capability: what a CI/CD or paging integration is given); each event is
//! checked and stored with the caller as its source.

use super::auth::{Principal, Role};
use super::gate::Caller;
use super::state::AppState;
use crate::domain::outcome_event::OutcomeEvent;
use crate::store::ops::Op;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// At most this many events in one request.
pub const MAX_EVENTS: usize = 1_000;

#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    Many { events: Vec<OutcomeEvent> },
    One(Box<OutcomeEvent>),
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Deploys and incidents (and vendor daily usage, pushed) are org-wide facts: admins and
/// collectors record them.
pub(super) fn may_record(p: &Principal) -> bool {
    p.role == Role::Admin || p.collector
}

pub async fn post_events(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    // The gate has authenticated the token from the headers before the body was read.
    let principal = caller.0;
    if principal.as_ref().is_some_and(|p| !may_record(p)) {
        return error(
            StatusCode::FORBIDDEN,
            "recording deploys and incidents needs an admin or collector token",
        );
    }
    let events = match serde_json::from_slice::<Body>(&body) {
        Ok(Body::Many { events }) => events,
        Ok(Body::One(e)) => vec![*e],
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the body is not an event or {{\"events\": [...]}}: {e}"),
            );
        }
    };
    if events.len() > MAX_EVENTS {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {MAX_EVENTS} events per request"),
        );
    }
    let now = chrono::Utc::now().timestamp_millis();
    for (i, e) in events.iter().enumerate() {
        if let Err(why) = e.validate_at(now) {
            return error(StatusCode::BAD_REQUEST, &format!("event {i}: {why}"));
        }
    }
    let source = format!(
        "api:{}",
        principal.map_or_else(|| "local".to_string(), |p| p.developer)
    );
    let accepted = events.len();
    let ops = events
        .into_iter()
        .map(|event| Op::RecordOutcomeEvent {
            event,
            source: source.clone(),
            received_at: now,
        })
        .collect();
    match state.backend.apply_ops(ops).await {
        Ok(()) => Json(serde_json::json!({ "accepted": accepted })).into_response(),
        Err(e) => {
            tracing::error!("storing events failed: {e}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; retry later",
            )
        }
    }
}
