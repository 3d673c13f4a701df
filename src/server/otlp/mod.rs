//! The OTLP/HTTP receiver: `POST /v1/logs`, `/v1/metrics`, `/v1/traces`. Each handler
//! decodes (codec), maps to store rows (logs, metrics), queues them for the store writer
//! and answers success, partial success, 400/413/415, or 429/503 with Retry-After.

pub mod attrs;
pub mod codec;
pub mod commit_id;
pub mod identity;
pub mod logs;
pub mod metrics;

use super::auth::Principal;
use super::queue::{Enqueued, IngestJob};
use super::state::AppState;
use crate::domain::{EventRecord, RequestRecord, SessionRecord};
use crate::store::queries::sync::TelemetryCounter;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use codec::{Encoding, message_response, retry_later, status_response};
use identity::Identity;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use std::sync::atomic::Ordering;

/// What one export turned into.
#[derive(Debug, Default)]
pub struct Mapped {
    pub received: usize,
    /// Records of kinds we do not keep (accepted, not stored).
    pub ignored: usize,
    pub rejected: usize,
    pub reject_reasons: Vec<&'static str>,
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    pub counters: Vec<TelemetryCounter>,
    pub identities: Vec<Identity>,
}

impl Mapped {
    pub fn reject(&mut self, reason: &'static str) {
        self.rejected += 1;
        if !self.reject_reasons.contains(&reason) {
            self.reject_reasons.push(reason);
        }
    }

    fn error_message(&self) -> String {
        if self.rejected == 0 {
            return String::new();
        }
        format!(
            "{} records were rejected: {}",
            self.rejected,
            self.reject_reasons.join("; ")
        )
    }
}

/// The start shared by the three handlers: auth, encoding, size cap, decompression, decode.
#[allow(clippy::result_large_err)] // the error is the finished answer
async fn decode_request<T>(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    what: &'static str,
) -> Result<(T, Encoding, Option<Principal>), Response>
where
    T: prost::Message + Default + serde::de::DeserializeOwned,
{
    let fallback = Encoding::from_headers(headers).unwrap_or(Encoding::Json);
    let principal = state
        .auth
        .authenticate(headers)
        .await
        .map_err(|e| status_response(fallback, e.status(), e.to_string()))?;
    let Some(encoding) = Encoding::from_headers(headers) else {
        return Err(status_response(
            Encoding::Json,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/x-protobuf or application/json",
        ));
    };
    let reject = |e: codec::CodecError| {
        state.stats.bad_requests.fetch_add(1, Ordering::Relaxed);
        status_response(encoding, e.status(), e.to_string())
    };
    let plain =
        codec::decompress(headers, body, state.limits.max_decompressed_bytes).map_err(reject)?;
    let message = codec::decode::<T>(encoding, &plain, what).map_err(reject)?;
    Ok((message, encoding, principal))
}

/// Queues the rows; `None` when they are stored, else the throttling answer.
async fn store(
    state: &AppState,
    mapped: Mapped,
    encoding: Encoding,
    source: &'static str,
) -> Option<Response> {
    let stats = &state.stats;
    stats.record_received(source, mapped.received as u64, mapped.rejected as u64);
    let job = IngestJob::from_mapped(mapped, state);
    if job.is_empty() {
        return None;
    }
    match state.queue.submit(job).await {
        Enqueued::Stored => None,
        Enqueued::Full => {
            stats.throttled.fetch_add(1, Ordering::Relaxed);
            Some(retry_later(
                encoding,
                StatusCode::TOO_MANY_REQUESTS,
                1,
                "agentdeck is busy; retry later",
            ))
        }
        Enqueued::Failed(message) => {
            stats.store_errors.fetch_add(1, Ordering::Relaxed);
            tracing::error!("storing an OTLP export failed: {message}");
            Some(retry_later(
                encoding,
                StatusCode::SERVICE_UNAVAILABLE,
                5,
                "the store is unavailable; retry later",
            ))
        }
        Enqueued::Closed => Some(retry_later(
            encoding,
            StatusCode::SERVICE_UNAVAILABLE,
            5,
            "agentdeck is shutting down",
        )),
    }
}

pub async fn post_logs(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (request, encoding, principal) = match decode_request::<ExportLogsServiceRequest>(
        &state,
        &headers,
        &body,
        "ExportLogsServiceRequest",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let pinned = principal.as_ref().and_then(Principal::pinned_identity);
    let mapped = logs::map_logs(request, &state.prices, pinned.as_ref());
    let (rejected, message) = (mapped.rejected as i64, mapped.error_message());
    if let Some(throttled) = store(&state, mapped, encoding, "logs").await {
        return throttled;
    }
    let partial_success = (rejected > 0).then_some(ExportLogsPartialSuccess {
        rejected_log_records: rejected,
        error_message: message,
    });
    message_response(
        encoding,
        StatusCode::OK,
        &ExportLogsServiceResponse { partial_success },
    )
}

pub async fn post_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (request, encoding, principal) = match decode_request::<ExportMetricsServiceRequest>(
        &state,
        &headers,
        &body,
        "ExportMetricsServiceRequest",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let pinned = principal.as_ref().and_then(Principal::pinned_identity);
    let mapped = match state.cumulative.lock() {
        Ok(mut cumulative) => metrics::map_metrics(request, &mut cumulative, pinned.as_ref()),
        Err(_) => {
            return status_response(
                encoding,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal state poisoned",
            );
        }
    };
    let (rejected, message) = (mapped.rejected as i64, mapped.error_message());
    if let Some(throttled) = store(&state, mapped, encoding, "metrics").await {
        return throttled;
    }
    let partial_success = (rejected > 0).then_some(ExportMetricsPartialSuccess {
        rejected_data_points: rejected,
        error_message: message,
    });
    message_response(
        encoding,
        StatusCode::OK,
        &ExportMetricsServiceResponse { partial_success },
    )
}

/// Traces are accepted (so exporters configured for them do not fail) and counted, not
/// stored: logs and metrics carry everything the console shows.
pub async fn post_traces(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (request, encoding, _) = match decode_request::<ExportTraceServiceRequest>(
        &state,
        &headers,
        &body,
        "ExportTraceServiceRequest",
    )
    .await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let spans: usize = request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum();
    state.stats.record_received("traces", spans as u64, 0);
    message_response(
        encoding,
        StatusCode::OK,
        &ExportTraceServiceResponse {
            partial_success: None,
        },
    )
}

/// `POST /`: some exporters (Gemini CLI's HTTP exporter, per third-party notes) post OTLP
/// JSON to the base URL. The signal is told by the envelope's top-level key.
pub async fn post_root(
    State(state): State<AppState>,
    mut headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Authenticate before any work on the body (the signal handlers check again, cheaply).
    if let Err(e) = state.auth.authenticate(&headers).await {
        return status_response(Encoding::Json, e.status(), e.to_string());
    }
    if Encoding::from_headers(&headers) != Some(Encoding::Json) {
        return status_response(
            Encoding::Json,
            StatusCode::NOT_FOUND,
            "post OTLP to /v1/logs, /v1/metrics or /v1/traces (JSON envelopes are also accepted at /)",
        );
    }
    let plain = match codec::decompress(&headers, &body, state.limits.max_decompressed_bytes) {
        Ok(p) => p,
        Err(e) => return status_response(Encoding::Json, e.status(), e.to_string()),
    };
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Envelope {
        resource_logs: Option<serde::de::IgnoredAny>,
        resource_metrics: Option<serde::de::IgnoredAny>,
        resource_spans: Option<serde::de::IgnoredAny>,
    }
    let envelope = match serde_json::from_slice::<Envelope>(&plain) {
        Ok(e) => e,
        Err(e) => {
            return status_response(
                Encoding::Json,
                StatusCode::BAD_REQUEST,
                format!("the JSON body is not an OTLP envelope: {e}"),
            );
        }
    };
    headers.remove(axum::http::header::CONTENT_ENCODING);
    let plain = Bytes::from(plain);
    if envelope.resource_logs.is_some() {
        post_logs(State(state), headers, plain).await
    } else if envelope.resource_metrics.is_some() {
        post_metrics(State(state), headers, plain).await
    } else if envelope.resource_spans.is_some() {
        post_traces(State(state), headers, plain).await
    } else {
        message_response(
            Encoding::Json,
            StatusCode::OK,
            &ExportLogsServiceResponse {
                partial_success: None,
            },
        )
    }
}
