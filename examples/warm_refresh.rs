//! The warm-refresh budget (docs/perf.md#warm-refresh): a pass over files that have not
//! changed since the last one, timed inside the process and split into its parts.
//!
//! ```text
//! cargo run --release --example warm_refresh -- --corpus /tmp/c1g [--runs 21] [--db FILE]
//! ```
//!
//! Ingests the corpus (a `gen_corpus` output) into a fresh store once (or reuses `--db`),
//! then times `--runs` whole passes (`collect::ingest::ingest`, as `agentdeck ingest` and
//! `report` run it) and, separately, the parts of a pass: finding the files (`discover`:
//! directory walk + one `stat` per file), reading the stored cursors, and the pass's other
//! queries. Prints median, min and max of each in milliseconds, and the CPU time per pass
//! (the figure to read on a machine that other work keeps busy).

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "gen_corpus/main.rs"]
mod gen_corpus;

use agentdeck::collect::sources::{FileFormat, discover};
use agentdeck::pricing::PriceTable;
use agentdeck::store::Store;
use gen_corpus::workload::{cpu_seconds, ingest_corpus, roots};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn usage() -> ! {
    eprintln!("usage: warm_refresh --corpus DIR [--runs N] [--db FILE]");
    std::process::exit(2)
}

/// Median, min and max in milliseconds.
fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "median {:.2} ms (min {:.2}, max {:.2})",
        ms(v[v.len() / 2]),
        ms(v[0]),
        ms(v[v.len() - 1])
    )
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let (mut corpus, mut runs, mut db) = (None::<PathBuf>, 21usize, None::<PathBuf>);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--corpus" => corpus = Some(PathBuf::from(value)),
            "--runs" => runs = value.parse().unwrap_or_else(|_| usage()),
            "--db" => db = Some(PathBuf::from(value)),
            _ => usage(),
        }
    }
    let corpus = corpus.unwrap_or_else(|| usage());
    let runs = runs.max(1);
    let scratch = tempfile::tempdir()?;
    let db = db.unwrap_or_else(|| scratch.path().join("warm.db"));
    let store = Store::open(&db)?;
    let prices = PriceTable::builtin();
    let t = Instant::now();
    let first = ingest_corpus(&store, &corpus, &prices)?;
    println!(
        "first pass: {} files, {} read, {} requests added in {:.2} s",
        first.files_seen,
        first.files_read,
        first.outcome.requests_added,
        t.elapsed().as_secs_f64()
    );

    let mut files = 0;
    let cpu_before = cpu_seconds();
    let whole = time(runs, || {
        let s = ingest_corpus(&store, &corpus, &prices).unwrap();
        assert_eq!(s.files_read, 0, "a warm pass read a file");
        files = s.files_seen;
    });
    // CPU time (all threads, 10 ms ticks) per pass: the figure a loaded machine leaves alone.
    let cpu_ms = (cpu_seconds() - cpu_before) * 1e3 / runs as f64;
    println!(
        "warm pass, {files} unchanged files: {}; CPU {cpu_ms:.1} ms per pass (mean)",
        stats(whole)
    );

    let r = roots(&corpus);
    println!(
        "  discover (walk + stat):   {}",
        stats(time(runs, || discover(&r)))
    );
    let reader = store.reader()?;
    println!(
        "  stored cursors:           {}",
        stats(time(runs, || {
            [FileFormat::ClaudeJsonl, FileFormat::CodexJsonl]
                .map(|f| reader.file_cursors(f.source()).unwrap().len())
        }))
    );
    println!(
        "  source-health queries:    {}",
        stats(time(runs, || {
            (
                reader.requests_by_agent().unwrap(),
                reader.source_last_runs().unwrap(),
            )
        }))
    );
    println!(
        "  open a reader:            {}",
        stats(time(runs, || store.reader().unwrap()))
    );
    Ok(())
}
