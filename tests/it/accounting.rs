//! Accounting rules end to end (docs/accounting.md): files on disk → `agentdeck ingest` → store
//! → `report --json`. Parser-level rules are tested next to the parsers; these prove the
//! store resolves copies across lines, files and separate ingest passes.

use crate::common;

use common::*;
use serde_json::{Value, json};
use std::path::Path;

fn line(v: Value) -> String {
    v.to_string()
}

/// An assistant line; `usage` is the raw usage object.
fn asst(
    session: &str,
    msg: &str,
    req: Option<&str>,
    ts: &str,
    model: &str,
    usage: Value,
    side: bool,
) -> String {
    let mut v = json!({
        "type": "assistant", "sessionId": session, "timestamp": ts, "cwd": "/nonexistent/acme-api",
        "isSidechain": side, "uuid": format!("u-{msg}-{ts}-{}", usage),
        "message": {"id": msg, "model": model, "role": "assistant",
                    "content": [{"type": "text", "text": "secret output"}], "usage": usage}
    });
    if let Some(r) = req {
        v["requestId"] = json!(r);
    }
    line(v)
}

fn usage(input: i64, output: i64) -> Value {
    json!({"input_tokens": input, "output_tokens": output})
}

fn write(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn append(path: &Path, lines: &[String]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

struct Env {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
    db: std::path::PathBuf,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    Env {
        root: tmp.path().join("claude"),
        db: tmp.path().join("a.db"),
        _tmp: tmp,
    }
}

fn totals(e: &Env) -> Value {
    daily(&e.db, &e.root)["totals"].clone()
}

fn io(t: &Value) -> (i64, i64) {
    (
        t["input_tokens"].as_i64().unwrap(),
        t["output_tokens"].as_i64().unwrap(),
    )
}

const SONNET: &str = "claude-sonnet-4-5-20250929";

#[test]
fn content_block_copies_count_once_and_the_largest_copy_wins_across_passes() {
    let e = env();
    let f = e.root.join("projects/-p/s1.jsonl");
    // Three content blocks of one response; the first carries a placeholder output count.
    write(
        &f,
        &[
            asst(
                "s1",
                "m1",
                Some("r1"),
                "2026-01-09T10:00:00.000Z",
                SONNET,
                usage(4, 1),
                false,
            ),
            asst(
                "s1",
                "m1",
                Some("r1"),
                "2026-01-09T10:00:01.000Z",
                SONNET,
                usage(4, 300),
                false,
            ),
        ],
    );
    assert_eq!(io(&totals(&e)), (4, 300));
    // A later pass brings a bigger copy (the final count): it replaces, never adds.
    append(
        &f,
        &[asst(
            "s1",
            "m1",
            Some("r1"),
            "2026-01-09T10:00:02.000Z",
            SONNET,
            usage(4, 412),
            false,
        )],
    );
    assert_eq!(io(&totals(&e)), (4, 412));
    // The same message in a second file (a copy under ~/.config/claude) is still one.
    write(
        &e.root.join("projects/-q/s1-copy.jsonl"),
        &[asst(
            "s1",
            "m1",
            Some("r1"),
            "2026-01-09T10:00:02.000Z",
            SONNET,
            usage(4, 412),
            false,
        )],
    );
    let t = totals(&e);
    assert_eq!(io(&t), (4, 412));
    assert_eq!(t["requests"], 1);
}

#[test]
fn missing_request_ids_dedupe_on_message_id_and_lines_without_ids_all_count() {
    let e = env();
    write(
        &e.root.join("projects/-p/s.jsonl"),
        &[
            asst(
                "s",
                "m1",
                None,
                "2026-01-09T10:00:00.000Z",
                SONNET,
                usage(10, 5),
                false,
            ),
            asst(
                "s",
                "m1",
                None,
                "2026-01-09T10:00:01.000Z",
                SONNET,
                usage(10, 5),
                false,
            ),
            line(
                json!({"type": "assistant", "sessionId": "s", "timestamp": "2026-01-09T10:01:00.000Z",
                    "message": {"model": SONNET, "usage": usage(1, 1)}}),
            ),
            line(
                json!({"type": "assistant", "sessionId": "s", "timestamp": "2026-01-09T10:02:00.000Z",
                    "message": {"model": SONNET, "usage": usage(1, 1)}}),
            ),
        ],
    );
    assert_eq!(io(&totals(&e)), (12, 7));
    assert_eq!(io(&totals(&e)), (12, 7), "stable across passes");
}

#[test]
fn sidechain_replays_are_dropped_in_either_order_and_subagents_fold_into_the_parent() {
    let parent = asst(
        "s",
        "m1",
        Some("r-parent"),
        "2026-01-09T10:00:00.000Z",
        SONNET,
        json!({"input_tokens": 3, "output_tokens": 10, "cache_read_input_tokens": 9000}),
        false,
    );
    let replay = asst(
        "s",
        "m1",
        Some("r-btw"),
        "2026-01-09T10:05:00.000Z",
        SONNET,
        json!({"input_tokens": 3, "output_tokens": 10, "cache_read_input_tokens": 9000}),
        true,
    );
    let own = asst(
        "s",
        "m-sub",
        Some("r-sub"),
        "2026-01-09T10:06:00.000Z",
        "claude-haiku-4-5-20251001",
        usage(12, 40),
        true,
    );
    for replay_first in [false, true] {
        let e = env();
        let main = e.root.join("projects/-p/s.jsonl");
        let sub = e.root.join("projects/-p/s/subagents/agent-7f3a9c.jsonl");
        if replay_first {
            write(&sub, &[replay.clone(), own.clone()]);
            totals(&e);
            write(&main, std::slice::from_ref(&parent));
        } else {
            write(&main, std::slice::from_ref(&parent));
            write(&sub, &[replay.clone(), own.clone()]);
        }
        let t = totals(&e);
        assert_eq!(io(&t), (15, 50), "replay_first={replay_first}: {t}");
        assert_eq!(t["cache_read_tokens"], 9000);
        let sessions = json_of(&run_ok(&[
            "--db",
            e.db.to_str().unwrap(),
            "report",
            "session",
            "--json",
            "--no-refresh",
        ]));
        assert_eq!(
            sessions["sessions"].as_array().unwrap().len(),
            1,
            "subagents are not separate sessions"
        );
        assert_eq!(sessions["sessions"][0]["session_id"], "s");
    }
}

#[test]
fn synthetic_lines_are_errors_and_old_cost_usd_is_reported_cost() {
    let e = env();
    write(
        &e.root.join("projects/-p/s.jsonl"),
        &[
            line(
                json!({"type": "assistant", "sessionId": "s", "timestamp": "2026-01-09T12:00:00.000Z", "isApiErrorMessage": true,
            "message": {"id": "x", "model": "<synthetic>", "content": [{"type": "text", "text": "Claude AI usage limit reached|1767978000"}],
                        "usage": {"input_tokens": 0, "output_tokens": 0}}}),
            ),
            line(
                json!({"type": "assistant", "sessionId": "s", "timestamp": "2025-06-01T10:00:00.000Z", "requestId": "req_01Old", "costUSD": 0.0123,
            "message": {"id": "msg_01Old", "model": "claude-sonnet-4-20250514",
                        "usage": {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 25, "cache_read_input_tokens": 10}}}),
            ),
        ],
    );
    let t = totals(&e);
    assert_eq!(t["requests"], 1, "the synthetic line is not a request: {t}");
    assert_eq!(t["cost_usd"], json!(0.0123));
    assert!(
        !t["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "<synthetic>")
    );
}

#[test]
fn unknown_models_are_unpriced_never_zero_dollars() {
    let e = env();
    write(
        &e.root.join("projects/-p/s.jsonl"),
        &[
            asst(
                "s",
                "m1",
                Some("r1"),
                "2026-01-09T10:00:00.000Z",
                "acme-llm-9000",
                usage(1000, 100),
                false,
            ),
            asst(
                "s",
                "m2",
                Some("r2"),
                "2026-01-10T10:00:00.000Z",
                SONNET,
                usage(100_000, 0),
                false,
            ),
        ],
    );
    let doc = daily(&e.db, &e.root);
    assert_eq!(doc["daily"][0]["cost_usd"], Value::Null, "{doc}");
    assert_eq!(doc["daily"][0]["unpriced_tokens"], 1100);
    assert_eq!(doc["daily"][1]["cost_usd"], json!(0.3));
    assert_eq!(doc["totals"]["cost_usd"], json!(0.3));
    assert_eq!(doc["totals"]["unpriced_tokens"], 1100);
    let table = run_ok(&[
        "--db",
        e.db.to_str().unwrap(),
        "report",
        "daily",
        "--no-refresh",
        "--tz",
        "UTC",
    ]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("unpriced"), "{text}");
    assert!(
        !text.contains("2026-01-09  1,000     100            0           0  1,100  $0.00"),
        "{text}"
    );
}

#[test]
fn one_hour_cache_writes_and_long_context_tiers_are_priced() {
    let e = env();
    write(
        &e.root.join("projects/-p/s.jsonl"),
        &[
            // Sonnet 4.5: the flat field is ignored when the split is present. 200k 5m + 200k 1h
            // writes are a 400k prompt, so both are at the long-context rates: 200k × $7.50/M +
            // 200k × $12/M = $3.90 (below 200k they would be $3.75 and $6 per million).
            asst(
                "s",
                "m1",
                Some("r1"),
                "2026-01-09T10:00:00.000Z",
                SONNET,
                json!({"input_tokens": 0, "output_tokens": 0,
            "cache_creation_input_tokens": 999_999, "cache_creation": {"ephemeral_5m_input_tokens": 200_000, "ephemeral_1h_input_tokens": 200_000}}),
                false,
            ),
            // Sonnet 4, a 300k prompt: every input token at the long-context $6/M = $1.80.
            asst(
                "s",
                "m2",
                Some("r2"),
                "2026-01-10T10:00:00.000Z",
                "claude-sonnet-4-20250514",
                usage(300_000, 0),
                false,
            ),
        ],
    );
    let doc = daily(&e.db, &e.root);
    assert_eq!(doc["daily"][0]["cost_usd"], json!(3.9), "{doc}");
    assert_eq!(doc["daily"][0]["cache_creation_tokens"], 400_000);
    assert_eq!(doc["daily"][1]["cost_usd"], json!(1.8), "{doc}");
}

#[test]
fn days_follow_the_requested_time_zone_at_midnight() {
    let e = env();
    write(
        &e.root.join("projects/-p/s.jsonl"),
        &[
            asst(
                "s",
                "m1",
                Some("r1"),
                "2026-01-09T23:30:00.000Z",
                SONNET,
                usage(1, 1),
                false,
            ),
            asst(
                "s",
                "m2",
                Some("r2"),
                "2026-01-10T00:30:00.000Z",
                SONNET,
                usage(2, 2),
                false,
            ),
        ],
    );
    daily(&e.db, &e.root);
    let days = |tz: &str| -> Vec<(String, i64)> {
        let doc = json_of(&run_ok(&[
            "--db",
            e.db.to_str().unwrap(),
            "report",
            "daily",
            "--json",
            "--no-refresh",
            "--tz",
            tz,
        ]));
        doc["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["date"].as_str().unwrap().to_string(),
                    d["input_tokens"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        days("UTC"),
        vec![("2026-01-09".into(), 1), ("2026-01-10".into(), 2)]
    );
    assert_eq!(days("Europe/Berlin"), vec![("2026-01-10".into(), 3)]);
    assert_eq!(days("America/New_York"), vec![("2026-01-09".into(), 3)]);
    let since = json_of(&run_ok(&[
        "--db",
        e.db.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--no-refresh",
        "--tz",
        "Europe/Berlin",
        "--since",
        "2026-01-10",
        "--until",
        "2026-01-10",
    ]));
    assert_eq!(since["totals"]["input_tokens"], 3);
    let bad = bin()
        .args([
            "--db",
            e.db.to_str().unwrap(),
            "report",
            "daily",
            "--no-refresh",
            "--tz",
            "Mars/Olympus",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "an unknown zone is bad usage");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a time zone"));
}

#[test]
fn gemini_last_record_wins_and_a_later_rewind_keeps_stored_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let gemini = tmp.path().join("gemini");
    let chat = gemini.join("tmp/e3b0c442/chats/session-2026-03-02T09-00-6f1c9a2b.jsonl");
    let meta = json!({"sessionId": "6f1c9a2b-0d3e", "projectHash": "e3b0c442", "startTime": "2026-03-02T09:00:00.000Z", "kind": "main"});
    let msg = |id: &str, ts: &str, tokens: Value| {
        line(
            json!({"id": id, "timestamp": ts, "type": "gemini", "model": "gemini-2.5-pro",
        "content": [{"text": "secret"}], "tokens": tokens}),
        )
    };
    let tok = |input: i64, cached: i64, output: i64, thoughts: i64| json!({"input": input, "output": output, "cached": cached, "thoughts": thoughts, "tool": 0, "total": input + output + thoughts});
    write(
        &chat,
        &[
            line(meta),
            msg("m1", "2026-03-02T09:00:10.000Z", Value::Null),
            msg("m1", "2026-03-02T09:00:10.000Z", tok(12840, 9000, 210, 512)),
            msg("m2", "2026-03-02T09:01:00.000Z", tok(100, 0, 10, 0)),
        ],
    );
    let db = tmp.path().join("g.db");
    let report = |db: &Path| {
        json_of(&run_ok(&[
            "--db",
            db.to_str().unwrap(),
            "report",
            "daily",
            "--json",
            "--tz",
            "UTC",
            "--gemini-dir",
            gemini.to_str().unwrap(),
        ]))
    };
    let t = report(&db)["totals"].clone();
    // input = 12840 − 9000 cached; output includes the 512 thinking tokens.
    assert_eq!(
        (
            t["input_tokens"].as_i64(),
            t["cache_read_tokens"].as_i64(),
            t["output_tokens"].as_i64()
        ),
        (Some(3840 + 100), Some(9000), Some(722 + 10))
    );
    // A later pass: the user rewinds to m2 and the conversation continues. m2 was answered
    // and billed, so it stays counted (docs/accounting.md#gemini-cli).
    append(
        &chat,
        &[
            line(json!({"$rewindTo": "m2"})),
            msg("m3", "2026-03-02T09:02:00.000Z", tok(50, 0, 5, 0)),
        ],
    );
    let t = report(&db)["totals"].clone();
    assert_eq!(
        (t["input_tokens"].as_i64(), t["output_tokens"].as_i64()),
        (Some(3840 + 100 + 50), Some(722 + 10 + 5)),
        "{t}"
    );
    assert_eq!(report(&db)["totals"], t, "stable across passes");
}

#[test]
fn codex_archived_copies_do_not_double_count_and_cumulative_only_events_use_deltas() {
    let tmp = tempfile::tempdir().unwrap();
    let codex = tmp.path().join("codex");
    let name = "rollout-2026-04-01T14-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d10.jsonl";
    let usage = |input: i64, cached: i64, output: i64| json!({"input_tokens": input, "cached_input_tokens": cached, "output_tokens": output, "reasoning_output_tokens": 0, "total_tokens": input + output});
    let lines = [
        line(
            json!({"timestamp": "2026-04-01T14:00:00.000Z", "type": "session_meta", "payload": {"id": "019dc924-30bf-7182-a6a1-5b2f0c8e9d10", "cwd": "/nonexistent/api"}}),
        ),
        line(
            json!({"timestamp": "2026-04-01T14:00:05.000Z", "type": "turn_context", "payload": {"model": "gpt-5.3-codex"}}),
        ),
        line(
            json!({"timestamp": "2026-04-01T14:00:06.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": null}}),
        ),
        line(
            json!({"timestamp": "2026-04-01T14:01:00.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": usage(1000, 400, 100)}}}),
        ),
        line(
            json!({"timestamp": "2026-04-01T14:02:00.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": usage(2500, 1400, 300)}}}),
        ),
        // A repeat of the same cumulative total adds nothing.
        line(
            json!({"timestamp": "2026-04-01T14:02:30.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": usage(2500, 1400, 300)}}}),
        ),
    ];
    write(&codex.join("sessions/2026/04/01").join(name), &lines);
    write(&codex.join("archived_sessions").join(name), &lines);
    let db = tmp.path().join("c.db");
    let doc = json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--tz",
        "UTC",
        "--codex-dir",
        codex.to_str().unwrap(),
    ]));
    let t = &doc["totals"];
    assert_eq!(
        (
            t["input_tokens"].as_i64(),
            t["cache_read_tokens"].as_i64(),
            t["output_tokens"].as_i64()
        ),
        (Some(1100), Some(1400), Some(300)),
        "{doc}"
    );
    assert_eq!(t["requests"], 2);
    assert_eq!(t["models"], json!(["gpt-5.3-codex"]));
}

#[test]
fn config_teams_attribute_local_usage_and_carry_budgets() {
    let e = env();
    write(
        &e.root.join("projects/-p/s.jsonl"),
        &[asst(
            "s",
            "m1",
            Some("r1"),
            "2026-01-09T10:00:00.000Z",
            SONNET,
            usage(7, 1),
            false,
        )],
    );
    let config = e.root.parent().unwrap().join("config.toml");
    std::fs::write(
        &config,
        "[identity]\ndeveloper = \"ana@example.com\"\n[[team]]\nname = \"platform\"\nbudget_usd_month = 500\nmembers = [\"ana@example.com\"]\n",
    )
    .unwrap();
    let out = run_ok(&[
        "--db",
        e.db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "report",
        "team",
        "--json",
        "--claude-dir",
        e.root.to_str().unwrap(),
    ]);
    let doc = json_of(&out);
    assert_eq!(doc["teams"][0]["team"], "platform", "{doc}");
    assert_eq!(doc["teams"][0]["input_tokens"], 7);
    let conn = rusqlite::Connection::open(&e.db).unwrap();
    let budget: i64 = conn
        .query_row(
            "SELECT budget_micro_usd_month FROM teams WHERE name = 'platform'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(budget, 500_000_000);
}

#[test]
fn codex_requests_without_a_model_are_priced_as_gpt_5_and_the_ingest_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let codex = tmp.path().join("codex");
    let usage = |input: i64, output: i64| json!({"input_tokens": input, "cached_input_tokens": 0, "output_tokens": output, "reasoning_output_tokens": 0, "total_tokens": input + output});
    let rollout = codex
        .join("sessions/2026/04/02")
        .join("rollout-2026-04-02T09-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d11.jsonl");
    write(
        &rollout,
        &[
            line(
                json!({"timestamp": "2026-04-02T09:00:00.000Z", "type": "session_meta", "payload": {"id": "019dc924-30bf-7182-a6a1-5b2f0c8e9d11", "cwd": "/nonexistent/api"}}),
            ),
            line(
                json!({"timestamp": "2026-04-02T09:01:00.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": usage(1000, 100)}}}),
            ),
            line(
                json!({"timestamp": "2026-04-02T09:02:00.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": usage(3000, 300)}}}),
            ),
        ],
    );
    let db = tmp.path().join("c.db");
    let ingest = |json: bool| {
        let mut args = vec![
            "--db",
            db.to_str().unwrap(),
            "ingest",
            "--codex-dir",
            codex.to_str().unwrap(),
        ];
        if json {
            args.push("--json");
        }
        run_ok(&args)
    };
    let doc = json_of(&ingest(true));
    let what = "Codex request with no model named in its rollout: priced as gpt-5";
    assert_eq!(doc["assumed_by_kind"][what], 2, "{doc}");
    let lines: Vec<i64> = doc["assumed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 3], "{doc}");
    assert!(
        doc["assumed"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with(".jsonl")
    );

    // Rows already stored are not re-read, so a second pass has nothing to say; a fresh
    // store read in text mode names the assumption and where.
    let again = json_of(&ingest(true));
    assert_eq!(again["assumed"], json!([]), "{again}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let text = String::from_utf8(ingest(false).stdout).unwrap();
    assert!(text.contains(&format!("assumed: 2 × {what}")), "{text}");
    assert!(text.contains(".jsonl:2"), "{text}");

    let doc = json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--tz",
        "UTC",
        "--no-refresh",
    ]));
    assert_eq!(doc["totals"]["models"], json!(["gpt-5"]), "{doc}");
    assert_eq!(doc["totals"]["requests"], 2);
}
