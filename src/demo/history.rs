//! 45 days of agent sessions for the demo company: weekday/weekend and hour-of-day shape,
//! habits per developer, one injected spend spike and one 429 storm so alert rules have
//! something real to find. Also gathers what later stages need (commits made, spend per day).

use super::org::{Habit, Org};
use super::rng::Rng;
use super::session::SimSession;
use super::sink::Sink;
use crate::domain::{Agent, CostSource, EventKind, Money, UnixMillis};
use crate::pricing::PriceTable;
use std::collections::BTreeMap;

pub const DAYS: i64 = 45;
pub const DAY_MS: i64 = 86_400_000;

/// Sessions that produced commits, for the outcome generator.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub dev: usize,
    pub agent: Option<Agent>,
    pub project: String,
    pub ticket: String,
    pub ts: UnixMillis,
    pub shas: Vec<String>,
    /// The session the work came from (AI work only).
    pub session_key: Option<String>,
}

#[derive(Debug, Default)]
pub struct History {
    pub work: Vec<WorkItem>,
    /// Priced spend per (developer index, day index).
    pub spend: BTreeMap<(usize, i64), Money>,
    /// Sessions and spend per (developer, day, agent), for vendor daily usage.
    pub per_agent_day: BTreeMap<(usize, i64, Agent), (i64, Money)>,
    /// 429 timestamps per developer.
    pub rate_limited: BTreeMap<usize, Vec<UnixMillis>>,
    /// Requests written per agent.
    pub requests_by_agent: BTreeMap<Agent, i64>,
    pub cost: Money,
    /// (developer, day) of the injected spike and the time of the injected storm.
    pub spike: Option<(usize, i64)>,
    pub storm: Option<(usize, UnixMillis)>,
}

/// Relative session starts per UTC hour on a workday.
const HOURS: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.5, 1.5, 3.0, 4.0, 3.5, 2.0, 2.5, 3.5, 3.5, 3.0, 2.0, 1.2,
    0.8, 0.6, 0.4, 0.2, 0.1,
];

fn sessions_on(habit: Habit, weekend: bool, rng: &mut Rng) -> i64 {
    let (p_active, lo, hi) = match (habit, weekend) {
        (Habit::Power, false) => (0.95, 2, 6),
        (Habit::Power, true) => (0.35, 1, 2),
        (Habit::Normal, false) => (0.80, 1, 3),
        (Habit::Normal, true) => (0.08, 1, 1),
        (Habit::Low, false) => (0.22, 1, 2),
        (Habit::Low, true) => (0.0, 0, 0),
        (Habit::Blocked, _) => (0.0, 0, 0),
    };
    if rng.chance(p_active) {
        rng.range(lo, hi)
    } else {
        0
    }
}

/// Ticket prefixes per team index.
pub const TICKETS: [&str; 5] = ["PLAT", "PAY", "MOB", "DATA", "SEC"];

/// Generates and writes the history. `day0` is 00:00 UTC of the first day.
pub fn generate(
    org: &Org,
    day0: UnixMillis,
    now: UnixMillis,
    seed: u64,
    prices: &PriceTable,
    sink: &mut Sink,
) -> anyhow::Result<History> {
    let root = Rng::new(seed).fork(2);
    let mut h = History::default();
    let today = (now - day0).div_euclid(DAY_MS);
    // The spike: yesterday, a payments power user (or any power user) on Opus all day.
    let spike_dev = org
        .developers
        .iter()
        .position(|d| d.team == 1 && d.habit == Habit::Power)
        .or_else(|| org.developers.iter().position(|d| d.habit == Habit::Power));
    h.spike = spike_dev.map(|d| (d, today - 1));
    // The storm: 40 minutes ago, a data-team developer hits the rate limit.
    let storm_dev = org
        .developers
        .iter()
        .position(|d| d.team == 3 && d.habit != Habit::Low)
        .unwrap_or(0);
    let storm_at = now - 40 * 60_000;
    let mut storm_pending = true;
    for day in 0..=today {
        let day_start = day0 + day * DAY_MS;
        let weekday = (day_start.div_euclid(DAY_MS) + 3).rem_euclid(7); // 0 = Monday
        let weekend = weekday >= 5;
        for (di, dev) in org.developers.iter().enumerate() {
            let mut rng = root.fork(((day as u64) << 16) | di as u64);
            let mut n = sessions_on(dev.habit, weekend, &mut rng);
            // The injected spike, plus the odd big day anyone can have.
            let big_day = n > 0 && dev.habit != Habit::Low && rng.chance(0.015);
            let spiking = h.spike == Some((di, day)) || big_day;
            if spiking {
                n += 4;
            }
            let storming = storm_pending && di == storm_dev && day == today;
            if storming {
                n = n.max(1);
            }
            let mut cursor = day_start;
            for s in 0..n {
                let hour = rng.weighted(&HOURS).unwrap_or(10) as i64;
                let mut ts = (day_start + hour * 3_600_000 + rng.range(0, 3_599_999)).max(cursor);
                let force_storm = storming && s == 0;
                let agent = if spiking || force_storm {
                    Agent::ClaudeCode
                } else {
                    Org::agent_of(dev, &mut rng)
                };
                if force_storm {
                    ts = storm_at - rng.range(10, 25) * 60_000;
                }
                if ts >= now {
                    continue;
                }
                let ticket = format!("{}-{}", TICKETS[dev.team.min(4)], 100 + rng.range(0, 900));
                let project = org.project_for(dev, &mut rng);
                let mut sim =
                    SimSession::start(dev, agent, project, ticket, ts, rng.uuid(), &mut rng);
                if spiking {
                    sim.model = "claude-opus-4-6";
                    sim.remaining *= 3;
                }
                if force_storm {
                    sim.remaining = sim.remaining.max(30);
                }
                let mut storm_done = !force_storm;
                // Now and then a provider throttles a whole burst of requests.
                let mut storm_step =
                    if agent != Agent::Copilot && agent != Agent::Cursor && rng.chance(0.006) {
                        rng.range(3, 20)
                    } else {
                        -1
                    };
                while !sim.is_done() && ts < now {
                    storm_step -= 1;
                    let storm = if !storm_done && ts >= storm_at {
                        storm_done = true;
                        14
                    } else if storm_step == 0 {
                        rng.range(10, 16) as usize
                    } else {
                        0
                    };
                    let step = sim.step(ts, prices, &mut rng, storm);
                    if storm > 0 && force_storm {
                        h.storm = Some((di, ts));
                        storm_pending = false;
                    }
                    let r = &step.request;
                    if r.cost.source != CostSource::Unpriced {
                        h.cost += r.cost.amount;
                        *h.spend.entry((di, day)).or_default() += r.cost.amount;
                        h.per_agent_day.entry((di, day, agent)).or_default().1 += r.cost.amount;
                    }
                    h.rate_limited
                        .entry(di)
                        .or_default()
                        .extend(&step.rate_limited);
                    *h.requests_by_agent.entry(agent).or_default() += 1;
                    let turn_ended = step.turn_ended;
                    sink.request(step.request);
                    for e in step.events {
                        sink.event(e);
                    }
                    ts += sim.gap(turn_ended, &mut rng);
                }
                h.per_agent_day.entry((di, day, agent)).or_default().0 += 1;
                cursor = sim.last_ts;
                // Finished sessions often end in commits.
                let p_commit = match agent {
                    Agent::ClaudeCode => 0.55,
                    Agent::Codex => 0.45,
                    Agent::Cursor => 0.4,
                    Agent::Gemini => 0.3,
                    Agent::Copilot => 0.25,
                };
                if sim.is_done()
                    && sim.branch != "main"
                    && sim.last_ts + 120_000 < now
                    && rng.chance(p_commit)
                {
                    let mut shas = Vec::new();
                    for k in 0..rng.range(1, 3) {
                        let sha = rng.hex(40);
                        let at = sim.last_ts + 20_000 + k * 45_000;
                        let e = sim.marker(at, EventKind::Commit, sha[..12].to_string());
                        sink.event(e);
                        shas.push(sha);
                    }
                    sim.last_ts += 20_000 + shas.len() as i64 * 45_000;
                    h.work.push(WorkItem {
                        dev: di,
                        agent: Some(agent),
                        project: sim.project.clone(),
                        ticket: sim.ticket.clone(),
                        ts: sim.last_ts,
                        shas,
                        session_key: Some(sim.key.clone()),
                    });
                }
                sink.session(sim.record());
                sink.maybe_flush()?;
            }
        }
    }
    Ok(h)
}
