//! Writes two realistic trees for measuring accounting rules, each with an exact oracle of
//! what the vendors bill (docs/accounting.md, "Measured"):
//!
//! ```text
//! cargo run --release --example gen_accounting -- --out DIR [--seed N] [--days N]
//! ```
//!
//! - `DIR/gemini/tmp/<hash>/chats/`: Gemini CLI JSONL chats with streamed `$set` updates,
//!   tool-call re-appends, compression checkpoints, cancelled turns rolled back, rewinds,
//!   sessions resumed (and compressed) on a later day, subagent chats, legacy `.json`
//!   documents and legacy sessions migrated to `.jsonl`; mostly gemini-2.5-pro prompts
//!   that grow past 200k tokens before compression.
//! - `DIR/claude/projects/`: Claude Code sessions whose context grows towards the 1M
//!   window (Sonnet 4.5 with its 200k long-context tier, Opus 4.6 billed flat, Haiku).
//! - `DIR/oracle.json`: per UTC day and agent, the tokens and the cost of every billed
//!   request (each reply once, none removed; long-context tiers per request), computed
//!   from the rates in `rates.rs` (written out from the vendors' price pages).

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod claude;
mod gemini;
mod oracle;
mod rates;
mod rng;

use std::path::PathBuf;

fn usage() -> ! {
    eprintln!("usage: gen_accounting --out DIR [--seed N] [--days N]");
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut out, mut seed, mut days) = (None::<PathBuf>, 7u64, 21u32);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
            "--days" => days = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let out = out.unwrap_or_else(|| usage());
    let mut rng = rng::Rng::new(seed);
    let mut gemini_oracle = oracle::Oracle::default();
    let stats = gemini::write_tree(&out.join("gemini"), days, &mut rng, &mut gemini_oracle);
    let mut claude_oracle = oracle::Oracle::default();
    let requests = claude::write_tree(&out.join("claude"), days, &mut rng, &mut claude_oracle);
    let doc = serde_json::json!({
        "gemini": gemini_oracle.to_json(),
        "claude": claude_oracle.to_json(),
    });
    std::fs::write(out.join("oracle.json"), format!("{doc:#}\n")).unwrap();
    println!(
        "gemini: {} sessions, {} billed replies ({} compressed away, {} rolled back, {} after a rewind), {} legacy documents ({} migrated), {} subagent chats",
        stats.sessions,
        stats.replies,
        stats.compressed_away,
        stats.rolled_back,
        stats.rewound,
        stats.legacy,
        stats.migrated,
        stats.subagents
    );
    println!(
        "claude: {requests} requests; oracle in {}",
        out.join("oracle.json").display()
    );
}
