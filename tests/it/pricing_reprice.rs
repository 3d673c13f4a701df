//! Prices are a view, not a fact (docs/accounting.md#reprice): a config override added or
//! removed, or a store built by an older agentdeck, reprices stored requests from their
//! tokens and the current table; vendor-stated costs (`costUSD`) are kept as they are.

use crate::common;

use agentdeck::store::{Maintenance, Store};
use common::*;
use serde_json::json;
use std::path::Path;

const SONNET: &str = "claude-sonnet-4-5-20250929";

fn line(msg: &str, ts: &str, usage: serde_json::Value, cost_usd: Option<f64>) -> String {
    let mut v = json!({"type": "assistant", "sessionId": "s1", "timestamp": ts,
        "requestId": format!("r-{msg}"), "cwd": "/nonexistent/acme",
        "message": {"id": msg, "model": SONNET, "usage": usage}});
    if let Some(c) = cost_usd {
        v["costUSD"] = json!(c);
    }
    v.to_string()
}

fn write_claude(root: &Path, lines: &[String]) {
    let dir = claude_project(root, "-acme");
    std::fs::write(dir.join("s1.jsonl"), lines.join("\n") + "\n").unwrap();
}

fn report_total(db: &Path, config: &Path) -> (f64, String) {
    let out = run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--no-refresh",
    ]);
    let doc = json_of(&out);
    (
        doc["totals"]["cost_usd"].as_f64().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_override_reprices_stored_rows_and_removing_it_prices_them_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_claude(
        &root,
        &[
            // 150k uncached input at $3/M = $0.45.
            line(
                "m1",
                "2026-01-09T10:00:00.000Z",
                json!({"input_tokens": 150_000, "output_tokens": 0}),
                None,
            ),
            // The agent stated its own cost: kept apart, never repriced.
            line(
                "m2",
                "2026-01-09T11:00:00.000Z",
                json!({"input_tokens": 10, "output_tokens": 10}),
                Some(0.5),
            ),
        ],
    );
    let db = tmp.path().join("a.db");
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "ingest",
        "--claude-dir",
        root.to_str().unwrap(),
    ]);
    let (total, _) = report_total(&db, &config);
    assert!((total - 0.95).abs() < 1e-9, "{total}");

    std::fs::write(
        &config,
        format!("[pricing.overrides.\"{SONNET}\"]\ninput = 1.0\noutput = 2.0\n"),
    )
    .unwrap();
    let (total, note) = report_total(&db, &config);
    assert!((total - 0.65).abs() < 1e-9, "override added: {total}");
    assert!(
        note.contains("re-priced 1 stored requests; total cost $0.95 → $0.65 (-$0.30, -31.58%)"),
        "{note}"
    );
    let (again, note) = report_total(&db, &config);
    assert_eq!(again, total);
    assert!(note.is_empty(), "no reprice when nothing changed: {note}");

    std::fs::write(&config, "").unwrap();
    let (total, _) = report_total(&db, &config);
    assert!((total - 0.95).abs() < 1e-9, "override removed: {total}");

    // `pricing reprice` does it on demand (nothing left to change here).
    let out = json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "pricing",
        "reprice",
        "--json",
    ]));
    assert_eq!(out["requests_changed"], 0);
    assert_eq!(out["cost_after_usd"], json!(0.95));
}

/// Turns a current store into one written by agentdeck before costs were fingerprinted
/// (schema version 5), with `cost_micro_usd` as the old per-token-type tier rule left it.
fn make_pre_fingerprint_store(db: &Path, old_cost_micro_usd: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute(
        "UPDATE requests SET cost_micro_usd = ?1",
        [old_cost_micro_usd],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(db).unwrap();
    store
        .writer()
        .maintain_blocking(Maintenance::RebuildAggregates)
        .unwrap();
    drop(store);
    common::downgrade::to_version(db, 6);
}

#[test]
fn a_store_built_before_reprices_on_upgrade_and_ingest_says_by_how_much() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    // A 205k prompt (mostly cache reads): the old per-type rule priced it at base rates,
    // 2,000×3 + 8,000×3.75 + 195,000×0.3 + 1,000×15 = $0.1095; billed: $0.2115.
    write_claude(
        &root,
        &[line(
            "m1",
            "2026-01-09T10:00:00.000Z",
            json!({"input_tokens": 2_000, "output_tokens": 1_000,
                   "cache_creation_input_tokens": 8_000, "cache_read_input_tokens": 195_000}),
            None,
        )],
    );
    let db = tmp.path().join("old.db");
    let dbs = db.to_str().unwrap();
    let dir = root.to_str().unwrap();
    run_ok(&["--db", dbs, "ingest", "--claude-dir", dir]);
    make_pre_fingerprint_store(&db, 109_500);
    let before = json_of(&run_ok(&[
        "--db",
        dbs,
        "--read-only",
        "report",
        "daily",
        "--json",
        "--no-refresh",
    ]));
    assert_eq!(before["totals"]["cost_usd"], json!(0.1095));

    let out = run_ok(&["--db", dbs, "ingest", "--claude-dir", dir]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "prices: re-priced 1 stored requests; total cost $0.11 → $0.21 (+$0.10, +93.15%)"
        ),
        "{text}"
    );
    let after = json_of(&run_ok(&[
        "--db",
        dbs,
        "report",
        "daily",
        "--json",
        "--no-refresh",
    ]));
    assert_eq!(after["totals"]["cost_usd"], json!(0.2115));
    assert_eq!(after["daily"][0]["cost_usd"], json!(0.2115), "rollups too");

    let json = json_of(&run_ok(&[
        "--db",
        dbs,
        "ingest",
        "--json",
        "--claude-dir",
        dir,
    ]));
    assert_eq!(json["repriced"], serde_json::Value::Null, "once only");
}
