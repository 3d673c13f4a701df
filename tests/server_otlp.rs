//! The OTLP/HTTP receiver over real HTTP on loopback: protobuf and JSON, gzip and chunked
//! bodies, what lands in the store, idempotency, partial success.

mod server_support;

use agentdeck::server::otlp::codec::RpcStatus;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use prost::Message;
use server_support::*;

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";

async fn post(url: &str, content_type: &str, body: Vec<u8>, gzip: bool) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(url).header("content-type", content_type);
    if gzip {
        req = req.header("content-encoding", "gzip");
    }
    req.body(body).send().await.unwrap()
}

#[tokio::test]
async fn protobuf_claude_api_request_becomes_a_reported_cost_request() {
    let t = TestServer::start().await;
    let export = logs(claude_resource(), vec![claude_api_request("sess-1", "req_011A", 1, "Dev@Example.com")]);
    let r = post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], PB);
    let answer = ExportLogsServiceResponse::decode(r.bytes().await.unwrap()).unwrap();
    assert_eq!(answer.partial_success, None);

    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    assert_eq!(t.sql_str("SELECT dedupe_key FROM requests"), "ccreq:req_011A");
    assert_eq!(t.sql_str("SELECT request_id FROM requests"), "req_011A");
    assert_eq!(t.sql_i64("SELECT cost_micro_usd FROM requests"), 48_700);
    assert_eq!(t.sql_str("SELECT cost_source FROM requests"), "reported");
    assert_eq!(t.sql_i64("SELECT cache_read FROM requests"), 113_676);
    assert_eq!(t.sql_str("SELECT developer FROM requests"), "dev@example.com");
    assert_eq!(t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"), 48_700);
    // Unknown developer: team from OTEL_RESOURCE_ATTRIBUTES department=…
    assert_eq!(t.sql_str("SELECT team FROM developers WHERE id = 'dev@example.com'"), "platform");
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn json_export_from_the_reference_shape_is_stored_and_answered_in_json() {
    let t = TestServer::start().await;
    let body = r#"{"resourceLogs":[{"resource":{"attributes":[
       {"key":"service.name","value":{"stringValue":"claude-code"}}]},
      "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code"},
       "logRecords":[{"timeUnixNano":"1767952803120000000",
        "body":{"stringValue":"claude_code.api_request"},
        "attributes":[
         {"key":"event.name","value":{"stringValue":"api_request"}},
         {"key":"event.sequence","value":{"intValue":"7"}},
         {"key":"session.id","value":{"stringValue":"3f0b5d2e"}},
         {"key":"user.email","value":{"stringValue":"dev@example.com"}},
         {"key":"model","value":{"stringValue":"claude-sonnet-4-5-20250929"}},
         {"key":"input_tokens","value":{"intValue":"4"}},
         {"key":"output_tokens","value":{"stringValue":"412"}},
         {"key":"cache_read_tokens","value":{"intValue":113676}},
         {"key":"cost_usd","value":{"doubleValue":0.0487}},
         {"key":"request_id","value":{"stringValue":"req_json"}}]}]}]}]}"#;
    let r = post(&t.url("/v1/logs"), "application/json; charset=utf-8", body.as_bytes().to_vec(), false).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], JSON);
    assert_eq!(r.text().await.unwrap(), "{}");
    assert_eq!(t.sql_i64("SELECT output_tokens FROM requests WHERE dedupe_key = 'ccreq:req_json'"), 412);
    assert_eq!(t.sql_str("SELECT team FROM developers WHERE id = 'dev@example.com'"), "unassigned");
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn gzip_and_chunked_bodies_are_accepted() {
    let t = TestServer::start().await;
    let a = logs(claude_resource(), vec![claude_api_request("s", "req_gz", 1, "a@x.io")]);
    let r = post(&t.url("/v1/logs"), PB, gzip(&a.encode_to_vec()), true).await;
    assert_eq!(r.status(), 200);
    let b = logs(claude_resource(), vec![claude_api_request("s", "req_chunked", 2, "a@x.io")]);
    let (status, _) = post_chunked(t.server.addr, "/v1/logs", PB, &b.encode_to_vec(), 17).await;
    assert_eq!(status, 200);
    let json = serde_json::to_vec(&logs(claude_resource(), vec![claude_api_request("s", "req_gz_json", 3, "a@x.io")])).unwrap();
    let (status, _) = post_chunked(t.server.addr, "/v1/logs", JSON, &json, 64).await;
    assert_eq!(status, 200);
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 3);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_same_export_twice_counts_once() {
    let t = TestServer::start().await;
    let export = logs(
        claude_resource(),
        vec![
            claude_api_request("s", "req_1", 1, "a@x.io"),
            claude_api_request("s", "req_2", 2, "a@x.io"),
            record("claude_code.tool_result", T0_NANOS, vec![s("event.name", "tool_result"), i("event.sequence", 3), s("session.id", "s"), s("tool_name", "Bash"), i("duration_ms", 40), s("success", "true")]),
        ],
    )
    .encode_to_vec();
    for _ in 0..2 {
        assert_eq!(post(&t.url("/v1/logs"), PB, export.clone(), false).await.status(), 200);
    }
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 2);
    assert_eq!(t.sql_i64("SELECT sum(requests) FROM rollups"), 2);
    assert_eq!(t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"), 2 * 48_700);
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'tool_use' AND tool_name = 'Bash' AND duration_ms = 40"), 1);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn records_without_a_session_are_a_partial_success() {
    let t = TestServer::start().await;
    let mut orphan = claude_api_request("s", "req_orphan", 2, "a@x.io");
    orphan.attributes.retain(|kv| kv.key != "session.id");
    let export = logs(claude_resource(), vec![claude_api_request("s", "req_ok", 1, "a@x.io"), orphan]);
    let r = post(&t.url("/v1/logs"), JSON, serde_json::to_vec(&export).unwrap(), false).await;
    assert_eq!(r.status(), 200);
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["partialSuccess"]["rejectedLogRecords"], serde_json::json!(1));
    assert!(answer["partialSuccess"]["errorMessage"].as_str().unwrap().contains("session.id"));
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    t.server.shutdown().await.unwrap();
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
    let codex_tool = record("", T0_NANOS, vec![s("event.name", "codex.tool_result"), s("conversation.id", "conv-1"), s("tool_name", "shell"), s("call_id", "c1"), s("arguments", "rm -rf SECRET"), i("duration_ms", 9), s("success", "true")]);
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
            i("status_code", 200),
        ],
    );
    let gemini_tool = record("", T0_NANOS, vec![s("event.name", "gemini_cli.tool_call"), s("session.id", "g-1"), s("function_name", "read_file"), s("decision", "accept"), i("duration_ms", 5), s("success", "true")]);
    let export = logs(vec![s("service.name", "codex_cli_rs")], vec![codex_completed("trace_safe"), codex_completed("log_only"), codex_tool, gemini, gemini_tool]);
    assert_eq!(post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false).await.status(), 200);

    assert_eq!(t.sql_i64("SELECT count(*) FROM requests WHERE agent = 'codex'"), 1, "Codex's two copies count once");
    assert_eq!(t.sql_i64("SELECT input_tokens FROM requests WHERE agent = 'codex'"), 400);
    assert_eq!(t.sql_i64("SELECT cache_read FROM requests WHERE agent = 'codex'"), 600);
    assert_eq!(t.sql_i64("SELECT reasoning_tokens FROM requests WHERE agent = 'codex'"), 20);
    assert_eq!(t.sql_i64("SELECT input_tokens FROM requests WHERE agent = 'gemini'"), 200);
    assert_eq!(t.sql_i64("SELECT output_tokens FROM requests WHERE agent = 'gemini'"), 50);
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'tool_use' AND tool_name IN ('shell', 'read_file')"), 2);
    assert_eq!(t.sql_str("SELECT developer FROM sessions WHERE session_key = 'g-1'"), "gm@x.io");
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn claude_events_become_timeline_events() {
    let t = TestServer::start().await;
    let base = |name: &str, seq: i64, mut extra: Vec<opentelemetry_proto::tonic::common::v1::KeyValue>| {
        let mut a = vec![s("event.name", name), i("event.sequence", seq), s("session.id", "s-ev"), s("user.email", "e@x.io")];
        a.append(&mut extra);
        record(&format!("claude_code.{name}"), T0_NANOS + seq as u64, a)
    };
    let export = logs(
        claude_resource(),
        vec![
            base("user_prompt", 1, vec![i("prompt_length", 42), s("prompt", "SECRET")]),
            base("api_error", 2, vec![i("status_code", 529), s("error", "Overloaded"), i("duration_ms", 800)]),
            base("tool_decision", 3, vec![s("tool_name", "Edit"), s("decision", "reject"), s("source", "user_reject")]),
            base("permission_mode_changed", 4, vec![]),
        ],
    );
    assert_eq!(post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false).await.status(), 200);
    assert_eq!(t.sql_str("SELECT detail FROM events WHERE kind = 'prompt'"), "42");
    assert_eq!(t.sql_i64("SELECT status_code FROM events WHERE kind = 'api_error'"), 529);
    assert_eq!(t.sql_str("SELECT decision FROM events WHERE kind = 'tool_decision'"), "reject");
    assert_eq!(t.sql_i64("SELECT count(*) FROM events"), 3, "unknown events are accepted, not stored");
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
            sum_metric("claude_code.commit.count", 1, vec![(T0_NANOS - 60, T0_NANOS, 2, who())]),
            sum_metric("claude_code.lines_of_code.count", 1, vec![(T0_NANOS - 60, T0_NANOS, 120, loc.clone())]),
            sum_metric("claude_code.token.usage", 1, vec![(T0_NANOS - 60, T0_NANOS, 999, who())]),
        ],
    );
    for _ in 0..2 {
        let r = post(&t.url("/v1/metrics"), PB, delta.encode_to_vec(), false).await;
        assert_eq!(r.status(), 200);
        assert_eq!(ExportMetricsServiceResponse::decode(r.bytes().await.unwrap()).unwrap().partial_success, None);
    }
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'commit'"), 2, "a re-sent delta export counts once");
    assert_eq!(t.sql_i64("SELECT sum(value) FROM telemetry_counters WHERE metric = 'lines_of_code.added'"), 120);

    // Cumulative PR counter: 1, then 3 (same start) → 3 PRs; then a restart (new start) at 1 → 4.
    let start = T0_NANOS - 1_000;
    for (time, start, value) in [(T0_NANOS, start, 1), (T0_NANOS + 60, start, 3), (T0_NANOS + 60, start, 3), (T0_NANOS + 120, start + 500, 1)] {
        let m = metrics(claude_resource(), vec![sum_metric("claude_code.pull_request.count", 2, vec![(start, time, value, who())])]);
        assert_eq!(post(&t.url("/v1/metrics"), JSON, serde_json::to_vec(&m).unwrap(), false).await.status(), 200);
    }
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'pr'"), 4);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn traces_are_accepted() {
    let t = TestServer::start().await;
    let r = post(&t.url("/v1/traces"), JSON, br#"{"resourceSpans":[]}"#.to_vec(), false).await;
    assert_eq!(r.status(), 200);
    let r = post(&t.url("/v1/traces"), PB, Vec::new(), false).await;
    assert_eq!(r.status(), 200);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn failure_bodies_are_google_rpc_status_in_the_request_encoding() {
    let t = TestServer::start().await;
    let r = post(&t.url("/v1/logs"), PB, vec![0xff, 0xff, 0xff, 0x07, 0x01], false).await;
    assert_eq!(r.status(), 400);
    let status = RpcStatus::decode(r.bytes().await.unwrap()).unwrap();
    assert_eq!(status.code, 3);
    assert!(status.message.contains("protobuf"));
    let r = post(&t.url("/v1/logs"), JSON, b"{\"resourceLogs\": [".to_vec(), false).await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("JSON"));
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn json_envelopes_posted_to_the_base_url_are_routed_by_signal() {
    let t = TestServer::start().await;
    let export = logs(claude_resource(), vec![claude_api_request("root", "req_root", 1, "r@x.io")]);
    let r = post(&t.url("/"), JSON, gzip(&serde_json::to_vec(&export).unwrap()), true).await;
    assert_eq!(r.status(), 200);
    let m = metrics(claude_resource(), vec![sum_metric("claude_code.commit.count", 1, vec![(1, T0_NANOS, 1, vec![s("session.id", "root")])])]);
    assert_eq!(post(&t.url("/"), JSON, serde_json::to_vec(&m).unwrap(), false).await.status(), 200);
    assert_eq!(post(&t.url("/"), PB, export.encode_to_vec(), false).await.status(), 404);
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'commit'"), 1);
    t.server.shutdown().await.unwrap();
}
