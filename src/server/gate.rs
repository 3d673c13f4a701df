//! The gate every route but `/healthz` passes before a byte of its body is read: the bearer
//! token is checked from the headers (an unauthenticated request costs no more than its
//! headers) and each token's request rate is limited (429 with Retry-After). Handlers get
//! the caller with the [`Caller`] extractor; new routes join by being added to the gated
//! router (see `server::router`).

use super::auth::Principal;
use super::otlp::codec::{Encoding, retry_later, status_response};
use super::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::Ordering;

/// The authenticated caller of a gated route (`None`: loopback without tokens).
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Caller, Response> {
        // Only the gate inserts a Caller: a route outside it gets no access.
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| refuse("/", parts, StatusCode::UNAUTHORIZED, "not authenticated"))
    }
}

/// Requests per second allowed per token (with a burst of twice that); `None`: no limit.
pub struct TokenRate {
    limiter: Option<DefaultKeyedRateLimiter<i64>>,
}

impl TokenRate {
    pub fn new(per_second: u32) -> TokenRate {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        TokenRate { limiter }
    }

    /// `Err(seconds)` to wait when the token is over its rate.
    fn check(&self, token_id: i64) -> Result<(), u32> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&token_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            u32::try_from(wait.as_secs() + 1).unwrap_or(u32::MAX)
        })
    }
}

/// OTLP paths answer in the request's encoding (google.rpc.Status); the rest in JSON.
fn refuse(path: &str, parts: &Parts, status: StatusCode, message: &str) -> Response {
    if path == "/" || path.starts_with("/v1/") {
        let encoding = Encoding::from_headers(&parts.headers).unwrap_or(Encoding::Json);
        status_response(encoding, status, message)
    } else {
        (
            status,
            Json(crate::protocol::ErrorBody {
                error: message.to_string(),
            }),
        )
            .into_response()
    }
}

/// The middleware: authenticate, rate-limit, then hand the caller to the handler.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let principal = match state.auth.authenticate(&parts.headers).await {
        Ok(p) => p,
        Err(e) => return refuse(&path, &parts, e.status(), &e.to_string()),
    };
    if let Some(p) = &principal
        && let Err(wait_s) = state.rate.check(p.token_id)
    {
        state.stats.throttled.fetch_add(1, Ordering::Relaxed);
        let message = "this token is over its request rate; retry later";
        let mut response = if path == "/" || path.starts_with("/v1/") {
            let encoding = Encoding::from_headers(&parts.headers).unwrap_or(Encoding::Json);
            retry_later(encoding, StatusCode::TOO_MANY_REQUESTS, wait_s, message)
        } else {
            refuse(&path, &parts, StatusCode::TOO_MANY_REQUESTS, message)
        };
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait_s));
        return response;
    }
    parts.extensions.insert(Caller(principal));
    next.run(Request::from_parts(parts, body)).await
}
