//! Hostile and broken input over real HTTP: oversized bodies, gzip bombs, deeply nested
//! JSON, wrong content types, slow clients, overload. Every answer is a status, never a panic,
//! and content attributes never reach the database file.

use crate::server_support;

use agentdeck::server::state::Limits;
use prost::Message;
use server_support::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PB: &str = "application/x-protobuf";

fn small_limits() -> Limits {
    Limits {
        max_body_bytes: 64 * 1024,
        max_decompressed_bytes: 256 * 1024,
        ..Limits::default()
    }
}

async fn post(url: &str, content_type: &str, body: Vec<u8>, gzip: bool) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type);
    if gzip {
        req = req.header("content-encoding", "gzip");
    }
    req.body(body).send().await.unwrap()
}

async fn healthy(t: &TestServer) {
    let r = reqwest::get(t.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn oversized_bodies_get_413_with_and_without_chunking() {
    let t = TestServer::with_limits(small_limits()).await;
    let big = vec![b' '; 200 * 1024];
    assert_eq!(
        post(&t.url("/v1/logs"), "application/json", big.clone(), false)
            .await
            .status(),
        413
    );
    let (status, _) = post_chunked(
        t.server.addr,
        "/v1/logs",
        "application/json",
        &big,
        8 * 1024,
    )
    .await;
    assert_eq!(status, 413);
    healthy(&t).await;
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_decompressed_cap() {
    let t = TestServer::with_limits(small_limits()).await;
    let bomb = gzip(&vec![b' '; 16 * 1024 * 1024]);
    assert!(
        bomb.len() < 64 * 1024,
        "the bomb itself fits the wire limit"
    );
    let r = post(&t.url("/v1/logs"), "application/json", bomb, true).await;
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("decompression"));
    healthy(&t).await;
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn corrupt_gzip_and_deep_nesting_are_400_not_a_crash() {
    let t = TestServer::start().await;
    assert_eq!(
        post(&t.url("/v1/logs"), PB, b"not gzip at all".to_vec(), true)
            .await
            .status(),
        400
    );
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        post(
            &t.url("/v1/logs"),
            "application/json",
            deep_json.into_bytes(),
            false
        )
        .await
        .status(),
        400
    );
    let nested_value = format!(
        r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"body":{}"x"{}}}]}}]}}]}}"#,
        r#"{"kvlistValue":{"values":[{"key":"k","value":"#.repeat(5_000),
        "}]}}".repeat(5_000)
    );
    assert_eq!(
        post(
            &t.url("/v1/logs"),
            "application/json",
            nested_value.into_bytes(),
            false
        )
        .await
        .status(),
        400
    );
    // Protobuf nesting: AnyValue inside AnyValue, far beyond prost's recursion limit.
    let mut nested = opentelemetry_proto::tonic::common::v1::AnyValue::default();
    for _ in 0..300 {
        use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, any_value::Value};
        nested = AnyValue {
            value: Some(Value::ArrayValue(ArrayValue {
                values: vec![nested],
            })),
        };
    }
    let mut rec = record("x", T0_NANOS, vec![]);
    rec.body = Some(nested);
    let deep_pb = logs(vec![], vec![rec]).encode_to_vec();
    assert_eq!(
        post(&t.url("/v1/logs"), PB, deep_pb, false).await.status(),
        400
    );
    healthy(&t).await;
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_content_type_and_encoding_get_415() {
    let t = TestServer::start().await;
    assert_eq!(
        post(&t.url("/v1/logs"), "text/plain", b"hello".to_vec(), false)
            .await
            .status(),
        415
    );
    let r = reqwest::Client::new()
        .post(t.url("/v1/metrics"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = reqwest::Client::new()
        .post(t.url("/v1/logs"))
        .header("content-type", PB)
        .header("content-encoding", "br")
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_slow_client_is_cut_off_with_408() {
    let limits = Limits {
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let t = TestServer::with_limits(limits).await;
    let mut stream = tokio::net::TcpStream::connect(t.server.addr).await.unwrap();
    let head = "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(parse_response(&response).0, 408);
    healthy(&t).await;
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let t = TestServer::with_limits(limits).await;
    let mut stream = tokio::net::TcpStream::connect(t.server.addr).await.unwrap();
    stream
        .write_all(b"POST /v1/logs HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    assert!(closed.is_ok(), "the connection stayed open");
    healthy(&t).await;
    // A stop does not wait for such a connection either.
    let _idle = tokio::net::TcpStream::connect(t.server.addr).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), t.server.shutdown())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn overload_answers_429_with_retry_after_and_loses_nothing_accepted() {
    let limits = Limits {
        queue_capacity: 1,
        ..Limits::default()
    };
    let t = TestServer::with_limits(limits).await;
    let mut tasks = Vec::new();
    for n in 0..48 {
        let records = (0..400)
            .map(|k| claude_api_request("load", &format!("req_{n}_{k}"), k, "l@x.io"))
            .collect();
        let body = logs(claude_resource(), records).encode_to_vec();
        let url = t.url("/v1/logs");
        tasks.push(tokio::spawn(async move {
            let r = post(&url, PB, body, false).await;
            (
                r.status().as_u16(),
                r.headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string()),
            )
        }));
    }
    let mut ok = 0;
    let mut throttled = 0;
    for task in tasks {
        match task.await.unwrap() {
            (200, _) => ok += 1,
            (429, Some(after)) => {
                assert_eq!(after, "1");
                throttled += 1
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert!(throttled > 0, "a full queue must throttle (ok={ok})");
    assert_eq!(
        t.sql_i64("SELECT count(*) FROM requests"),
        ok * 400,
        "every accepted export is stored"
    );
    let metrics = reqwest::get(t.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!("agentdeck_throttled_total {throttled}")),
        "{metrics}"
    );
    assert!(metrics.contains("agentdeck_queue_depth 0"));
    assert!(
        metrics.contains("# TYPE agentdeck_ingest_lag_seconds gauge"),
        "{metrics}"
    );
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn content_attributes_never_reach_the_database_file() {
    let t = TestServer::start().await;
    let secret = |what: &str| format!("SECRET-{what}-7f3a9");
    let mut rec = claude_api_request("priv", "req_priv", 1, "p@x.io");
    rec.attributes.extend([
        s("prompt", &secret("prompt")),
        s("api_request_body", &secret("reqbody")),
        s("api_response_body", &secret("respbody")),
    ]);
    let tool = record(
        "claude_code.tool_result",
        T0_NANOS,
        vec![
            s("event.name", "tool_result"),
            i("event.sequence", 2),
            s("session.id", "priv"),
            s("tool_name", "Bash"),
            s("tool_parameters", &secret("toolparams")),
            s("tool_input", &secret("toolinput")),
            s("error", &secret("error")),
        ],
    );
    let prompt = record(
        "claude_code.user_prompt",
        T0_NANOS,
        vec![
            s("event.name", "user_prompt"),
            i("event.sequence", 3),
            s("session.id", "priv"),
            s("prompt", &secret("prompt2")),
            i("prompt_length", 12),
        ],
    );
    let response = record(
        "claude_code.assistant_response",
        T0_NANOS,
        vec![
            s("event.name", "assistant_response"),
            i("event.sequence", 4),
            s("session.id", "priv"),
            s("response", &secret("response")),
        ],
    );
    let gemini = record(
        "",
        T0_NANOS,
        vec![
            s("event.name", "gemini_cli.tool_call"),
            s("session.id", "g"),
            s("function_name", "write_file"),
            s("function_args", &secret("fnargs")),
        ],
    );
    let export = logs(claude_resource(), vec![rec, tool, prompt, response, gemini]);
    assert_eq!(
        post(&t.url("/v1/logs"), PB, export.encode_to_vec(), false)
            .await
            .status(),
        200
    );
    let json = serde_json::to_vec(&export).unwrap();
    assert_eq!(
        post(&t.url("/v1/logs"), "application/json", json, false)
            .await
            .status(),
        200
    );
    assert_eq!(t.sql_i64("SELECT count(*) FROM events"), 3);
    let db = t.db.clone();
    t.server.shutdown().await.unwrap();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 4096);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("req_priv"), "the metadata is stored");
    assert!(
        !text.contains("SECRET-"),
        "a content attribute reached the database file"
    );
}
