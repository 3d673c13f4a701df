//! How each agent's telemetry maps into the store, over real HTTP on loopback: Codex and
//! Gemini CLI usage, Claude Code timeline events, commit/PR/lines metrics (delta and cumulative).

use crate::server_support;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use prost::Message;
use server_support::*;

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";

async fn post(url: &str, content_type: &str, body: Vec<u8>, gzip: bool) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type);
    if gzip {
        req = req.header("content-encoding", "gzip");
    }
    req.body(body).send().await.unwrap()
}

#[tokio::test]
async fn codex_and_gemini_usage_and_events_are_mapped() {
    let t = TestServer::start().await;
    let codex_completed = |copy: &str| {
        record(
            "",
            T0_NANOS,
            vec![
                s("event.name", "codex.sse_event"),
                s("event.kind", "response.completed"),
                s("event.timestamp", "2026-01-09T10:00:03.120Z"),
                s("conversation.id", "conv-1"),
                s("user.email", "cx@x.io"),
                s("model", "gpt-5-codex"),
                i("input_token_count", 1000),
                i("cached_token_count", 600),
                i("output_token_count", 50),
                i("reasoning_token_count", 20),
                s("copy", copy),
            ],
        )
    };
    let codex_tool = record(
        "",
        T0_NANOS,
        vec![
            s("event.name", "codex.tool_result"),
            s("conversation.id", "conv-1"),
            s("tool_name", "shell"),
            s("call_id", "c1"),
            s("arguments", "rm -rf SECRET"),
            i("duration_ms", 9),
            s("success", "true"),
        ],
    );
    let gemini = record(
        "",
        T0_NANOS,
        vec![
            s("event.name", "gemini_cli.api_response"),
            s("session.id", "g-1"),
            s("user.email", "gm@x.io"),
            s("model", "gemini-2.5-pro"),
            s("prompt_id", "p1"),
            i("input_token_count", 300),
            i("cached_content_token_count", 100),
            i("output_token_count", 40),
            i("thoughts_token_count", 10),
            // Tool-use prompt tokens are billed as input, as in the chat files.
            i("tool_token_count", 7),
            i("status_code", 200),
        ],
    );
    let gemini_tool = record(
        "",
        T0_NANOS,
        vec![
            s("event.name", "gemini_cli.tool_call"),
            s("session.id", "g-1"),
            s("user.email", "gm@x.io"),
            s("function_name", "read_file"),
            s("decision", "accept"),
            i("duration_ms", 5),
            s("success", "true"),
        ],
    );
    let export = logs(
        vec![s("service.name", "codex_cli_rs")],
        vec![
            codex_completed("trace_safe"),
            codex_completed("log_only"),
            codex_tool,
            gemini,
            gemini_tool,
        ],
    );
    assert_eq!(
        post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false)
            .await
            .status(),
        200
    );

    assert_eq!(
        t.sql_i64("SELECT count(*) FROM requests WHERE agent = 'codex'"),
        1,
        "Codex's two copies count once"
    );
    assert_eq!(
        t.sql_i64("SELECT input_tokens FROM requests WHERE agent = 'codex'"),
        400
    );
    assert_eq!(
        t.sql_i64("SELECT cache_read FROM requests WHERE agent = 'codex'"),
        600
    );
    assert_eq!(
        t.sql_i64("SELECT reasoning_tokens FROM requests WHERE agent = 'codex'"),
        20
    );
    assert_eq!(
        t.sql_i64("SELECT input_tokens FROM requests WHERE agent = 'gemini'"),
        207,
        "uncached input plus tool-use prompt tokens, the same rule as the chat files"
    );
    assert_eq!(
        agentdeck::domain::tokens::gemini_usage(agentdeck::domain::tokens::GeminiTokens {
            input: 300,
            cached: 100,
            output: 40,
            thoughts: 10,
            tool: 7,
        })
        .input,
        207
    );
    assert_eq!(
        t.sql_i64("SELECT output_tokens FROM requests WHERE agent = 'gemini'"),
        50
    );
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'tool_use' AND tool_name IN ('shell', 'read_file')"), 2);
    assert_eq!(
        t.sql_str("SELECT developer FROM sessions WHERE session_key = 'g-1'"),
        "gm@x.io"
    );
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn claude_events_become_timeline_events() {
    let t = TestServer::start().await;
    let base =
        |name: &str, seq: i64, mut extra: Vec<opentelemetry_proto::tonic::common::v1::KeyValue>| {
            let mut a = vec![
                s("event.name", name),
                i("event.sequence", seq),
                s("session.id", "s-ev"),
                s("user.email", "e@x.io"),
            ];
            a.append(&mut extra);
            record(&format!("claude_code.{name}"), T0_NANOS + seq as u64, a)
        };
    let export = logs(
        claude_resource(),
        vec![
            base(
                "user_prompt",
                1,
                vec![i("prompt_length", 42), s("prompt", "SECRET")],
            ),
            base(
                "api_error",
                2,
                vec![
                    i("status_code", 529),
                    s("error", "Overloaded"),
                    i("duration_ms", 800),
                ],
            ),
            base(
                "tool_decision",
                3,
                vec![
                    s("tool_name", "Edit"),
                    s("decision", "reject"),
                    s("source", "user_reject"),
                ],
            ),
            base("permission_mode_changed", 4, vec![]),
        ],
    );
    assert_eq!(
        post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false)
            .await
            .status(),
        200
    );
    assert_eq!(
        t.sql_str("SELECT detail FROM events WHERE kind = 'prompt'"),
        "42"
    );
    assert_eq!(
        t.sql_i64("SELECT status_code FROM events WHERE kind = 'api_error'"),
        529
    );
    assert_eq!(
        t.sql_str("SELECT decision FROM events WHERE kind = 'tool_decision'"),
        "reject"
    );
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM events"),
        3,
        "unknown events are accepted, not stored"
    );
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn commit_pr_and_lines_metrics_with_both_temporalities() {
    let t = TestServer::start().await;
    let who = || vec![s("session.id", "m-1"), s("user.email", "m@x.io")];
    let mut loc = who();
    loc.push(s("type", "added"));
    let delta = metrics(
        claude_resource(),
        vec![
            sum_metric(
                "claude_code.commit.count",
                1,
                vec![(T0_NANOS - 60, T0_NANOS, 2, who())],
            ),
            sum_metric(
                "claude_code.lines_of_code.count",
                1,
                vec![(T0_NANOS - 60, T0_NANOS, 120, loc.clone())],
            ),
            sum_metric(
                "claude_code.token.usage",
                1,
                vec![(T0_NANOS - 60, T0_NANOS, 999, who())],
            ),
        ],
    );
    for _ in 0..2 {
        let r = post(&t.url("/v1/metrics"), PB, delta.encode_to_vec(), false).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            ExportMetricsServiceResponse::decode(r.bytes().await.unwrap())
                .unwrap()
                .partial_success,
            None
        );
    }
    assert_eq!(
        t.sql_i64("SELECT sum(value) FROM telemetry_counters WHERE metric = 'commits'"),
        2,
        "a re-sent delta export counts once"
    );
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM events WHERE kind = 'commit'"),
        1,
        "one point marks the timeline once, whatever its value"
    );
    assert_eq!(
        t.sql_str("SELECT detail FROM events WHERE kind = 'commit'"),
        "2"
    );
    assert_eq!(
        t.sql_i64("SELECT sum(value) FROM telemetry_counters WHERE metric = 'lines_of_code.added'"),
        120
    );

    // Cumulative PR counter: 1, then 3 (same start) → 3 PRs; then a restart (new start) at 1 → 4.
    let start = T0_NANOS - 1_000;
    for (time, start, value) in [
        (T0_NANOS, start, 1),
        (T0_NANOS + 60, start, 3),
        (T0_NANOS + 60, start, 3),
        (T0_NANOS + 120, start + 500, 1),
    ] {
        let m = metrics(
            claude_resource(),
            vec![sum_metric(
                "claude_code.pull_request.count",
                2,
                vec![(start, time, value, who())],
            )],
        );
        assert_eq!(
            post(
                &t.url("/v1/metrics"),
                JSON,
                serde_json::to_vec(&m).unwrap(),
                false
            )
            .await
            .status(),
            200
        );
    }
    assert_eq!(
        t.sql_i64("SELECT sum(value) FROM telemetry_counters WHERE metric = 'pull_requests'"),
        4
    );
    t.server.shutdown().await.unwrap();
}
