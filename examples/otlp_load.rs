//! Load generator for `agentdeck serve`: sends Claude Code `api_request` log exports
//! (protobuf) over loopback and reports records/s and request latency percentiles.
//! Bounded in count and time; only ever targets loopback.
//!
//!   cargo run --release --example otlp_load -- [--records 200000] [--batch 500] [--concurrency 8]
//!       [--url http://127.0.0.1:4318[,http://127.0.0.1:4319]] [--one-developer-per-export]
//!
//! Without --url it starts its own server on 127.0.0.1 over a temporary store. Several
//! comma-separated URLs (servers sharing one database) get the exports in turn. Records of
//! one export name 40 developers in turn, or with --one-developer-per-export one developer
//! each (as an agent's own exporter sends them).

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use agentdeck::pricing::PriceTable;
use agentdeck::server::state::Limits;
use agentdeck::server::{ServerConfig, start};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use std::time::{Duration, Instant};

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

/// A request id shaped like Anthropic's (`req_011C` and 20 base-62 characters), unique per
/// run and number and, like theirs, in no order: ids that ascend with `n` would let every
/// index of them grow at its end, which real traffic never does.
fn request_id(run: &str, n: usize) -> String {
    let mut x = run.bytes().fold(n as u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = String::from("req_011C");
    for _ in 0..20 {
        // splitmix64 steps: a different, well-mixed value for every (run, n).
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        id.push(char::from(BASE62[((z ^ (z >> 31)) % 62) as usize]));
    }
    id
}

/// `run` makes request ids unique per run, so repeated runs against one server are new rows.
fn export(run: &str, batch_no: usize, size: usize, per_export: bool) -> Vec<u8> {
    let base_nanos: u64 = 1_767_952_803_000_000_000;
    let records = (0..size)
        .map(|k| {
            let n = batch_no * size + k;
            LogRecord {
                time_unix_nano: base_nanos + n as u64 * 1_000_000,
                body: Some(AnyValue {
                    value: Some(Value::StringValue("claude_code.api_request".into())),
                }),
                attributes: vec![
                    kv("event.name", Value::StringValue("api_request".into())),
                    kv("event.sequence", Value::IntValue(n as i64)),
                    kv("session.id", Value::StringValue(format!("load-{}", n % 50))),
                    kv(
                        "user.email",
                        Value::StringValue(format!(
                            "dev{}@example.com",
                            if per_export { batch_no % 40 } else { n % 40 }
                        )),
                    ),
                    kv(
                        "model",
                        Value::StringValue("claude-sonnet-4-5-20250929".into()),
                    ),
                    kv("input_tokens", Value::IntValue(4)),
                    kv("output_tokens", Value::IntValue(412)),
                    kv("cache_read_tokens", Value::IntValue(113_676)),
                    kv("cache_creation_tokens", Value::IntValue(2_241)),
                    kv("cost_usd", Value::DoubleValue(0.0487)),
                    kv("duration_ms", Value::IntValue(3120)),
                    kv("request_id", Value::StringValue(request_id(run, n))),
                ],
                ..Default::default()
            }
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", Value::StringValue("claude-code".into()))],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let records = arg(&args, "--records", 200_000);
    let batch = arg(&args, "--batch", 500).max(1);
    let concurrency = arg(&args, "--concurrency", 8).max(1);
    let per_export = args.iter().any(|a| a == "--one-developer-per-export");
    let given_url = args
        .iter()
        .position(|a| a == "--url")
        .and_then(|i| args.get(i + 1))
        .cloned();

    let dir = tempfile::tempdir()?;
    let (url, server) = match given_url {
        Some(url) => {
            let host = url
                .trim_start_matches("http://")
                .split(['/', ':', ','])
                .next()
                .unwrap_or("");
            anyhow::ensure!(
                ["127.0.0.1", "localhost", "[::1]"].contains(&host) || host.starts_with("127."),
                "the load generator only targets loopback"
            );
            (url, None)
        }
        None => {
            let config = ServerConfig {
                listen: "127.0.0.1:0".parse()?,
                database: agentdeck::server::backend::Database::Sqlite(dir.path().join("load.db")),
                limits: Limits::default(),
                tls: None,
                org_totals: Default::default(),
            };
            let server = start(config, PriceTable::builtin(), std::future::pending()).await?;
            (format!("http://{}", server.addr), Some(server))
        }
    };

    let batches = records.div_ceil(batch);
    let run = format!(
        "{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_millis()
    );
    let bodies: Vec<Vec<u8>> = (0..batches)
        .map(|b| export(&run, b, batch, per_export))
        .collect();
    let client = agentdeck::collect::http::client_builder(Duration::from_secs(30)).build()?;
    let endpoints: Vec<String> = url.split(',').map(|u| format!("{u}/v1/logs")).collect();
    anyhow::ensure!(
        endpoints
            .iter()
            .all(|e| e.starts_with("http://127.") || e.starts_with("http://localhost")),
        "the load generator only targets loopback"
    );
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let bodies = std::sync::Arc::new(bodies);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, endpoints, next, bodies) = (
            client.clone(),
            endpoints.clone(),
            next.clone(),
            bodies.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut throttled = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let endpoint = &endpoints[i % endpoints.len()];
                loop {
                    let t = Instant::now();
                    let r = client
                        .post(endpoint)
                        .header("content-type", "application/x-protobuf")
                        .body(body.clone())
                        .send()
                        .await;
                    match r.map(|r| r.status().as_u16()) {
                        Ok(200) => {
                            latencies.push(t.elapsed());
                            break;
                        }
                        Ok(429 | 503) => {
                            throttled += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        other => {
                            eprintln!("unexpected answer: {other:?}");
                            break;
                        }
                    }
                }
            }
            (latencies, throttled)
        }));
    }
    let mut latencies = Vec::new();
    let mut throttled = 0;
    for w in workers {
        let (l, t) = w.await?;
        latencies.extend(l);
        throttled += t;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} records in {} requests of {batch} over {concurrency} connections: {:.0} records/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {throttled} throttled (429/503) and retried",
        batches * batch,
        latencies.len(),
        (batches * batch) as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    if let Some(server) = server {
        server.shutdown().await?;
        let conn = rusqlite::Connection::open(dir.path().join("load.db"))?;
        let stored: i64 = conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0))?;
        let _ = writeln!(out, "stored requests: {stored}");
    }
    Ok(())
}
