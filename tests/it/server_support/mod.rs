//! Shared helpers for the server tests: start a real server on loopback over a temp store,
//! build OTLP exports with the opentelemetry-proto types, send raw HTTP (chunked, slow).
#![allow(dead_code)]

pub mod team;

use agentdeck::pricing::PriceTable;
use agentdeck::server::state::Limits;
use agentdeck::server::{RunningServer, ServerConfig, start};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, any_value::Value,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric::Data, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::with_limits(Limits::default()).await
    }

    pub async fn with_limits(limits: Limits) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("team.db");
        Self::on(dir, db, limits).await
    }

    pub async fn on(dir: tempfile::TempDir, db: PathBuf, limits: Limits) -> TestServer {
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: agentdeck::server::backend::Database::Sqlite(db.clone()),
            limits,
            tls: None,
            org_totals: Default::default(),
        };
        let server = start(config, PriceTable::builtin(), std::future::pending())
            .await
            .unwrap();
        TestServer { server, dir, db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    pub fn sql_i64(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    pub fn sql_str(&self, sql: &str) -> String {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

pub fn s(key: &str, v: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

pub fn i(key: &str, v: i64) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::IntValue(v)),
        }),
        ..Default::default()
    }
}

pub fn d(key: &str, v: f64) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::DoubleValue(v)),
        }),
        ..Default::default()
    }
}

pub const T0_NANOS: u64 = 1_767_952_803_120_000_000;

/// A log record with a string body and attributes.
pub fn record(body: &str, time_nanos: u64, attributes: Vec<KeyValue>) -> LogRecord {
    LogRecord {
        time_unix_nano: time_nanos,
        observed_time_unix_nano: time_nanos,
        body: Some(AnyValue {
            value: Some(Value::StringValue(body.into())),
        }),
        attributes,
        ..Default::default()
    }
}

pub fn logs(resource: Vec<KeyValue>, records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "com.anthropic.claude_code".into(),
                    ..Default::default()
                }),
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub fn claude_resource() -> Vec<KeyValue> {
    vec![
        s("service.name", "claude-code"),
        s("service.version", "2.1.220"),
        s("department", "platform"),
    ]
}

/// A Claude Code `api_request` event as the CLI exports it.
pub fn claude_api_request(session: &str, request_id: &str, seq: i64, email: &str) -> LogRecord {
    record(
        "claude_code.api_request",
        T0_NANOS + seq as u64 * 1_000_000,
        vec![
            s("event.name", "api_request"),
            s("event.timestamp", "2026-01-09T10:00:03.120Z"),
            i("event.sequence", seq),
            s("session.id", session),
            s("user.email", email),
            s("model", "claude-sonnet-4-5-20250929"),
            i("input_tokens", 4),
            i("output_tokens", 412),
            i("cache_read_tokens", 113_676),
            i("cache_creation_tokens", 2_241),
            d("cost_usd", 0.0487),
            i("duration_ms", 3120),
            s("request_id", request_id),
            s("speed", "normal"),
        ],
    )
}

pub fn sum_metric(
    name: &str,
    temporality: i32,
    points: Vec<(u64, u64, i64, Vec<KeyValue>)>,
) -> Metric {
    Metric {
        name: name.into(),
        data: Some(Data::Sum(Sum {
            aggregation_temporality: temporality,
            is_monotonic: true,
            data_points: points
                .into_iter()
                .map(|(start, time, value, attributes)| NumberDataPoint {
                    start_time_unix_nano: start,
                    time_unix_nano: time,
                    value: Some(number_data_point::Value::AsInt(value)),
                    attributes,
                    ..Default::default()
                })
                .collect(),
        })),
        ..Default::default()
    }
}

pub fn metrics(resource: Vec<KeyValue>, metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Sends a request over a raw socket with a chunked body; returns (status, body).
pub async fn post_chunked(
    addr: std::net::SocketAddr,
    path: &str,
    content_type: &str,
    body: &[u8],
    chunk: usize,
) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for part in body.chunks(chunk.max(1)) {
        stream
            .write_all(format!("{:x}\r\n", part.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(part).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    parse_response(&response)
}

pub fn parse_response(raw: &[u8]) -> (u16, Vec<u8>) {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body_at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(raw.len());
    (status, raw[body_at..].to_vec())
}
