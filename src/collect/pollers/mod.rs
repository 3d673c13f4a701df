//! Vendor admin APIs as background sources (docs/vendor-apis.md): one module per API, each
//! a `poll_once` that reads every page after its stored cursor and writes rows and cursor
//! in one batch per page; `run` records the outcome in source health with the next run and
//! loops on the scheduler until stopped.

pub mod anthropic;
pub mod buckets;
pub mod copilot;
pub mod cursor;
pub mod openai;
pub mod stream;

use crate::collect::http::{FetchError, Secret};
use crate::collect::scheduler::{Backoff, run_until_stopped};
use crate::domain::UnixMillis;
use crate::store::ops::Op;
use crate::store::source_health::{RunProblems, SourceRun};
use crate::store::{Store, StoreError, WriteBatch};
use std::time::Duration;
use tokio::sync::watch;

/// Which API a spec configures; the string is the source name everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    AnthropicAdmin,
    Cursor,
    Copilot,
    OpenAiAdmin,
}

impl ApiKind {
    pub const ALL: [ApiKind; 4] = [
        ApiKind::AnthropicAdmin,
        ApiKind::Cursor,
        ApiKind::Copilot,
        ApiKind::OpenAiAdmin,
    ];

    pub fn source(self) -> &'static str {
        match self {
            ApiKind::AnthropicAdmin => "anthropic_admin",
            ApiKind::Cursor => "cursor",
            ApiKind::Copilot => "copilot",
            ApiKind::OpenAiAdmin => "openai_admin",
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            ApiKind::AnthropicAdmin => "https://api.anthropic.com",
            ApiKind::Cursor => "https://api.cursor.com",
            ApiKind::Copilot => "https://api.github.com",
            ApiKind::OpenAiAdmin => "https://api.openai.com",
        }
    }
}

/// A configured API: where, with which key (never printed), how often, how far back.
#[derive(Debug, Clone)]
pub struct ApiSpec {
    pub kind: ApiKind,
    pub base_url: String,
    pub key: Option<Secret>,
    /// Where the key comes from and whether it is there (`env CURSOR_API_KEY (set)`).
    pub key_source: String,
    /// Why the source cannot run (no key configured, unreadable key file, no org).
    pub problem: Option<String>,
    pub interval: Duration,
    pub backfill_days: u32,
    /// GitHub organisation (Copilot).
    pub org: Option<String>,
    /// Retry rules inside one run (tests shorten the delays).
    pub retry: crate::collect::http::RetryPolicy,
}

impl ApiSpec {
    /// The settings in effect as JSON, for health and `agentdeck sources` (no secret).
    pub fn settings_json(&self) -> String {
        serde_json::json!({
            "base_url": self.base_url,
            "key": self.key_source,
            "interval": humantime::format_duration(self.interval).to_string(),
            "backfill_days": self.backfill_days,
            "org": self.org,
            "problem": self.problem,
        })
        .to_string()
    }
}

/// What every request of one pass shares.
pub struct Pass<'a> {
    pub api: &'a crate::collect::http::ApiClient,
    pub spec: &'a ApiSpec,
    pub store: &'a Store,
    pub today: chrono::NaiveDate,
    pub now: UnixMillis,
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub pages: i64,
    pub rows_added: i64,
    /// Records refused (bad numbers, unknown shapes) by kind, with where.
    pub problems: RunProblems,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("writing to the local store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Config(String),
}

impl PollError {
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PollError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }
}

/// Runs one pass of the API `spec` configures into `store`.
pub async fn poll_once(
    spec: &ApiSpec,
    store: &Store,
    now: UnixMillis,
) -> Result<PollReport, PollError> {
    if let Some(problem) = &spec.problem {
        return Err(PollError::Config(problem.clone()));
    }
    let Some(key) = spec.key.clone() else {
        return Err(PollError::Config(format!(
            "no key for [sources.{}]: set api_key_env or api_key_file",
            spec.kind.source()
        )));
    };
    match spec.kind {
        ApiKind::AnthropicAdmin => anthropic::poll(spec, key, store, now).await,
        ApiKind::Cursor => cursor::poll(spec, key, store, now).await,
        ApiKind::Copilot => copilot::poll(spec, key, store, now).await,
        ApiKind::OpenAiAdmin => openai::poll(spec, key, store, now).await,
    }
}

/// One pass, recorded in source health with when the next run is due; returns the pause
/// before it (interval after a success, Retry-After or backoff after a failure).
pub async fn run_and_record(
    spec: &ApiSpec,
    store: &Store,
    backoff: &mut Backoff,
) -> (Result<PollReport, PollError>, Duration) {
    let now = chrono::Utc::now().timestamp_millis();
    let result = poll_once(spec, store, now).await;
    let pause = backoff.next_delay(match &result {
        Ok(_) => Ok(()),
        Err(e) => Err(e.retry_after()),
    });
    backoff.record(result.is_ok());
    let finished_at = chrono::Utc::now().timestamp_millis();
    let report = result.as_ref().ok().cloned().unwrap_or_default();
    let run = SourceRun {
        source: spec.kind.source().into(),
        kind: "vendor_api".into(),
        finished_at,
        error: result.as_ref().err().map(|e| e.to_string()),
        items_read: report.pages,
        item_unit: "pages".into(),
        rows_added: report.rows_added,
        problems: report.problems,
        next_run: Some(finished_at + pause.as_millis() as i64),
        settings: Some(spec.settings_json()),
    };
    if let Err(e) = store
        .writer()
        .apply(WriteBatch {
            ops: vec![Op::RecordRun(run)],
            ..WriteBatch::default()
        })
        .await
    {
        tracing::warn!("recording {}'s health failed: {e}", spec.kind.source());
    }
    if let Err(e) = &result {
        tracing::warn!("{} poll failed: {e}", spec.kind.source());
    }
    (result, pause)
}

/// Polls `spec` on its schedule until `stop` flips.
pub async fn run(spec: ApiSpec, store: Store, stop: watch::Receiver<bool>) {
    let backoff = std::sync::Arc::new(tokio::sync::Mutex::new(Backoff::new(spec.interval)));
    run_until_stopped(stop, move || {
        let (spec, store, backoff) = (spec.clone(), store.clone(), backoff.clone());
        async move {
            let mut b = backoff.lock().await;
            run_and_record(&spec, &store, &mut b).await.1
        }
    })
    .await;
}

/// Money in cents (possibly fractional, as a decimal string or number) to micro-USD.
pub fn cents_to_micro(cents: f64) -> Option<i64> {
    let micro = cents * 10_000.0;
    (micro.is_finite() && micro.abs() < 1e17).then(|| micro.round() as i64)
}

/// Dollars to micro-USD.
pub fn usd_to_micro(usd: f64) -> Option<i64> {
    let micro = usd * 1_000_000.0;
    (micro.is_finite() && micro.abs() < 1e17).then(|| micro.round() as i64)
}

/// Writes one page's ops and requests with the stream cursor that covers them, as one
/// transaction; returns the rows written (requests added plus rows upserted).
pub async fn write_page(
    store: &Store,
    ops: Vec<Op>,
    requests: Vec<crate::domain::RequestRecord>,
    sessions: Vec<crate::domain::SessionRecord>,
    cursor: crate::store::FileCursor,
) -> Result<i64, StoreError> {
    let upserts = ops
        .iter()
        .filter(|op| !matches!(op, Op::RetireSeats { .. }))
        .count() as i64;
    let outcome = store
        .writer()
        .apply(WriteBatch {
            ops,
            requests,
            sessions,
            cursors: vec![cursor],
            ..WriteBatch::default()
        })
        .await?;
    Ok(upserts + outcome.requests_added as i64)
}

/// A whole, in-bounds count at a JSON pointer; absent or null is 0.
pub fn count(v: &serde_json::Value, pointer: &str) -> Result<i64, String> {
    use crate::domain::bounds;
    let bad = |why: &str| format!("`{pointer}` {why}");
    let checked = |i: i64| bounds::tokens("count", i).map_err(|_| bad("is negative or too large"));
    match v.pointer(pointer) {
        None | Some(serde_json::Value::Null) => Ok(0),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) => checked(i),
            None => n
                .as_f64()
                .ok_or_else(|| bad("is not a number"))
                .and_then(|f| {
                    bounds::tokens_f64("count", f).map_err(|_| bad("is not a whole count in range"))
                }),
        },
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| bad("is not a number"))
            .and_then(checked),
        Some(_) => Err(bad("is not a number")),
    }
}

/// An amount that may be a number or a decimal string (`"123.45"`).
pub fn decimal(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite() && *x >= 0.0)
}

/// The `YYYY-MM-DD` of an RFC 3339 timestamp or a plain date.
pub fn day_of(v: &serde_json::Value) -> Option<String> {
    let s = v.as_str()?.trim();
    let day = s.get(..10)?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(|d| d.to_string())
}

/// A vendor's token aggregate for one day and model, with our estimate of its cost from the
/// price table (never a bill).
pub fn estimated_usage(
    source: &str,
    day: &str,
    model: String,
    tokens: &crate::domain::TokenUsage,
    requests: i64,
    prices: &crate::pricing::PriceTable,
) -> Op {
    let estimate = prices.cost(
        Some(model.as_str()).filter(|m| !m.is_empty()),
        tokens,
        false,
    );
    Op::UpsertVendorUsage(crate::store::vendor::VendorUsageRow {
        source: source.into(),
        day: day.to_string(),
        developer: String::new(),
        model,
        tokens: Some(crate::store::vendor::VendorTokens {
            input: tokens.input,
            output: tokens.output,
            cache_write: tokens.cache_creation(),
            cache_read: tokens.cache_read,
            requests,
        }),
        estimated_micro_usd: estimate.is_priced().then(|| estimate.amount.micro_usd()),
        ..Default::default()
    })
}
