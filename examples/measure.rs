//! One-shot measurement of the ingest and query budgets (docs/perf.md) on a generated corpus:
//!
//! ```text
//! cargo run --release --example measure -- --size 1GB [--seed N] [--corpus DIR] [--requests 1000000] [--keep DIR] [--db-dir DIR] [--query-runs N]
//! ```
//!
//! Prints cold ingest MB/s (fresh store, files already in the page cache), warm refresh time
//! over all files, `report daily` time at N requests, peak RSS of the ingest and store size
//! as a share of the corpus. `--corpus` reuses an existing `gen_corpus` output.

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "gen_corpus/main.rs"]
mod gen_corpus;

use agentdeck::pricing::PriceTable;
use agentdeck::store::Store;
use gen_corpus::corpus::{CorpusSpec, generate, parse_size};
use gen_corpus::workload::{
    cpu_seconds, fill_requests, ingest_corpus, peak_rss_bytes, report_daily, reset_peak_rss,
    store_bytes,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn usage() -> ! {
    eprintln!(
        "usage: measure [--size 1GB] [--seed N] [--corpus DIR] [--requests N] [--keep DIR] [--db-dir DIR] [--query-runs N]"
    );
    std::process::exit(2)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn dir_bytes(dir: &std::path::Path) -> (u64, u64) {
    let (mut bytes, mut files) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn main() -> anyhow::Result<()> {
    let mut spec = CorpusSpec::new(1_000_000_000, 1);
    let (mut corpus, mut keep, mut requests) = (None::<PathBuf>, None::<PathBuf>, 1_000_000usize);
    let mut query_runs = 7usize;
    let mut db_dir = None::<PathBuf>;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--size" => spec.size_bytes = parse_size(&value).unwrap_or_else(|| usage()),
            "--seed" => spec.seed = value.parse().unwrap_or_else(|_| usage()),
            "--corpus" => corpus = Some(PathBuf::from(value)),
            "--keep" => keep = Some(PathBuf::from(value)),
            "--requests" => requests = value.parse().unwrap_or_else(|_| usage()),
            "--db-dir" => db_dir = Some(PathBuf::from(value)),
            "--query-runs" => query_runs = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let scratch = match &db_dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let corpus = match corpus {
        Some(c) => c,
        None => {
            let dir = keep
                .clone()
                .unwrap_or_else(|| scratch.path().join("corpus"));
            let t = Instant::now();
            let p = generate(&dir, &spec)?;
            println!(
                "corpus: generated {:.1} MB in {} files in {:.1}s",
                p.bytes as f64 / 1e6,
                p.files,
                t.elapsed().as_secs_f64()
            );
            dir
        }
    };
    let (corpus_bytes, files) = dir_bytes(&corpus);
    let prices = PriceTable::builtin();

    // (a) cold ingest: fresh store, every file new.
    let db = scratch.path().join("cold.db");
    let rss_reset = reset_peak_rss();
    let t = Instant::now();
    let cpu_before = cpu_seconds();
    let store = Store::open(&db)?;
    let summary = ingest_corpus(&store, &corpus, &prices)?;
    let cold = t.elapsed();
    let cold_cpu = cpu_seconds() - cpu_before;
    let peak = peak_rss_bytes().unwrap_or(0);
    println!(
        "cold ingest: {:.1} MB in {files} files in {:.2}s = {:.0} MB/s; {} requests added, {} replaced, {} duplicates, {} skipped lines",
        corpus_bytes as f64 / 1e6,
        cold.as_secs_f64(),
        corpus_bytes as f64 / 1e6 / cold.as_secs_f64(),
        summary.outcome.requests_added,
        summary.outcome.requests_replaced,
        summary.outcome.requests_duplicate,
        summary.problems.len()
    );
    println!(
        "cold ingest CPU: {cold_cpu:.2}s user+sys ({:.0} MB per CPU-second; wall/CPU = {:.2})",
        corpus_bytes as f64 / 1e6 / cold_cpu,
        cold.as_secs_f64() / cold_cpu
    );
    println!(
        "peak RSS during ingest: {:.1} MB{}",
        peak as f64 / 1e6,
        if rss_reset {
            ""
        } else {
            " (could not reset VmHWM: includes corpus generation)"
        }
    );

    // (b) warm refresh: nothing changed.
    let mut warm = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let s = ingest_corpus(&store, &corpus, &prices)?;
        warm.push(t.elapsed());
        assert_eq!(s.outcome.requests_added, 0, "warm pass added requests");
    }
    warm.sort();
    println!(
        "warm refresh: {:.1} ms median for {files} files (min {:.1}, max {:.1})",
        ms(warm[2]),
        ms(warm[0]),
        ms(warm[4])
    );

    let store_size = store_bytes(&db);
    let db_only = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "store size: {:.1} MB (db {:.1} MB + WAL) = {:.2}% of the {:.1} MB corpus",
        store_size as f64 / 1e6,
        db_only as f64 / 1e6,
        100.0 * store_size as f64 / corpus_bytes as f64,
        corpus_bytes as f64 / 1e6
    );
    let t = Instant::now();
    let rows = report_daily(&store)?;
    println!(
        "report daily on the ingested store: {} days in {:.1} ms",
        rows.len(),
        ms(t.elapsed())
    );
    drop(store);

    // (c) report daily at `requests` requests written through the writer.
    let big = scratch.path().join("big.db");
    let store = Store::open(&big)?;
    let t = Instant::now();
    fill_requests(&store, requests, 90, spec.end_ms, spec.seed)?;
    println!(
        "filled {requests} synthetic requests through the writer in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let rollup_rows: i64 =
        rusqlite::Connection::open(&big)?
            .query_row("SELECT count(*) FROM rollups", [], |r| r.get(0))?;
    let mut times = Vec::new();
    let mut days = 0;
    for _ in 0..query_runs.max(1) {
        let t = Instant::now();
        days = report_daily(&store)?.len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "report daily: {:.1} ms median at {requests} requests, {rollup_rows} rollup rows ({days} days; min {:.1}, max {:.1})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    Ok(())
}
