//! The team server's rows follow the same prices as local ones (docs/server.md#prices): a
//! server on the SQLite store reprices its stored requests when its effective price table
//! changed since they were priced (an override added or removed, a table imported, an
//! upgrade), before it accepts writes.

use crate::common::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

const SONNET: &str = "claude-sonnet-4-5-20250929";

/// Starts `serve` on `db` with `config`, waits for it to listen, stops it; its stderr.
fn serve_once(db: &std::path::Path, config: &std::path::Path) -> String {
    let mut child = bin()
        .args([
            "--db",
            db.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut text = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
                if line.contains("listening on") {
                    break;
                }
            }
            Err(_) => panic!("serve did not come up: {text}"),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    text
}

fn computed_micro_usd(db: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT sum(cost_micro_usd) FROM requests WHERE cost_source = 'computed'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_server_on_sqlite_reprices_its_rows_when_its_prices_change() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let dir = claude_project(&root, "-acme");
    // 150k uncached input at $3/M = $0.45.
    let line = json!({"type": "assistant", "sessionId": "s1",
        "timestamp": "2026-01-09T10:00:00.000Z", "requestId": "r-m1", "cwd": "/nonexistent/acme",
        "message": {"id": "m1", "model": SONNET,
            "usage": {"input_tokens": 150_000, "output_tokens": 0}}});
    std::fs::write(dir.join("s1.jsonl"), format!("{line}\n")).unwrap();
    let db = tmp.path().join("server.db");
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
    assert_eq!(computed_micro_usd(&db), 450_000);
    serve_once(&db, &config);
    assert_eq!(computed_micro_usd(&db), 450_000, "same prices: unchanged");

    std::fs::write(
        &config,
        format!("[pricing.overrides.\"{SONNET}\"]\ninput = 1.0\noutput = 2.0\n"),
    )
    .unwrap();
    let said = serve_once(&db, &config);
    assert_eq!(computed_micro_usd(&db), 150_000, "override added: {said}");
    assert!(said.contains("re-priced 1 stored requests"), "{said}");

    std::fs::write(&config, "").unwrap();
    serve_once(&db, &config);
    assert_eq!(computed_micro_usd(&db), 450_000, "override removed");
}
