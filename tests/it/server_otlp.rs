//! The OTLP/HTTP receiver over real HTTP on loopback: protobuf and JSON, gzip and chunked
//! bodies, what lands in the store, idempotency, partial success.

use crate::server_support;

use agentdeck::server::otlp::codec::RpcStatus;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
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
async fn protobuf_claude_api_request_becomes_a_reported_cost_request() {
    let t = TestServer::start().await;
    let export = logs(
        claude_resource(),
        vec![claude_api_request(
            "sess-1",
            "req_011A",
            1,
            "Dev@Example.com",
        )],
    );
    let r = post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], PB);
    let answer = ExportLogsServiceResponse::decode(r.bytes().await.unwrap()).unwrap();
    assert_eq!(answer.partial_success, None);

    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    assert_eq!(
        t.sql_str("SELECT dedupe_key FROM requests"),
        "ccreq:req_011A"
    );
    // The request id lives in the key; the request-id column (and its index) holds only
    // transcript rows' ids, which a telemetry copy is matched against.
    assert_eq!(t.sql_i64("SELECT request_id IS NULL FROM requests"), 1);
    assert_eq!(t.sql_i64("SELECT cost_micro_usd FROM requests"), 48_700);
    assert_eq!(t.sql_str("SELECT cost_source FROM requests"), "reported");
    assert_eq!(t.sql_i64("SELECT cache_read FROM requests"), 113_676);
    assert_eq!(
        t.sql_str("SELECT developer FROM requests"),
        "dev@example.com"
    );
    assert_eq!(t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"), 48_700);
    // Unknown developer: never a team from OTEL_RESOURCE_ATTRIBUTES (department=…), only
    // from the directory.
    assert_eq!(
        t.sql_str("SELECT team FROM developers WHERE id = 'dev@example.com'"),
        "unassigned"
    );
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
    let r = post(
        &t.url("/v1/logs"),
        "application/json; charset=utf-8",
        body.as_bytes().to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], JSON);
    assert_eq!(r.text().await.unwrap(), "{}");
    assert_eq!(
        t.sql_i64("SELECT output_tokens FROM requests WHERE dedupe_key = 'ccreq:req_json'"),
        412
    );
    assert_eq!(
        t.sql_str("SELECT team FROM developers WHERE id = 'dev@example.com'"),
        "unassigned"
    );
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn gzip_and_chunked_bodies_are_accepted() {
    let t = TestServer::start().await;
    let a = logs(
        claude_resource(),
        vec![claude_api_request("s", "req_gz", 1, "a@x.io")],
    );
    let r = post(&t.url("/v1/logs"), PB, gzip(&a.encode_to_vec()), true).await;
    assert_eq!(r.status(), 200);
    let b = logs(
        claude_resource(),
        vec![claude_api_request("s", "req_chunked", 2, "a@x.io")],
    );
    let (status, _) = post_chunked(t.server.addr, "/v1/logs", PB, &b.encode_to_vec(), 17).await;
    assert_eq!(status, 200);
    let json = serde_json::to_vec(&logs(
        claude_resource(),
        vec![claude_api_request("s", "req_gz_json", 3, "a@x.io")],
    ))
    .unwrap();
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
            record(
                "claude_code.tool_result",
                T0_NANOS,
                vec![
                    s("event.name", "tool_result"),
                    i("event.sequence", 3),
                    s("session.id", "s"),
                    s("tool_name", "Bash"),
                    i("duration_ms", 40),
                    s("success", "true"),
                ],
            ),
        ],
    )
    .encode_to_vec();
    for _ in 0..2 {
        assert_eq!(
            post(&t.url("/v1/logs"), PB, export.clone(), false)
                .await
                .status(),
            200
        );
    }
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 2);
    assert_eq!(t.sql_i64("SELECT sum(requests) FROM rollups"), 2);
    assert_eq!(
        t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"),
        2 * 48_700
    );
    assert_eq!(t.sql_i64("SELECT count(*) FROM events WHERE kind = 'tool_use' AND tool_name = 'Bash' AND duration_ms = 40"), 1);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn records_without_a_session_are_a_partial_success() {
    let t = TestServer::start().await;
    let mut orphan = claude_api_request("s", "req_orphan", 2, "a@x.io");
    orphan.attributes.retain(|kv| kv.key != "session.id");
    let export = logs(
        claude_resource(),
        vec![claude_api_request("s", "req_ok", 1, "a@x.io"), orphan],
    );
    let r = post(
        &t.url("/v1/logs"),
        JSON,
        serde_json::to_vec(&export).unwrap(),
        false,
    )
    .await;
    assert_eq!(r.status(), 200);
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        answer["partialSuccess"]["rejectedLogRecords"],
        serde_json::json!(1)
    );
    assert!(
        answer["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("session.id")
    );
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn traces_are_accepted() {
    let t = TestServer::start().await;
    let r = post(
        &t.url("/v1/traces"),
        JSON,
        br#"{"resourceSpans":[]}"#.to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post(&t.url("/v1/traces"), PB, Vec::new(), false).await;
    assert_eq!(r.status(), 200);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn failure_bodies_are_google_rpc_status_in_the_request_encoding() {
    let t = TestServer::start().await;
    let r = post(
        &t.url("/v1/logs"),
        PB,
        vec![0xff, 0xff, 0xff, 0x07, 0x01],
        false,
    )
    .await;
    assert_eq!(r.status(), 400);
    let status = RpcStatus::decode(r.bytes().await.unwrap()).unwrap();
    assert_eq!(status.code, 3);
    assert!(status.message.contains("protobuf"));
    let r = post(
        &t.url("/v1/logs"),
        JSON,
        b"{\"resourceLogs\": [".to_vec(),
        false,
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("JSON"));
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn json_envelopes_posted_to_the_base_url_are_routed_by_signal() {
    let t = TestServer::start().await;
    let export = logs(
        claude_resource(),
        vec![claude_api_request("root", "req_root", 1, "r@x.io")],
    );
    let r = post(
        &t.url("/"),
        JSON,
        gzip(&serde_json::to_vec(&export).unwrap()),
        true,
    )
    .await;
    assert_eq!(r.status(), 200);
    let m = metrics(
        claude_resource(),
        vec![sum_metric(
            "claude_code.commit.count",
            1,
            vec![(1, T0_NANOS, 1, vec![s("session.id", "root")])],
        )],
    );
    assert_eq!(
        post(&t.url("/"), JSON, serde_json::to_vec(&m).unwrap(), false)
            .await
            .status(),
        200
    );
    assert_eq!(
        post(&t.url("/"), PB, export.encode_to_vec(), false)
            .await
            .status(),
        404
    );
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM events WHERE kind = 'commit'"),
        1
    );
    t.server.shutdown().await.unwrap();
}
