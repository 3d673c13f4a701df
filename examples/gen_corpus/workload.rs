//! The three measured workloads, shared by `benches/ingest.rs` and `examples/measure.rs`:
//! an ingest pass over a corpus through the library (as `agentdeck ingest` runs it), a store
//! filled with synthetic requests through the writer, and the `report daily` query.

use agentdeck::collect::ingest::{NoProgress, ingest};
use agentdeck::collect::parse::ParseEnv;
use agentdeck::collect::project::GitProjectResolver;
use agentdeck::collect::sources::Roots;
use agentdeck::collect::summary::IngestSummary;
use agentdeck::domain::period::Granularity;
use agentdeck::domain::{Agent, Cost, KeyKind, Money, RequestKey, RequestRecord, TokenUsage};
use agentdeck::pricing::PriceTable;
use agentdeck::store::queries::usage::{UsageFilter, UsageGroup, UsageRow};
use agentdeck::store::{Store, WriteBatch};
use std::path::Path;

use super::text::Rng;

/// The corpus's agent folders, as `--claude-dir DIR/claude --codex-dir DIR/codex` give them.
pub fn roots(corpus: &Path) -> Roots {
    Roots {
        claude: vec![corpus.join("claude")],
        codex: vec![corpus.join("codex")],
        ..Roots::default()
    }
}

/// One incremental pass, with the `ParseEnv` `agentdeck ingest` builds (built-in prices,
/// git-on-disk project resolution).
pub fn ingest_corpus(
    store: &Store,
    corpus: &Path,
    prices: &PriceTable,
) -> anyhow::Result<IngestSummary> {
    let resolver = GitProjectResolver::default();
    let env = ParseEnv {
        developer: "bench@example.com",
        prices,
        projects: &resolver,
    };
    Ok(ingest(store, &roots(corpus), &env, &NoProgress)?)
}

/// `report daily` with no filters, in UTC.
pub fn report_daily(store: &Store) -> anyhow::Result<Vec<UsageRow>> {
    let reader = store.reader()?;
    Ok(reader.usage_by(
        &UsageFilter::default(),
        UsageGroup::Period(Granularity::Day),
        chrono_tz::UTC,
    )?)
}

const MODELS: &[&str] = &[
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-7",
    "claude-haiku-4-5-20251001",
    "gpt-5.3-codex",
    "gpt-5.1-codex",
];

/// Writes `count` requests straight through the writer (batches of ~20,000), shaped like a
/// team's traffic: sessions of 20–800 requests a few seconds apart, each with one developer
/// (of 25), one project (of 12) and mostly one model, starting in working hours over `days`
/// days before `end_ms`. This is how a store with millions of requests is built without
/// tens of GB of logs.
pub fn fill_requests(
    store: &Store,
    count: usize,
    days: i64,
    end_ms: i64,
    seed: u64,
) -> anyhow::Result<()> {
    let mut rng = Rng::fork(seed, 9_000_000);
    let first_day = end_ms - days * 86_400_000;
    let (mut written, mut session) = (0usize, 0u64);
    let mut batch = WriteBatch::default();
    while written < count {
        session += 1;
        let developer = format!("dev{:02}@acme.example", rng.below(25));
        let project = format!("github.com/acme/repo{}", rng.below(12));
        let primary = rng.pick(MODELS);
        let agent = if primary.starts_with("gpt") {
            Agent::Codex
        } else {
            Agent::ClaudeCode
        };
        let mut ts = first_day
            + rng.below(days as u64) as i64 * 86_400_000
            + rng.range(7 * 3_600_000, 19 * 3_600_000) as i64;
        for _ in 0..rng.log_range(20, 800).min((count - written) as u64) {
            let model = if agent == Agent::ClaudeCode && rng.chance(0.08) {
                "claude-haiku-4-5-20251001"
            } else {
                primary
            };
            ts += rng.range(3_000, 90_000) as i64;
            batch.requests.push(RequestRecord {
                dedupe_key: RequestKey::new(KeyKind::Demo {
                    agent,
                    session: format!("bench-{seed}"),
                    n: written as i64,
                }),
                agent,
                session_key: format!("bench-session-{session}"),
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
            written += 1;
        }
        if batch.requests.len() >= 20_000 || written >= count {
            store.writer().apply_blocking(std::mem::take(&mut batch))?;
        }
    }
    Ok(())
}

/// Peak resident set size of this process so far (`VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User + system CPU time of this process (all threads) so far, in seconds.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`; utime and stime are the 12th and 13th of those.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Resets the peak-RSS counter (Linux `clear_refs` 5) so the next reading covers only what
/// follows. Returns false where that is not supported.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Bytes of the database and its WAL.
pub fn store_bytes(db: &Path) -> u64 {
    let mut total = 0;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        total += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    }
    total
}
