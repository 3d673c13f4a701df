//! The OTLP/HTTP receiver: `POST /v1/logs`, `/v1/metrics`, `/v1/traces`. The gate has
//! authenticated the caller before the body is read; each handler decodes (codec), maps to
//! rows owned as `server::owners` decides (logs, metrics), queues them for the store and
//! answers success, partial success naming refused records, 400/413/415, or 429/503.

pub mod attrs;
pub mod codec;
pub mod commit_id;
pub mod identity;
pub mod logs;
pub mod metrics;

use super::gate::Caller;
use super::owners::OwnerRule;
use super::queue::{Enqueued, IngestJob};
use super::state::AppState;
use crate::domain::counter::MetricPoint;
use crate::domain::{EventRecord, RequestRecord, SessionRecord};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use codec::{Encoding, message_response, retry_later, status_response};
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

/// Refusals named in one answer at most (the count is always complete).
const NAMED_REFUSALS: usize = 10;

/// What one export (or push) turned into.
#[derive(Debug, Default)]
pub struct Mapped {
    pub received: usize,
    /// Records of kinds we do not keep (accepted, not stored).
    pub ignored: usize,
    pub rejected: usize,
    /// "where: why" for the first refused records.
    pub refusals: Vec<String>,
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    pub metric_points: Vec<MetricPoint>,
    /// The owners of the rows (for first sightings).
    pub owners: Vec<String>,
}

impl Mapped {
    pub fn reject(&mut self, at: String, reason: impl std::fmt::Display) {
        self.rejected += 1;
        if self.refusals.len() < NAMED_REFUSALS {
            self.refusals.push(format!("{at}: {reason}"));
        }
    }

    fn error_message(&self) -> String {
        if self.rejected == 0 {
            return String::new();
        }
        let more = self.rejected.saturating_sub(self.refusals.len());
        let tail = if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        };
        format!(
            "{} records were rejected: {}{tail}",
            self.rejected,
            self.refusals.join("; ")
        )
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Encoding, size cap, decompression and decode; the caller is already authenticated.
#[allow(clippy::result_large_err)] // the error is the finished answer
fn decode_request<T>(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    what: &'static str,
) -> Result<(T, Encoding), Response>
where
    T: prost::Message + Default + serde::de::DeserializeOwned,
{
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
    Ok((message, encoding))
}

/// The owner rule for the caller, or the 503 answer when the directory cannot be read.
#[allow(clippy::result_large_err)]
async fn owner_rule(
    state: &AppState,
    caller: &Caller,
    encoding: Encoding,
) -> Result<OwnerRule, Response> {
    OwnerRule::for_caller(caller.0.as_ref(), &state.backend)
        .await
        .map_err(|e| {
            tracing::error!("reading the directory failed: {e}");
            retry_later(
                encoding,
                StatusCode::SERVICE_UNAVAILABLE,
                5,
                "the store is unavailable; retry later",
            )
        })
}

/// Queues the rows; `None` when they are stored, else the throttling answer.
async fn store(
    state: &AppState,
    caller: &Caller,
    mapped: Mapped,
    encoding: Encoding,
    source: &'static str,
) -> Option<Response> {
    let stats = &state.stats;
    stats.record_received(source, mapped.received as u64, mapped.rejected as u64);
    let job = IngestJob::from_mapped(mapped, caller.0.as_ref(), state);
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

pub async fn post_logs(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (request, encoding) = match decode_request::<ExportLogsServiceRequest>(
        &state,
        &headers,
        &body,
        "ExportLogsServiceRequest",
    ) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let owners = match owner_rule(&state, &caller, encoding).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mapped = logs::map_logs(request, &state.prices, &owners, now_ms());
    let (rejected, message) = (mapped.rejected as i64, mapped.error_message());
    if let Some(throttled) = store(&state, &caller, mapped, encoding, "logs").await {
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
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (request, encoding) = match decode_request::<ExportMetricsServiceRequest>(
        &state,
        &headers,
        &body,
        "ExportMetricsServiceRequest",
    ) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let owners = match owner_rule(&state, &caller, encoding).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mapped = metrics::map_metrics(request, &owners, now_ms());
    let (rejected, message) = (mapped.rejected as i64, mapped.error_message());
    if let Some(throttled) = store(&state, &caller, mapped, encoding, "metrics").await {
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
    _caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (request, encoding) = match decode_request::<ExportTraceServiceRequest>(
        &state,
        &headers,
        &body,
        "ExportTraceServiceRequest",
    ) {
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
    caller: Caller,
    mut headers: HeaderMap,
    body: Bytes,
) -> Response {
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
        post_logs(State(state), caller, headers, plain).await
    } else if envelope.resource_metrics.is_some() {
        post_metrics(State(state), caller, headers, plain).await
    } else if envelope.resource_spans.is_some() {
        post_traces(State(state), caller, headers, plain).await
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
