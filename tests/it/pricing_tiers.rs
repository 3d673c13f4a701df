//! Long-context tiers per request on every path that prices (docs/accounting.md#prices-and-tiers):
//! Claude Code, Codex and Gemini CLI files through `agentdeck ingest`, and Codex / Gemini
//! telemetry through the team server's OTLP receiver. A request whose whole prompt is
//! above the model's threshold pays the long-context rate for every token, output
//! included; one token less and it pays the base rates. Expected costs are written out
//! as tokens × $/M rate (= micro-USD).

use crate::common;
use crate::server_support;

use common::*;
use prost::Message;
use serde_json::{Value, json};
use server_support::*;
use std::path::Path;

fn write(path: &Path, records: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn claude(msg: &str, ts: &str, input: i64, writes: i64, read: i64, output: i64) -> Value {
    json!({"type": "assistant", "sessionId": "s-long", "timestamp": ts, "requestId": format!("r-{msg}"),
           "cwd": "/nonexistent/acme", "message": {"id": msg, "model": "claude-sonnet-4-5-20250929",
           "usage": {"input_tokens": input, "output_tokens": output,
                     "cache_creation_input_tokens": writes, "cache_read_input_tokens": read}}})
}

fn codex_count(ts: &str, input: i64, cached: i64, output: i64) -> Value {
    let u = json!({"input_tokens": input, "cached_input_tokens": cached, "output_tokens": output,
                   "reasoning_output_tokens": 0, "total_tokens": input + output});
    json!({"timestamp": ts, "type": "event_msg",
           "payload": {"type": "token_count", "info": {"last_token_usage": u}}})
}

fn gemini(id: &str, ts: &str, input: i64, cached: i64, output: i64) -> Value {
    json!({"id": id, "timestamp": ts, "type": "gemini", "model": "gemini-2.5-pro",
           "tokens": {"input": input, "output": output, "cached": cached, "thoughts": 0, "tool": 0}})
}

/// Cost per day in micro-USD.
fn daily_micro(doc: &Value) -> Vec<(String, i64)> {
    doc["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                (d["cost_usd"].as_f64().unwrap() * 1e6).round() as i64,
            )
        })
        .collect()
}

#[test]
fn every_agents_files_price_a_long_prompt_per_request() {
    let tmp = tempfile::tempdir().unwrap();
    let (claude_dir, codex_dir, gemini_dir) = (
        tmp.path().join("claude"),
        tmp.path().join("codex"),
        tmp.path().join("gemini"),
    );
    // Claude Sonnet 4.5 (threshold 200k):
    // A: 2,000 + 8,000 writes + 195,000 reads = 205k → 2,000×6 + 8,000×7.5 + 195,000×0.6
    //    + 1,000×22.5 = 12,000 + 60,000 + 117,000 + 22,500 = 211,500.
    // B: 1,999 + 8,000 + 190,000 = 199,999 → 1,999×3 + 8,000×3.75 + 190,000×0.3 + 1,000×15
    //    = 5,997 + 30,000 + 57,000 + 15,000 = 107,997.
    write(
        &claude_dir.join("projects/-acme/s-long.jsonl"),
        &[
            claude(
                "a",
                "2026-01-09T10:00:00.000Z",
                2_000,
                8_000,
                195_000,
                1_000,
            ),
            claude(
                "b",
                "2026-01-09T11:00:00.000Z",
                1_999,
                8_000,
                190_000,
                1_000,
            ),
        ],
    );
    // Codex gpt-5.4 (threshold 272k; input includes cached):
    // A: 272,001 = 10,001 + 262,000 cached → 10,001×5 + 262,000×0.5 + 2,000×22.5
    //    = 50,005 + 131,000 + 45,000 = 226,005.
    // B: 272,000 = 10,000 + 262,000 → 10,000×2.5 + 262,000×0.25 + 2,000×15 = 120,500.
    let rollout = "rollout-2026-01-10T09-00-00-019dc924-30bf-7182-a6a1-5b2f0c8e9d11.jsonl";
    write(
        &codex_dir.join("sessions/2026/01/10").join(rollout),
        &[
            json!({"timestamp": "2026-01-10T09:00:00.000Z", "type": "session_meta",
                   "payload": {"id": "019dc924-30bf-7182-a6a1-5b2f0c8e9d11", "cwd": "/nonexistent/acme"}}),
            json!({"timestamp": "2026-01-10T09:00:01.000Z", "type": "turn_context",
                   "payload": {"model": "gpt-5.4"}}),
            codex_count("2026-01-10T09:01:00.000Z", 272_001, 262_000, 2_000),
            codex_count("2026-01-10T09:02:00.000Z", 272_000, 262_000, 2_000),
        ],
    );
    // Gemini 2.5 pro (threshold 200k; input includes cached):
    // A: 200,004 = 50,004 + 150,000 → 50,004×2.5 + 150,000×0.25 + 500×15 = 170,010.
    // B: 200,000 = 50,000 + 150,000 → 62,500 + 18,750 + 5,000 = 86,250.
    write(
        &gemini_dir.join("tmp/abc123/chats/session-2026-01-11T08-00-6a7b8c9d.jsonl"),
        &[
            json!({"sessionId": "6a7b8c9d-long", "projectHash": "abc123", "startTime": "2026-01-11T08:00:00.000Z"}),
            gemini("ga", "2026-01-11T08:01:00.000Z", 200_004, 150_000, 500),
            gemini("gb", "2026-01-11T08:02:00.000Z", 200_000, 150_000, 500),
        ],
    );
    let db = tmp.path().join("t.db");
    let doc = json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--tz",
        "UTC",
        "--claude-dir",
        claude_dir.to_str().unwrap(),
        "--codex-dir",
        codex_dir.to_str().unwrap(),
        "--gemini-dir",
        gemini_dir.to_str().unwrap(),
    ]));
    assert_eq!(
        daily_micro(&doc),
        vec![
            ("2026-01-09".to_string(), 211_500 + 107_997),
            ("2026-01-10".to_string(), 226_005 + 120_500),
            ("2026-01-11".to_string(), 170_010 + 86_250),
        ],
        "{doc}"
    );
}

#[tokio::test]
async fn otlp_usage_is_priced_per_request_by_the_same_rules() {
    let t = TestServer::start().await;
    let export = logs(
        vec![s("service.name", "agentdeck-test")],
        vec![
            // Gemini 2.5 pro, a 250k prompt: 50,000×2.5 + 200,000×0.25 + 1,000×15 = 190,000.
            record(
                "",
                T0_NANOS,
                vec![
                    s("event.name", "gemini_cli.api_response"),
                    s("session.id", "g-long"),
                    s("user.email", "gm@x.io"),
                    s("model", "gemini-2.5-pro"),
                    s("prompt_id", "p-long"),
                    i("input_token_count", 250_000),
                    i("cached_content_token_count", 200_000),
                    i("output_token_count", 1_000),
                    i("status_code", 200),
                ],
            ),
            // Codex gpt-5.4, a 300k prompt: 20,000×5 + 280,000×0.5 + 500×22.5 = 251,250.
            record(
                "",
                T0_NANOS,
                vec![
                    s("event.name", "codex.sse_event"),
                    s("event.kind", "response.completed"),
                    s("event.timestamp", "2026-01-09T10:00:03.120Z"),
                    s("conversation.id", "conv-long"),
                    s("user.email", "cx@x.io"),
                    s("model", "gpt-5.4"),
                    i("input_token_count", 300_000),
                    i("cached_token_count", 280_000),
                    i("output_token_count", 500),
                ],
            ),
        ],
    );
    let status = reqwest::Client::new()
        .post(t.url("/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(export.encode_to_vec())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    assert_eq!(
        t.sql_i64("SELECT cost_micro_usd FROM requests WHERE agent = 'gemini'"),
        190_000
    );
    assert_eq!(
        t.sql_i64("SELECT cost_micro_usd FROM requests WHERE agent = 'codex'"),
        251_250
    );
}
