//! Console performance (budgets in docs/perf.md): one frame of each view at 200×60, and each view's
//! query + view-model build, on a store holding 10 M requests (the demo organisation plus
//! synthetic traffic written straight through the writer in big batches).
//! Run with `cargo bench --bench render`; numbers go in docs/perf.md (console at 10 M requests).
//!
//! The store is built once into `$CARGO_TARGET_DIR/bench-10m-365d.db` (several minutes) and
//! reused by later runs; the instant it was built for sits next to it in `….db.now`.
//! `BENCH_DAYS=N` spreads the synthetic traffic over N days instead of a year (90 writes the
//! earlier `bench-10m.db`).
//! `BENCH_REQUESTS=N` builds a smaller store instead (to a different file). `BENCH_TZ=<IANA
//! zone>` runs the views in that zone (default UTC; other offsets read more finer-tier rows).

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use agentdeck::domain::{
    Agent, Cost, DedupePolicy, EventKind, EventRecord, Money, RequestRecord, TokenUsage,
};
use agentdeck::store::{Store, WriteBatch};
use agentdeck::tui::harness::Harness;
use agentdeck::tui::load;
use agentdeck::tui::msg::QueryRequest;
use agentdeck::tui::state::{CostGroup, Period, ScreenKind, ViewId};
use agentdeck::tui::views;
use chrono::TimeZone;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 86_400_000;
/// Days of synthetic traffic before the build instant (the demo adds its own 45):
/// `BENCH_DAYS`, default a year, so every console period up to a year has data to read.
fn days() -> i64 {
    std::env::var("BENCH_DAYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|d: &i64| *d > 0)
        .unwrap_or(365)
}
const BATCH: usize = 50_000;

/// (agent, share of sessions in ‰, models).
const AGENTS: &[(Agent, u64, &[&str])] = &[
    (
        Agent::ClaudeCode,
        500,
        &[
            "claude-sonnet-4-5-20250929",
            "claude-opus-4-7",
            "claude-haiku-4-5-20251001",
        ],
    ),
    (Agent::Codex, 250, &["gpt-5.3-codex", "gpt-5.1-codex"]),
    (Agent::Gemini, 100, &["gemini-2.5-pro", "gemini-2.5-flash"]),
    (Agent::Cursor, 100, &["claude-sonnet-4-5-20250929", "gpt-5"]),
    (
        Agent::Copilot,
        50,
        &["gpt-4.1", "claude-sonnet-4-5-20250929"],
    ),
];

const TOOLS: &[&str] = &["Bash", "Edit", "Read", "Grep", "Write", "shell"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }
    fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo as f64).ln() + u * ((hi as f64).ln() - (lo as f64).ln())).exp() as u64
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Opens the cached store, building it first when missing. Returns it with its instant.
fn big_store(requests: usize) -> (Store, chrono::DateTime<chrono::Utc>) {
    let name = match (requests, days()) {
        (10_000_000, 90) => "bench-10m.db".to_string(),
        (10_000_000, d) => format!("bench-10m-{d}d.db"),
        (n, d) => format!("bench-{n}-{d}d.db"),
    };
    let db = target_dir().join(name);
    let stamp = PathBuf::from(format!("{}.now", db.display()));
    if let Some(ms) = std::fs::read_to_string(&stamp)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        let store = Store::open(&db).expect("open cached store");
        return (store, chrono::Utc.timestamp_millis_opt(ms).unwrap());
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    // Built for "now" so the real binary, run on the same file, shows the same data.
    let now = chrono::Utc::now();
    let store = Store::open(&db).expect("open store");
    let t = Instant::now();
    let stats = agentdeck::demo::build(&store, now, agentdeck::demo::DEFAULT_SEED).expect("demo");
    eprintln!(
        "demo organisation: {} requests, {} events, {} sessions in {:.1?}",
        stats.requests,
        stats.events,
        stats.sessions,
        t.elapsed()
    );
    let filled = fill(
        &store,
        &db,
        requests.saturating_sub(stats.requests as usize),
        now.timestamp_millis(),
    );
    eprintln!(
        "synthetic: {} requests, {} events, {} sessions in {:.1?}",
        filled.0,
        filled.1,
        filled.2,
        t.elapsed()
    );
    std::fs::write(&stamp, now.timestamp_millis().to_string()).expect("write stamp");
    (store, now)
}

/// Writes `count` requests (plus ~0.6 events each) for the demo's developers and projects:
/// sessions of 20–800 requests, one developer, project and agent each, over `days()` days.
fn fill(store: &Store, db: &Path, count: usize, end_ms: i64) -> (usize, usize, u64) {
    let conn = rusqlite::Connection::open(db).expect("open for ids");
    let ids = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let developers = ids("SELECT id FROM developers ORDER BY id");
    let projects = ids("SELECT id FROM projects ORDER BY id");
    drop(conn);
    eprintln!(
        "filling {count} requests for {} developers, {} projects",
        developers.len(),
        projects.len()
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let days = days();
    let first_day = end_ms - days * DAY_MS;
    let (mut written, mut events, mut session) = (0usize, 0usize, 0u64);
    let mut batch = WriteBatch::default();
    let t = Instant::now();
    while written < count {
        session += 1;
        let developer = &developers[rng.below(developers.len() as u64) as usize];
        let project = &projects[rng.below(projects.len() as u64) as usize];
        let mut pick = rng.below(1000);
        let &(agent, _, models) = AGENTS
            .iter()
            .find(|(_, share, _)| {
                if pick < *share {
                    true
                } else {
                    pick -= share;
                    false
                }
            })
            .unwrap_or(&AGENTS[0]);
        let primary = models[rng.below(models.len() as u64) as usize];
        let session_key = format!("bench-session-{session}");
        let mut ts = first_day
            + rng.below(days as u64) as i64 * DAY_MS
            + rng.range(7 * 3_600_000, 19 * 3_600_000) as i64;
        for _ in 0..rng.log_range(20, 800).min((count - written) as u64) {
            let model = if rng.chance(0.08) {
                models[rng.below(models.len() as u64) as usize]
            } else {
                primary
            };
            ts += rng.range(3_000, 90_000) as i64;
            if ts >= end_ms {
                ts = end_ms - 1;
            }
            batch.requests.push(RequestRecord {
                dedupe_key: format!("b10:{written}"),
                policy: DedupePolicy::FirstWins,
                agent,
                session_key: session_key.clone(),
                ts,
                model: Some(model.to_string()),
                usage: TokenUsage {
                    input: rng.range(1, 3_000) as i64,
                    output: rng.log_range(40, 4_000) as i64,
                    cache_write_5m: rng.log_range(200, 12_000) as i64,
                    cache_write_1h: 0,
                    cache_read: rng.range(10_000, 200_000) as i64,
                    reasoning: 0,
                },
                cost: Cost::computed(Money::from_micro_usd(rng.range(100, 200_000) as i64)),
                developer: developer.clone(),
                project_id: Some(project.clone()),
                sidechain: false,
                message_id: None,
                fast: false,
                ord: written as i64,
            });
            // A prompt every ~8 requests, a tool call on about half, the odd API error.
            let kind = match rng.below(100) {
                0..12 => Some(EventKind::Prompt),
                12..58 => Some(EventKind::ToolUse),
                58..59 => Some(EventKind::ApiError),
                _ => None,
            };
            if let Some(kind) = kind {
                batch.events.push(EventRecord {
                    dedupe_key: format!("b10e:{written}"),
                    agent,
                    session_key: session_key.clone(),
                    ts: ts - 1,
                    kind,
                    tool_name: (kind == EventKind::ToolUse)
                        .then(|| TOOLS[rng.below(TOOLS.len() as u64) as usize].to_string()),
                    decision: None,
                    status_code: (kind == EventKind::ApiError).then_some(429),
                    duration_ms: Some(rng.range(5, 5_000) as i64),
                    detail: (kind == EventKind::ApiError).then(|| "rate_limit".to_string()),
                    ord: written as i64,
                });
                events += 1;
            }
            written += 1;
        }
        if batch.requests.len() >= BATCH || written >= count {
            store
                .writer()
                .apply_blocking(std::mem::take(&mut batch))
                .expect("write batch");
            if written % 1_000_000 < BATCH {
                eprintln!("  {written} requests, {:.0?}", t.elapsed());
            }
        }
    }
    (written, events, session)
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs benches once as a smoke test (no `--bench` argument):
    // then a small store is enough; `cargo bench` builds (or reuses) the 10 M store.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let requests = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benchmarking { 10_000_000 } else { 20_000 });
    let tz: chrono_tz::Tz = match std::env::var("BENCH_TZ") {
        Ok(name) => name
            .parse()
            .expect("BENCH_TZ: an IANA zone such as Asia/Kolkata"),
        Err(_) => chrono_tz::UTC,
    };
    let (store, now) = big_store(requests);
    let reader = store.reader().expect("reader");

    let mut queries = c.benchmark_group("query_and_model_10M");
    queries
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for view in ViewId::ALL {
        let req = QueryRequest {
            screen: ScreenKind::root(view),
            period: Period::ThisMonth,
            group: CostGroup::Team,
            billed: false,
            now_ms: now.timestamp_millis(),
        };
        queries.bench_function(view.name(), |b| {
            b.iter(|| load::load(&reader, black_box(&req), tz).map(|_| ()))
        });
    }
    queries.finish();

    // Every view that shows spend or activity, for periods up to a year (design budget:
    // ≤ 50 ms for any period up to a year at 10 M requests).
    let mut periods = c.benchmark_group("query_period_10M");
    periods
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (label, period) in [
        ("today", Period::Today),
        ("90d", Period::LastDays(90)),
        ("last_month", Period::LastMonth),
        ("365d", Period::LastDays(365)),
    ] {
        for view in [
            ViewId::Overview,
            ViewId::Costs,
            ViewId::Adoption,
            ViewId::Quality,
            ViewId::Replay,
        ] {
            let req = QueryRequest {
                screen: ScreenKind::root(view),
                period,
                group: CostGroup::Team,
                billed: false,
                now_ms: now.timestamp_millis(),
            };
            periods.bench_function(format!("{}/{label}", view.name()), |b| {
                b.iter(|| load::load(&reader, black_box(&req), tz).map(|_| ()))
            });
        }
    }
    periods.finish();

    let mut h = Harness::new(&store, now, tz, false).expect("harness");
    let Ok(mut term) = Terminal::new(TestBackend::new(200, 60));
    let mut frames = c.benchmark_group("frame_200x60_10M");
    frames
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for view in ViewId::ALL {
        h.press(&view.number().to_string());
        h.resize(200, 60);
        frames.bench_function(view.name(), |b| {
            b.iter(|| {
                let _ =
                    term.draw(|f| views::draw(f, black_box(&h.state), &h.theme, &h.state.keymap));
            })
        });
    }
    frames.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
