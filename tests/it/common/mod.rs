//! Helpers shared by the integration tests: running the real binary against a temp store,
//! and writing Claude Code lines with realistic shapes.
#![allow(dead_code)]

pub mod downgrade;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentdeck"));
    // Keep the tests away from the real home: config, logs and identity are fixed.
    cmd.env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("GEMINI_DATA_DIR")
        .env_remove("COPILOT_CONFIG_DIR")
        .env_remove("AGENTDECK_CONFIG")
        .env_remove("AGENTDECK_DB")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("agentdeck-test-no-config"),
        )
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("agentdeck-test-state"),
        )
        .env("TZ", "UTC");
    cmd
}

/// Runs the binary and returns its output, panicking with stderr when it fails.
pub fn run_ok(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("run agentdeck");
    assert!(
        out.status.success(),
        "agentdeck {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `report daily --json` totals over a store, after ingesting `claude_dir`.
pub fn daily(db: &Path, claude_dir: &Path) -> Value {
    let db = db.to_str().unwrap();
    let dir = claude_dir.to_str().unwrap();
    json_of(&run_ok(&[
        "--db",
        db,
        "report",
        "daily",
        "--json",
        "--tz",
        "UTC",
        "--claude-dir",
        dir,
    ]))
}

/// `report KIND --json` over what a store already holds (no refresh), in UTC.
pub fn stored_report(db: &Path, kind: &str) -> Value {
    json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "report",
        kind,
        "--json",
        "--no-refresh",
        "--tz",
        "UTC",
    ]))
}

/// A Claude Code project folder inside a config root.
pub fn claude_project(root: &Path, name: &str) -> PathBuf {
    let dir = root.join("projects").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `agentdeck --db DB ingest --json ARGS…`, which must succeed, as its JSON summary.
pub fn ingest_json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--db", db.to_str().unwrap(), "ingest", "--json"];
    all.extend_from_slice(args);
    json_of(&run_ok(&all))
}

/// An operation the writer refuses (acknowledging alert 7, which no test store has): a
/// batch carrying it fails and rolls back whole.
pub fn refused_op() -> agentdeck::store::ops::Op {
    agentdeck::store::ops::Op::AckAlert {
        id: 7,
        by: "x".into(),
        note: String::new(),
        at: 1,
    }
}

/// A write batch of one Codex session of `dev@example.com`, keyed `key`.
pub fn session_batch(key: &str) -> agentdeck::store::WriteBatch {
    agentdeck::store::WriteBatch {
        sessions: vec![agentdeck::domain::SessionRecord {
            agent: agentdeck::domain::Agent::Codex,
            session_key: key.into(),
            source: "test".into(),
            developer: "dev@example.com".into(),
            project_id: None,
            branch: None,
            started_at: 1,
            last_activity_at: 2,
            title: None,
        }],
        ..Default::default()
    }
}

/// One assistant line with usage (one content block of a response).
pub fn assistant_line(
    session: &str,
    msg: &str,
    req: Option<&str>,
    ts: &str,
    input: i64,
    output: i64,
    cache_read: i64,
) -> String {
    let mut line = json!({
        "type": "assistant", "sessionId": session, "timestamp": ts, "cwd": "/home/dev/api",
        "version": "2.0.76", "gitBranch": "main", "isSidechain": false,
        "uuid": format!("{msg}-{ts}-{output}"),
        "message": {
            "id": msg, "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": "some model output that must never be stored"}],
            "usage": {"input_tokens": input, "output_tokens": output, "cache_read_input_tokens": cache_read,
                      "cache_creation_input_tokens": 0}
        }
    });
    if let Some(r) = req {
        line["requestId"] = json!(r);
    }
    line.to_string()
}

/// A Claude Code request of `dev@example.com` for writing straight into a store: `key` is
/// its request id, 10 output tokens at a computed 10 µUSD.
pub fn stored_request(
    key: &str,
    session: &str,
    ts: i64,
    model: &str,
) -> agentdeck::domain::RequestRecord {
    use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, TokenUsage};
    RequestRecord {
        agent: Agent::ClaudeCode,
        dedupe_key: RequestKey::parse(&format!("ccreq:{key}")).unwrap(),
        session_key: session.into(),
        ts,
        model: Some(model.into()),
        usage: TokenUsage {
            output: 10,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_micro_usd(10)),
        developer: "dev@example.com".into(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    }
}
