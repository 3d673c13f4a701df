//! Alert state owned by the team server: `GET /api/v1/alerts?since=` (alerts changed since
//! a cursor, filtered by role) and `POST /api/v1/alerts/{id}/{ack|snooze|resolve}`,
//! recorded with the token's identity and permitted by role: members act on their own
//! alerts, managers on their team's and its developers', admins on all.

use super::auth::{Principal, Role};
use super::gate::Caller;
use super::state::AppState;
use crate::alerting::wire::{AlertAction, AlertsPage, RemoteAlert};
use crate::store::ops::Op;
use crate::store::queries::alerts_admin::StoredAlert;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const PAGE: usize = 1_000;

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// May `p` see or act on an alert about `subject`? (`None`: no token needed here.)
async fn allowed(state: &AppState, p: Option<&Principal>, subject: &str) -> bool {
    let Some(p) = p else { return true };
    match p.role {
        Role::Admin => true,
        Role::Member => subject == format!("developer:{}", p.developer),
        Role::Manager => {
            if let Some(team) = subject.strip_prefix("team:") {
                return p.team.as_deref() == Some(team);
            }
            match subject.strip_prefix("developer:") {
                Some(d) if d == p.developer => true,
                Some(d) => {
                    p.team.is_some() && state.backend.team_of(d).await.ok().flatten() == p.team
                }
                None => false,
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Since {
    #[serde(default)]
    since: i64,
}

pub async fn get_alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<Since>,
) -> Response {
    let principal = caller.0;
    let rows: Vec<(StoredAlert, i64)> =
        match state.backend.alerts_changed_since(q.since, PAGE).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("reading alerts failed: {e}");
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store is unavailable; retry later",
                );
            }
        };
    let next_since = rows.last().map_or(q.since, |(_, u)| *u);
    let mut alerts = Vec::new();
    for (a, updated_at) in &rows {
        if allowed(&state, principal.as_ref(), &a.row.subject).await {
            alerts.push(RemoteAlert::of(a, *updated_at));
        }
    }
    // A full page repeats its last instant next time (rows sharing it are not skipped).
    let next_since = if rows.len() >= PAGE {
        next_since
    } else {
        next_since + 1
    };
    Json(AlertsPage { alerts, next_since }).into_response()
}

pub async fn post_action(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Response {
    let principal = caller.0;
    let body: AlertAction = if body.is_empty() {
        AlertAction::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("the body is not an alert action: {e}"),
                );
            }
        }
    };
    if body
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > 2_000)
    {
        return error(StatusCode::BAD_REQUEST, "note: at most 2000 characters");
    }
    let alert = match state.backend.alert(id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("there is no alert with id {id}"),
            );
        }
        Err(e) => {
            tracing::error!("reading alert {id} failed: {e}");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; retry later",
            );
        }
    };
    if !allowed(&state, principal.as_ref(), &alert.row.subject).await {
        return error(
            StatusCode::FORBIDDEN,
            &format!(
                "this token may not change alerts about {}",
                alert.row.subject
            ),
        );
    }
    let by = principal.map_or_else(|| "local".to_string(), |p| p.developer);
    let now = chrono::Utc::now().timestamp_millis();
    let op = match action.as_str() {
        "ack" => Op::AckAlert {
            id,
            by: by.clone(),
            note: body.note.unwrap_or_default(),
            at: now,
        },
        "snooze" => match body.until_ms {
            Some(until) if until > now => Op::SnoozeAlert {
                id,
                until,
                by: by.clone(),
            },
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "until_ms: a time in the future expected",
                );
            }
        },
        "resolve" => Op::ResolveAlert {
            id,
            at: now,
            by: Some(by.clone()),
            note: body.note,
        },
        other => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("no alert action `{other}` (ack, snooze, resolve)"),
            );
        }
    };
    match state.backend.apply_ops(vec![op]).await {
        Ok(()) => Json(serde_json::json!({ "id": id, "action": action, "by": by })).into_response(),
        Err(e) => match e.rejection() {
            Some(refusal) => error(StatusCode::CONFLICT, &refusal.to_string()),
            None => {
                tracing::error!("alert action failed: {e}");
                error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store is unavailable; retry later",
                )
            }
        },
    }
}
