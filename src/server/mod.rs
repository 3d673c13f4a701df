//! `agentdeck serve`: the team server. OTLP/HTTP receiver (otlp/), push and sync API
//! (api), bearer tokens and roles (auth), the gate every route passes before its body is
//! read (gate), who owns written rows (owners), the bounded queue to the store (queue),
//! Prometheus self-metrics (stats), optional TLS (tls), alert state and events (alerts_api,
//! events) and the alert engine on PostgreSQL (alert_engine). Depends on domain, pricing, store.

pub mod alert_engine;
pub mod alerts_api;
pub mod api;
pub mod auth;
pub mod backend;
mod dispatch;
pub mod events;
pub mod gate;
mod http;
pub mod members;
pub mod otlp;
pub mod owners;
pub mod pg;
pub mod queue;
pub mod state;
pub mod stats;
pub mod tls;

use crate::pricing::PriceTable;
use crate::store::queries::sync::OrgTotalsRule;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use backend::{Backend, BackendError, Database};
use state::{AppState, Limits};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:4318";

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The SQLite store (default) or a PostgreSQL database.
    pub database: Database,
    pub limits: Limits,
    /// Serve HTTPS with this certificate and key (PEM) instead of plain HTTP.
    pub tls: Option<tls::TlsFiles>,
    /// When org-wide daily totals are sent to members and managers.
    pub org_totals: OrgTotalsRule,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "refusing to listen on {0} without tokens: beyond loopback every request needs a bearer token. \
         Create one first with `agentdeck serve tokens create --role admin --developer you@example.com`, \
         or listen on 127.0.0.1"
    )]
    NonLoopbackWithoutTokens(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// A server started in the background (used by `serve` and by tests).
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), ServerError>>,
}

impl RunningServer {
    /// Stops accepting, finishes accepted requests, drains the queue into the store.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let _ = self.shutdown.send(true);
        self.task.await.unwrap_or(Ok(()))
    }

    /// Waits until the server stops by itself (after `shutdown_on` fired).
    pub async fn wait(self) -> Result<(), ServerError> {
        self.task.await.unwrap_or(Ok(()))
    }
}

/// Opens the store, binds, and serves until `stop` completes or `shutdown` is called.
pub async fn start(
    config: ServerConfig,
    prices: PriceTable,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<RunningServer, ServerError> {
    let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
    // HTTP clients in the same process (tests, tools) need a process-wide TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let backend = Backend::open(&config.database).await?;
    let loopback = config.listen.ip().is_loopback();
    if !loopback && backend.tokens(false).await?.is_empty() {
        return Err(ServerError::NonLoopbackWithoutTokens(config.listen));
    }
    let known = backend.known_developers().await?;
    let writers = match backend {
        // One writer thread does the SQLite work, in queue order; batches queued while it
        // commits join its next transaction (docs/server.md#performance).
        Backend::Sqlite { .. } => 4,
        Backend::Postgres(_) => pg::WRITE_CONNECTIONS,
    };
    let (queue, drain) =
        queue::IngestQueue::start(backend.clone(), config.limits.queue_capacity, writers);
    let state = AppState {
        queue,
        auth: Arc::new(auth::Auth::new(backend.clone(), !loopback)),
        rate: Arc::new(gate::TokenRate::new(
            config.limits.requests_per_second_per_token,
        )),
        backend,
        prices: Arc::new(prices),
        limits: config.limits,
        org_totals: config.org_totals,
        stats: Arc::new(stats::Stats::default()),
        known_developers: Arc::new(Mutex::new(known)),
    };
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.listen,
        source,
    })?;
    let (shutdown, mut on_shutdown) = tokio::sync::watch::channel(false);
    let signal = async move {
        tokio::select! {
            _ = stop => {}
            _ = on_shutdown.wait_for(|stop| *stop) => {}
        }
        tracing::info!("shutting down: finishing accepted requests");
    };
    let header_timeout = config.limits.header_read_timeout;
    let task = tokio::spawn(async move {
        http::serve(listener, app, header_timeout, tls, signal).await;
        // Every handler is gone: the queue closes once drained into the store.
        if tokio::time::timeout(Duration::from_secs(30), drain)
            .await
            .is_err()
        {
            tracing::warn!("the ingest queue did not drain within 30 s");
        }
        Ok(())
    });
    tracing::info!(%addr, "agentdeck serve listening");
    Ok(RunningServer {
        addr,
        shutdown,
        task,
    })
}

/// Every route but `/healthz` is gated (token from the headers, rate per token) before
/// its body is read. A new route goes into `gated` and takes the caller with
/// [`gate::Caller`].
fn router(state: AppState) -> Router {
    let limits = state.limits;
    let gated = Router::new()
        .route("/", post(otlp::post_root))
        .route("/v1/logs", post(otlp::post_logs))
        .route("/v1/metrics", post(otlp::post_metrics))
        .route("/v1/traces", post(otlp::post_traces))
        .route("/api/v1/push", post(api::post_push))
        .route("/api/v1/sync", get(api::get_sync))
        .route("/api/v1/events", post(events::post_events))
        .route("/api/v1/alerts", get(alerts_api::get_alerts))
        .route(
            "/api/v1/alerts/{id}/{action}",
            post(alerts_api::post_action),
        )
        .route("/metrics", get(prometheus))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::gate));
    Router::new()
        .merge(gated)
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            limits.request_timeout,
            timeout,
        ))
        .with_state(state)
}

/// A request (reading its body included) that takes longer than the limit gets 408.
async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request timed out\n").into_response(),
    }
}

/// Server-wide counts are for admins (and loopback without tokens).
async fn prometheus(State(state): State<AppState>, caller: gate::Caller) -> Response {
    if caller
        .0
        .as_ref()
        .is_some_and(|p| p.role != auth::Role::Admin)
    {
        return (StatusCode::FORBIDDEN, "/metrics needs an admin token\n").into_response();
    }
    let body = state
        .stats
        .render(state.queue.depth(), state.queue.lag_seconds());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
