//! Ingest and query benchmarks for the budgets in docs/perf.md (run: `cargo bench --bench ingest`):
//!
//! - `ingest/cold_100MB`: fresh store + one ingest pass over a generated ~100 MB Claude Code +
//!   Codex corpus (~150 files), reported as bytes/s. Files are in the page cache.
//! - `ingest/warm_refresh_1500_files`: a second pass over a 1,500-file corpus, nothing changed.
//! - `query/report_daily_1M_requests`: `Reader::usage_by(.., Period(Day), UTC)` on a store
//!   holding 1,000,000 requests written through the writer (`workload::fill_requests`).
//!
//! Small sample counts and flat sampling keep a full run to a couple of minutes.
//! `cargo test --all-targets` runs each benchmark once without `--bench` (in the debug
//! profile): then the inputs are tiny (a smoke test that the code paths still work).

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/gen_corpus/main.rs"]
mod gen_corpus;

use agentdeck::pricing::PriceTable;
use agentdeck::store::Store;
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use gen_corpus::corpus::{CorpusSpec, generate};
use gen_corpus::workload::{fill_requests, ingest_corpus, report_daily};
use std::path::Path;
use std::time::{Duration, Instant};

const SEED: u64 = 7;

/// Full-size inputs under `cargo bench`; tiny ones when run as a test.
struct Sizes {
    cold_bytes: u64,
    warm_bytes: u64,
    warm_files: usize,
    requests: usize,
}

fn sizes() -> Sizes {
    if std::env::args().any(|a| a == "--bench") {
        Sizes {
            cold_bytes: 100_000_000,
            warm_bytes: 50_000_000,
            warm_files: 1_500,
            requests: 1_000_000,
        }
    } else {
        Sizes {
            cold_bytes: 1_000_000,
            warm_bytes: 500_000,
            warm_files: 30,
            requests: 5_000,
        }
    }
}

fn make_corpus(dir: &Path, size_bytes: u64, files: Option<usize>) -> u64 {
    let mut spec = CorpusSpec::new(size_bytes, SEED);
    spec.files = files;
    generate(dir, &spec).expect("generate corpus").bytes
}

fn ingest_benches(c: &mut Criterion) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let prices = PriceTable::builtin();
    let mut group = c.benchmark_group("ingest");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1));

    let cold_corpus = scratch.path().join("cold");
    let size = sizes();
    let cold_bytes = make_corpus(&cold_corpus, size.cold_bytes, None);
    group.throughput(Throughput::Bytes(cold_bytes));
    group.measurement_time(Duration::from_secs(12));
    group.bench_function(BenchmarkId::new("cold", "100MB"), |b| {
        let mut run = 0u64;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                run += 1;
                let db = scratch.path().join(format!("cold-{run}.db"));
                let started = Instant::now();
                let store = Store::open(&db).expect("open store");
                let summary = ingest_corpus(&store, &cold_corpus, &prices).expect("ingest");
                total += started.elapsed();
                assert!(summary.outcome.requests_added > 0);
                drop(store);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
            }
            total
        })
    });

    let warm_corpus = scratch.path().join("warm");
    make_corpus(&warm_corpus, size.warm_bytes, Some(size.warm_files));
    let store = Store::open(&scratch.path().join("warm.db")).expect("open store");
    ingest_corpus(&store, &warm_corpus, &prices).expect("first pass");
    group.throughput(Throughput::Elements(size.warm_files as u64));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(BenchmarkId::new("warm_refresh", "1500_files"), |b| {
        b.iter(|| {
            let summary = ingest_corpus(&store, &warm_corpus, &prices).expect("refresh");
            assert_eq!(summary.outcome.requests_added, 0);
        })
    });
    group.finish();
}

fn query_benches(c: &mut Criterion) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&scratch.path().join("big.db")).expect("open store");
    let spec = CorpusSpec::new(0, SEED);
    fill_requests(&store, sizes().requests, 90, spec.end_ms, SEED).expect("fill store");
    let mut group = c.benchmark_group("query");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(5));
    group.bench_function(BenchmarkId::new("report_daily", "1M_requests"), |b| {
        b.iter(|| report_daily(&store).expect("report daily"))
    });
    group.finish();
}

criterion_group!(benches, ingest_benches, query_benches);
criterion_main!(benches);
