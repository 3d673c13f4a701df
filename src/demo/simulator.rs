//! The live simulator behind `--demo`: every second it advances a handful of running sessions
//! (requests, tool use, prompts; sessions start and end), keeps the sources' health fresh, and
//! about once a minute trips an alert (a real 429 storm or a spend spike) and resolves old ones.

use super::org::{Habit, Org};
use super::rng::Rng;
use super::session::SimSession;
use crate::domain::alerts::{self, AlertState};
use crate::domain::{EventKind, Money};
use crate::pricing::PriceTable;
use crate::store::ops::{AlertRow, Op};
use crate::store::{SourceHealthRow, Store, StoreError, WriteBatch};
use std::time::Duration;

const TICK: Duration = Duration::from_millis(1_000);
/// Simulator alerts older than this are resolved, so the firing list keeps moving.
const RESOLVE_AFTER_MS: i64 = 6 * 60_000;

/// Starts the simulator on the current tokio runtime (call from inside one). It runs until the
/// task is aborted (`JoinHandle::abort`, or the runtime shuts down) or the store's writer stops.
pub fn spawn_simulator(store: Store, seed: u64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sim = Simulator::new(seed);
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            let now = chrono::Utc::now().timestamp_millis();
            let mut batch = sim.tick(now);
            if sim.ticks % 60 == 30 {
                let reading = store.clone();
                let ops = tokio::task::spawn_blocking(move || resolvable(&reading, now)).await;
                batch.ops.extend(ops.unwrap_or_default());
            }
            if batch.is_empty() {
                continue;
            }
            match store.writer().apply(batch).await {
                Ok(_) => {}
                Err(StoreError::WriterGone) => break,
                Err(e) => tracing::warn!("demo simulator: a batch was refused: {e}"),
            }
        }
    })
}

/// Old simulator alerts still firing → resolved (blocking read; run off the async threads).
fn resolvable(store: &Store, now: i64) -> Vec<Op> {
    let Ok(reader) = store.reader() else {
        return Vec::new();
    };
    let Ok(firing) = reader.alerts(&[AlertState::Firing]) else {
        return Vec::new();
    };
    firing
        .into_iter()
        .filter(|a| a.row.message.ends_with("(live)") && a.row.fired_at < now - RESOLVE_AFTER_MS)
        .map(|a| Op::ResolveAlert {
            id: a.id,
            at: now,
            by: Some("agentdeck".into()),
            note: None,
        })
        .collect()
}

struct Simulator {
    org: Org,
    prices: PriceTable,
    rng: Rng,
    live: Vec<SimSession>,
    ticks: u64,
    requests: i64,
}

impl Simulator {
    fn new(seed: u64) -> Simulator {
        Simulator {
            org: super::org::build(seed),
            prices: PriceTable::builtin(),
            rng: Rng::new(seed).fork(9),
            live: Vec::new(),
            ticks: 0,
            requests: 0,
        }
    }

    fn start_session(&mut self, now: i64) {
        let weights: Vec<f64> = self
            .org
            .developers
            .iter()
            .map(|d| {
                // People rarely run two agents at once: busy developers are mostly skipped.
                let busy = self.live.iter().filter(|s| s.developer == d.id).count() as f64;
                let habit = match d.habit {
                    Habit::Power => 3.0,
                    Habit::Normal => 1.5,
                    Habit::Low => 0.2,
                    Habit::Blocked => 0.0,
                };
                habit / (1.0 + 8.0 * busy)
            })
            .collect();
        let Some(di) = self.rng.weighted(&weights) else {
            return;
        };
        let dev = &self.org.developers[di];
        let agent = Org::agent_of(dev, &mut self.rng);
        let project = self.org.project_for(dev, &mut self.rng);
        let ticket = format!(
            "{}-{}",
            super::history::TICKETS[dev.team.min(4)],
            100 + self.rng.range(0, 900)
        );
        let key = format!("live-{}", self.rng.uuid());
        let s = SimSession::start(dev, agent, project, ticket, now, key, &mut self.rng);
        self.live.push(s);
    }

    fn tick(&mut self, now: i64) -> WriteBatch {
        self.ticks += 1;
        let mut batch = WriteBatch::default();
        let target = 4 + (self.ticks / 97 % 4) as usize;
        let fresh = self.live.len();
        if self.live.len() < target && (self.live.len() < 2 || self.rng.chance(0.25)) {
            self.start_session(now);
        }
        let storm_now = self.ticks % 120 == 60;
        let spike_now = self.ticks.is_multiple_of(120);
        let storm_target = if storm_now {
            self.rng.range(0, self.live.len() as i64 - 1) as usize
        } else {
            usize::MAX
        };
        let mut fired = Vec::new();
        for (i, s) in self.live.iter_mut().enumerate() {
            let storm = if i == storm_target { 12 } else { 0 };
            // A session that just started makes its first request at once.
            if storm == 0 && i < fresh && !self.rng.chance(0.3) {
                continue;
            }
            let step = s.step(
                now - self.rng.range(0, 900),
                &self.prices,
                &mut self.rng,
                storm,
            );
            if storm > 0
                && let Some(f) = alerts::rate_limit_storm(
                    &format!("developer:{}", s.developer),
                    &step.rate_limited,
                )
            {
                fired.push(f);
            }
            self.requests += 1;
            batch.requests.push(step.request);
            batch.events.extend(step.events);
            if s.is_done() && self.rng.chance(0.5) {
                batch
                    .events
                    .push(s.marker(now, EventKind::Commit, self.rng.hex(12)));
            }
            batch.sessions.push(s.record());
        }
        if spike_now && let Some(s) = self.live.first() {
            let today = Money::from_usd(60.0 + self.rng.range(0, 140) as f64);
            let trailing = vec![Money::from_usd(12.0 + self.rng.range(0, 8) as f64); 14];
            if let Some(f) =
                alerts::spend_spike(&format!("developer:{}", s.developer), today, &trailing)
            {
                fired.push(f);
            }
        }
        for f in fired {
            let row = AlertRow::firing(&f, now);
            batch.ops.push(Op::FireAlert(AlertRow {
                message: format!("{} (live)", f.message),
                ..row
            }));
        }
        if self.ticks.is_multiple_of(60) {
            batch.ops.push(Op::WakeSnoozed { now });
        }
        if self.ticks.is_multiple_of(5) {
            batch.source_health.push(SourceHealthRow {
                source: "otlp".into(),
                kind: "telemetry".into(),
                success_at: Some(now),
                error: None,
                rows_added: std::mem::take(&mut self.requests),
            });
        }
        self.live.retain(|s| !s.is_done());
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_produce_live_rows_and_alerts() {
        let mut sim = Simulator::new(7);
        let start = 1_780_000_000_000;
        let (mut requests, mut alerts, mut errors) = (0, 0, 0);
        for t in 0..240 {
            let b = sim.tick(start + t * 1_000);
            requests += b.requests.len();
            alerts += b
                .ops
                .iter()
                .filter(|o| matches!(o, Op::FireAlert(_)))
                .count();
            errors += b
                .events
                .iter()
                .filter(|e| e.kind == EventKind::ApiError)
                .count();
            assert!(b.requests.iter().all(|r| r.ts <= start + t * 1_000));
        }
        assert!(requests > 100, "{requests}");
        assert!(alerts >= 3, "{alerts}");
        assert!(errors >= 12, "{errors}");
        assert!(!sim.live.is_empty());
    }
}
