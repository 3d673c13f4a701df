//! Writes a synthetic, realistic Claude Code + Codex corpus for benchmarks:
//!
//! ```text
//! cargo run --release --example gen_corpus -- --out DIR --size 1GB [--seed N] [--files N] [--days N]
//! ```
//!
//! Layout: `DIR/claude/projects/<encoded cwd>/<session>.jsonl` (+ `<session>/subagents/
//! agent-<id>.jsonl` for ~10% of sessions) and `DIR/codex/sessions/YYYY/MM/DD/rollout-….jsonl`
//! (~10% of the bytes). `DIR/expected.json` holds the exact per-UTC-day token totals written,
//! de-duplicated the way ccusage does it, as an oracle for `report daily`.
//! Benches and `measure` include this file as a module and call [`corpus::generate`].

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

pub mod claude;
pub mod claude_session;
pub mod claude_tools;
pub mod codex;
pub mod corpus;
pub mod text;
pub mod workload;

use std::path::PathBuf;
use std::time::Instant;

fn usage() -> ! {
    eprintln!(
        "usage: gen_corpus --out DIR --size SIZE (e.g. 1GB, 100MB) [--seed N] [--files N] [--days N]"
    );
    std::process::exit(2)
}

pub fn main() {
    let mut args = std::env::args().skip(1);
    let (mut out, mut spec) = (None::<PathBuf>, corpus::CorpusSpec::new(100_000_000, 1));
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--size" => spec.size_bytes = corpus::parse_size(&value).unwrap_or_else(|| usage()),
            "--seed" => spec.seed = value.parse().unwrap_or_else(|_| usage()),
            "--files" => spec.files = Some(value.parse().unwrap_or_else(|_| usage())),
            "--days" => spec.days = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let out = out.unwrap_or_else(|| usage());
    let started = Instant::now();
    let produced = match corpus::generate(&out, &spec) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("gen_corpus: writing {}: {e}", out.display());
            std::process::exit(1)
        }
    };
    let expected = produced.expected.to_json();
    if let Err(e) = std::fs::write(out.join("expected.json"), format!("{expected:#}\n")) {
        eprintln!("gen_corpus: writing expected.json: {e}");
        std::process::exit(1)
    }
    let secs = started.elapsed().as_secs_f64();
    let (claude_requests, codex_requests) = produced.requests();
    println!(
        "wrote {} bytes ({:.1} MB) in {} files ({} Claude, {} Codex), {} lines, in {secs:.1}s ({:.0} MB/s)",
        produced.bytes,
        produced.bytes as f64 / 1e6,
        produced.files,
        produced.claude_files,
        produced.codex_files,
        produced.lines,
        produced.bytes as f64 / 1e6 / secs
    );
    println!(
        "distinct requests: {claude_requests} Claude API responses, {codex_requests} Codex token_count events"
    );
}
