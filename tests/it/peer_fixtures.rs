//! The public peer fixtures (ccusage's test transcripts, rewritten here with the same
//! content) must give the expected numbers listed in tests/fixtures/README.md (the peer's published outputs), through
//! the real binary: ingest, then `report daily|session|blocks --json`.

use crate::common;

use common::*;
use serde_json::Value;
use std::path::Path;

const PEER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/peer");

fn report(db: &Path, kind: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--db",
        db.to_str().unwrap(),
        "report",
        kind,
        "--json",
        "--tz",
        "UTC",
    ];
    args.extend(extra);
    json_of(&run_ok(&args))
}

/// (input, output, cache_creation, cache_read, total, cost_usd)
type Figures = (i64, i64, i64, i64, i64, f64);

fn figures(v: &Value) -> Figures {
    let n = |k: &str| {
        v[k].as_i64()
            .unwrap_or_else(|| panic!("{k} missing in {v}"))
    };
    (
        n("input_tokens"),
        n("output_tokens"),
        n("cache_creation_tokens"),
        n("cache_read_tokens"),
        n("total_tokens"),
        v["cost_usd"].as_f64().unwrap(),
    )
}

#[test]
fn claude_fixtures_match_the_peer_daily_session_and_block_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("peer.db");
    let claude = format!("{PEER}/claude");
    let daily = report(&db, "daily", &["--claude-dir", &claude]);
    let days: Vec<(String, Figures)> = daily["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["date"].as_str().unwrap().to_string(), figures(d)))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-01-09".to_string(), (300, 125, 75, 30, 530, 0.46)),
            ("2026-01-10".to_string(), (300, 125, 0, 40, 465, 0.56)),
            ("2026-02-03".to_string(), (130, 60, 15, 40, 245, 0.07)),
        ]
    );
    assert_eq!(figures(&daily["totals"]), (730, 310, 90, 110, 1240, 1.09));
    // The fast opus line is its own model, as the peer shows it.
    let models: Vec<&str> = daily["daily"][0]["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        vec!["claude-opus-4-20250514-fast", "claude-sonnet-4-20250514"]
    );

    let sessions = report(&db, "session", &["--no-refresh"]);
    let mut by_id: Vec<(String, Figures)> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["session_id"].as_str().unwrap().to_string(), figures(s)))
        .collect();
    by_id.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        by_id,
        vec![
            ("session-alpha".to_string(), (600, 250, 75, 70, 995, 1.02)),
            ("session-beta".to_string(), (130, 60, 15, 40, 245, 0.07)),
        ]
    );

    let blocks = report(&db, "blocks", &["--no-refresh"]);
    let shape: Vec<(String, Option<String>, Option<String>, u64)> = blocks["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_string(),
                b["end_time"].as_str().map(str::to_string),
                b["actual_end_time"].as_str().map(str::to_string),
                b["entries"].as_u64().unwrap(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        shape,
        vec![
            (
                "2026-01-09T10:00:00.000Z".into(),
                s("2026-01-09T15:00:00.000Z"),
                s("2026-01-09T12:30:00.000Z"),
                2
            ),
            (
                "gap-2026-01-09T17:30:00.000Z".into(),
                s("2026-01-10T09:15:00.000Z"),
                None,
                0
            ),
            (
                "2026-01-10T09:00:00.000Z".into(),
                s("2026-01-10T14:00:00.000Z"),
                s("2026-01-10T09:15:00.000Z"),
                1
            ),
            (
                "gap-2026-01-10T14:15:00.000Z".into(),
                s("2026-02-03T08:00:00.000Z"),
                None,
                0
            ),
            (
                "2026-02-03T08:00:00.000Z".into(),
                s("2026-02-03T13:00:00.000Z"),
                s("2026-02-03T11:45:00.000Z"),
                2
            ),
        ]
    );
    assert_eq!(figures(&blocks["totals"]), (730, 310, 90, 110, 1240, 1.09));
    // Each block lists the models of its requests (fast mode as `-fast`); gaps none.
    let models: Vec<Vec<&str>> = blocks["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b["models"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        models,
        vec![
            vec!["claude-opus-4-20250514-fast", "claude-sonnet-4-20250514"],
            vec![],
            vec!["claude-sonnet-4-20250514"],
            vec![],
            vec!["claude-haiku-4-5-20251001"],
        ]
    );
}

#[test]
fn codex_fixture_matches_the_peer_cost_oracle() {
    // gpt-5: input 100 (10 cached), output 50 → 90×1.25e-6 + 10×0.125e-6 + 50×10e-6 = $0.00061375,
    // stored as 614 micro-USD (costs are integer micro-dollars per request).
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("codex.db");
    let doc = report(
        &db,
        "daily",
        &["--codex-dir", &format!("{PEER}/all-agents/codex")],
    );
    assert_eq!(figures(&doc["totals"]), (90, 50, 0, 10, 150, 0.000614));
    assert_eq!(doc["totals"]["models"], serde_json::json!(["gpt-5"]));
}

#[test]
fn report_json_and_csv_hold_only_the_document_and_ingest_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("peer.db");
    let claude = format!("{PEER}/claude");
    let first = report(&db, "daily", &["--claude-dir", &claude]);
    let second = report(&db, "daily", &["--claude-dir", &claude]);
    assert_eq!(first, second, "re-ingesting the same files changes nothing");
    let csv = run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "report",
        "monthly",
        "--csv",
        "--no-refresh",
        "--tz",
        "UTC",
    ]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("month,input_tokens,output_tokens")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("2026-01,600,250,75,70,995,")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("2026-02,130,60,15,40,245,")
    );
    assert_eq!(lines.next(), None);
}
