//! Totals of in-bounds rows never wrap, turn negative or fail (docs/accounting.md#bounds).
//! Each request here carries 10¹² tokens in every field, the largest accepted, and is
//! unpriced, so its tokens also count towards `unpriced_tokens`; 1.9 million of them pass
//! 2⁶³ there and in `total_tokens`. The rows are added in bulk, then the aggregates are
//! rebuilt from them (SQL sums), then ingest adds more (the running rollup and session
//! totals), and every report kind must print exact token sums where they fit and the
//! ceiling where they do not.

use crate::common::*;
use agentdeck::store::{Maintenance, Store};
use serde_json::{Value, json};
use std::path::Path;

const MAX_TOKENS: i64 = 1_000_000_000_000;
const BULK_ROWS: i64 = 1_900_000;
const CEILING: i64 = i64::MAX;
// The bulk rows' timestamps (`ts + i / 32` ms) stay within the first line's minute.
const _: () = assert!(BULK_ROWS / 32 < 60_000);

fn line(n: usize) -> String {
    json!({"type": "assistant", "sessionId": "s1", "cwd": "/nonexistent/acme",
        "timestamp": format!("2026-01-09T10:00:{n:02}.000Z"), "requestId": format!("r{n}"),
        "message": {"id": format!("m{n}"), "model": "no-such-model", "usage": {
            "input_tokens": MAX_TOKENS, "output_tokens": MAX_TOKENS,
            "cache_creation_input_tokens": MAX_TOKENS, "cache_read_input_tokens": MAX_TOKENS}}})
    .to_string()
}

fn write_lines(root: &Path, count: usize) {
    let lines: Vec<String> = (0..count).map(line).collect();
    let dir = claude_project(root, "-acme");
    std::fs::write(dir.join("s1.jsonl"), lines.join("\n") + "\n").unwrap();
}

/// `BULK_ROWS` copies of the first stored request, in the same 15-minute bucket, with every
/// token field at the bound (their key hash is the row number: no look-up reads them). Keys
/// and timestamps ascend with the row number, so every index
/// grows at its end (scattered keys made SQLite rewrite pages all over a 700 MB file: twice
/// the CPU time for the same rows); a 256 MB page cache instead of SQLite's default 2 MB
/// keeps the index pages being filled in memory (12 → 9 s).
fn add_bulk_rows(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -262144;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {BULK_ROWS})
         INSERT INTO requests (dedupe_key, session_id, ts, agent, model, developer, project_id,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
             reasoning_tokens, cost_micro_usd, cost_source, key_hash)
         SELECT printf('bulk:%07d', i), r.session_id, r.ts + i / 32, r.agent, r.model, r.developer,
             r.project_id, {MAX_TOKENS}, {MAX_TOKENS}, {MAX_TOKENS}, {MAX_TOKENS}, {MAX_TOKENS},
             {MAX_TOKENS}, 0, 'unpriced', i
         FROM n, (SELECT * FROM requests ORDER BY id LIMIT 1) r;"
    ))
    .unwrap();
}

fn assert_totals(db: &Path, requests: i64) {
    // Each report is its own process reading the same store: run them side by side (this is
    // the suite's longest test, docs/perf.md#test-suite).
    let kinds = ["daily", "weekly", "monthly", "session", "blocks"];
    let (docs, csv) = std::thread::scope(|s| {
        let docs: Vec<_> = kinds
            .iter()
            .map(|kind| s.spawn(move || stored_report(db, kind)))
            .collect();
        let csv = run_ok(&[
            "--db",
            db.to_str().unwrap(),
            "report",
            "daily",
            "--csv",
            "--no-refresh",
            "--tz",
            "UTC",
        ]);
        let docs: Vec<Value> = docs.into_iter().map(|h| h.join().unwrap()).collect();
        (docs, csv)
    });
    for (kind, doc) in kinds.iter().zip(&docs) {
        let t = &doc["totals"];
        assert_eq!(
            t["input_tokens"].as_i64(),
            Some(requests * MAX_TOKENS),
            "{kind}: {t:#}"
        );
        assert_eq!(t["total_tokens"].as_i64(), Some(CEILING), "{kind}: {t:#}");
        if let Some(unpriced) = t.get("unpriced_tokens") {
            assert_eq!(unpriced.as_i64(), Some(CEILING), "{kind}: {t:#}");
        }
    }
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(!text.contains(",-"), "a negative number: {text}");
    assert!(text.contains(&CEILING.to_string()), "the ceiling: {text}");
}

#[test]
fn totals_of_millions_of_rows_at_the_bounds_saturate_in_every_report() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let db = tmp.path().join("a.db");
    let ingest = [
        "--db",
        db.to_str().unwrap(),
        "ingest",
        "--claude-dir",
        root.to_str().unwrap(),
    ];
    write_lines(&root, 2);
    run_ok(&ingest);
    add_bulk_rows(&db);
    // Sums over the requests table rebuild every aggregate.
    Store::open(&db)
        .unwrap()
        .writer()
        .maintain_blocking(Maintenance::RebuildAggregates)
        .unwrap();
    assert_totals(&db, BULK_ROWS + 2);
    // New requests land on totals already at the ceiling (running rollup and session sums).
    write_lines(&root, 4);
    run_ok(&ingest);
    assert_totals(&db, BULK_ROWS + 4);
}
