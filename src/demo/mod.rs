//! The demo organisation (README.md#the-console): a believable company generated from a seed, written
//! through the store's writer like any collector, and a live simulator that keeps appending
//! sessions, requests and the occasional alert so the console moves on a fresh machine.

mod agents;
mod alerts;
mod history;
mod org;
mod outcomes;
pub mod place;
mod rng;
mod session;
mod simulator;
mod sink;
mod vendor;

pub use simulator::spawn_simulator;

use crate::pricing::PriceTable;
use crate::store::ops::Op;
use crate::store::{Store, WriteBatch};
use anyhow::Context as _;
use chrono::{DateTime, Utc};

/// The seed `--demo` uses.
pub const DEFAULT_SEED: u64 = 42;

/// What `build` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoStats {
    pub teams: u64,
    pub developers: u64,
    pub projects: u64,
    pub sessions: u64,
    pub requests: u64,
    pub events: u64,
    pub commits: u64,
    pub pull_requests: u64,
    pub deploys: u64,
    pub incidents: u64,
    pub reverts: u64,
    pub daily_usage_rows: u64,
    pub alerts: u64,
    pub sources: u64,
    /// Computed cost of all priced requests (estimate, as the console labels it).
    pub cost_micro_usd: i64,
}

/// Builds the demo company into `store`: 45 days of history ending at `now`. Deterministic:
/// the same `seed` and `now` write the same rows. Runs on its own thread, so it may be called
/// from inside a tokio runtime; it blocks until every batch is committed.
pub fn build(store: &Store, now: DateTime<Utc>, seed: u64) -> anyhow::Result<DemoStats> {
    let store = store.clone();
    std::thread::Builder::new()
        .name("demo-build".into())
        .spawn(move || build_here(&store, now, seed))
        .context("starting the demo builder thread")?
        .join()
        .map_err(|_| anyhow::anyhow!("the demo builder thread panicked"))?
}

fn build_here(store: &Store, now: DateTime<Utc>, seed: u64) -> anyhow::Result<DemoStats> {
    let now_ms = now.timestamp_millis();
    let day0 = (now_ms.div_euclid(history::DAY_MS) - (history::DAYS - 1)) * history::DAY_MS;
    let org = org::build(seed);
    let prices = PriceTable::builtin();
    let mut stats = DemoStats {
        teams: org.teams.len() as u64,
        developers: org.developers.len() as u64,
        projects: org.projects.len() as u64,
        ..DemoStats::default()
    };
    store
        .writer()
        .apply_blocking(WriteBatch {
            teams: org.team_rows(),
            developers: org.developer_rows(),
            projects: org.project_records(),
            ..WriteBatch::default()
        })
        .context("writing the demo organisation")?;

    let mut sink = sink::Sink::new(store)?;
    let h = history::generate(&org, day0, now_ms, seed, &prices, &mut sink)?;
    sink.flush()?;
    let out = outcomes::generate(&org, &h.work, day0, now_ms, seed, &mut sink)?;
    let (daily_rows, recent) = vendor::daily_usage(&org, &h, day0, now_ms, seed, &mut sink)?;
    let alert_rows = alerts::derive(&org, &h, &recent, day0, now_ms, seed);
    stats.alerts = alert_rows.len() as u64;
    for a in alert_rows {
        sink.op(Op::FireAlert(a));
    }
    let outcome_rows = (out.commits + out.pull_requests + out.deploys + out.incidents) as i64;
    let health = vendor::source_health(&h, now_ms, outcome_rows, daily_rows as i64);
    stats.sources = health.len() as u64;
    sink.batch().source_health = health;
    sink.finish()?;

    stats.sessions = sink.sessions;
    stats.requests = sink.requests;
    stats.events = sink.events;
    stats.commits = out.commits;
    stats.pull_requests = out.pull_requests;
    stats.deploys = out.deploys;
    stats.incidents = out.incidents;
    stats.reverts = out.reverts;
    stats.daily_usage_rows = daily_rows;
    stats.cost_micro_usd = h.cost.micro_usd();
    Ok(stats)
}

/// A fresh store in a temporary directory, for `--demo`. Keep the `TempDir` alive as long as
/// the store is used; dropping it deletes the files.
pub fn temp_store() -> anyhow::Result<(tempfile::TempDir, Store)> {
    let dir = tempfile::Builder::new()
        .prefix("agentdeck-demo-")
        .tempdir()
        .context("creating a temporary directory for the demo store")?;
    let store = Store::open(&dir.path().join("demo.db")).context("opening the demo store")?;
    Ok((dir, store))
}
