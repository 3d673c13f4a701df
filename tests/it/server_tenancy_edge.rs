//! The edge of the server on both backends: numbers and strings out of bounds are refused
//! and named (never stored, so no query can fail on them), a metric point is one counter
//! whatever its value, no byte of a body is read before the token is checked, each token
//! has a request rate, and cumulative counters survive a restart exactly.

use crate::server_support;

use crate::server_tenancy_writes::{T0_MS, pushed_request};
use agentdeck::server::state::Limits;
use serde_json::json;
use server_support::team::*;
use server_support::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn teams(limits: Limits) -> Vec<Team> {
    let mut out = Vec::new();
    for b in each_backend().await {
        out.push(Team::start(b, limits, Default::default()).await);
    }
    out
}

#[tokio::test]
async fn overflowing_numbers_are_refused_by_name_and_sync_keeps_working() {
    for t in teams(Limits::default()).await {
        let with = |id: &str, kv: opentelemetry_proto::tonic::common::v1::KeyValue| {
            let mut r = claude_api_request("S-o", id, 1, ANA);
            r.attributes.retain(|a| a.key != kv.key);
            r.attributes.push(kv);
            r
        };
        let export = logs(
            claude_resource(),
            vec![
                with("req_o1", i("input_tokens", i64::MAX)),
                with("req_o2", d("output_tokens", 1e300)),
                with("req_o3", d("cost_usd", 1e300)),
                with("req_o4", i("cache_read_tokens", -5)),
                with("req_ok", i("input_tokens", 4)),
            ],
        );
        let (status, answer) = t.logs("ana", &export).await;
        assert_eq!(status, 200, "{}", t.label());
        let partial = answer.partial_success.unwrap();
        assert_eq!(partial.rejected_log_records, 4);
        for named in [
            "logRecords[0]: `input_tokens` is larger",
            "logRecords[1]: `output_tokens` is larger",
            "logRecords[2]: `cost_usd` is larger",
            "logRecords[3]: `cache_read_tokens` is negative",
        ] {
            assert!(
                partial.error_message.contains(named),
                "{}: {named} in {}",
                t.label(),
                partial.error_message
            );
        }
        assert_eq!(t.scalar("SELECT count(*) FROM requests").await, 1);
        let pushed = json!({"requests": [
            pushed_request(ANA, "ccreq:req_p1", "claude_code", "S-o", i64::MAX),
            pushed_request(ANA, "ccreq:req_p2", "claude_code", "S-o", -1),
            pushed_request(ANA, "ccreq:req_p3", "claude_code", "S-o", 3),
        ]});
        let (status, answer) = t.push("ana", &pushed).await;
        assert_eq!(status, 200);
        assert_eq!(answer["requests"], 1);
        let refused: Vec<String> = answer["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["key"].as_str().unwrap(),
                    r["reason"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            refused,
            vec![
                "ccreq:req_p1 `output_tokens` is larger than agentdeck accepts",
                "ccreq:req_p2 `output_tokens` is negative"
            ]
        );
        for who in ["ana", "bob", "lead", "admin"] {
            t.sync(who).await; // asserts 200 on every page
        }
        if let agentdeck::server::backend::Database::Sqlite(path) = &t.database {
            let out = crate::common::run_ok(&[
                "--db",
                path.to_str().unwrap(),
                "report",
                "daily",
                "--json",
                "--no-refresh",
                "--tz",
                "UTC",
            ]);
            let daily = crate::common::json_of(&out);
            assert_eq!(daily["totals"]["output_tokens"], 412 + 3);
        }
        t.stop().await;
    }
}

#[tokio::test]
async fn a_metric_point_is_one_counter_whatever_its_value() {
    for t in teams(Limits::default()).await {
        let who = vec![s("user.email", ANA)];
        let export = metrics(
            claude_resource(),
            vec![sum_metric(
                "claude_code.commit.count",
                1,
                vec![(T0_NANOS - 60, T0_NANOS, 1_000_000, who.clone())],
            )],
        );
        assert_eq!(t.metrics("ana", &export).await.0, 200);
        assert_eq!(
            t.scalar("SELECT count(*) FROM telemetry_counters").await,
            1,
            "{}",
            t.label()
        );
        assert_eq!(
            t.scalar("SELECT value FROM telemetry_counters").await,
            1_000_000
        );
        assert_eq!(t.scalar("SELECT count(*) FROM events").await, 1);
        let mut huge = export.clone();
        if let Some(opentelemetry_proto::tonic::metrics::v1::metric::Data::Sum(sum)) =
            huge.resource_metrics[0].scope_metrics[0].metrics[0]
                .data
                .as_mut()
        {
            sum.data_points[0].value = Some(
                opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsDouble(1e300),
            );
            sum.data_points[0].time_unix_nano += 1;
        }
        let (status, answer) = t.metrics("ana", &huge).await;
        assert_eq!(status, 200);
        assert_eq!(answer.partial_success.unwrap().rejected_data_points, 1);
        assert_eq!(t.scalar("SELECT count(*) FROM telemetry_counters").await, 1);
        t.stop().await;
    }
}

#[tokio::test]
async fn long_strings_are_refused_not_stored() {
    for t in teams(Limits::default()).await {
        let long = "x".repeat(1024 * 1024);
        let mut records = Vec::new();
        for key in ["session.id", "user.email", "model", "request_id"] {
            let mut r = claude_api_request("S-l", &format!("req_{key}"), 1, ANA);
            r.attributes.retain(|a| a.key != key);
            r.attributes.push(s(key, &long));
            records.push(r);
        }
        let (status, answer) = t.logs("admin", &logs(claude_resource(), records)).await;
        assert_eq!(status, 200, "{}", t.label());
        let partial = answer.partial_success.unwrap();
        assert_eq!(partial.rejected_log_records, 4, "{}", partial.error_message);
        for key in ["session.id", "user.email", "model", "request_id"] {
            assert!(
                partial
                    .error_message
                    .contains(&format!("`{key}` is longer"))
            );
        }
        assert_eq!(t.scalar("SELECT count(*) FROM requests").await, 0);
        let pushed = json!({"sessions": [{
            "agent": "claude_code", "session_key": long, "source": "x", "developer": ANA,
            "project_id": null, "branch": null, "started_at": T0_MS, "last_activity_at": T0_MS,
            "title": null
        }]});
        let (status, answer) = t.push("ana", &pushed).await;
        assert_eq!((status, answer["sessions"].as_i64()), (200, Some(0)));
        assert_eq!(t.scalar("SELECT count(*) FROM sessions").await, 0);
        t.stop().await;
    }
}

/// Sends only the headers of a request announcing a large body; returns the status the
/// server answers with before any body byte was sent.
async fn headers_only(addr: std::net::SocketAddr, path: &str, bearer: Option<&str>) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = bearer.map_or(String::new(), |b| format!("Authorization: Bearer {b}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-protobuf\r\n{auth}Content-Length: 15728640\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut response))
        .await
        .expect("the server answered before the body arrived")
        .unwrap();
    parse_response(&response[..n]).0
}

#[tokio::test]
async fn no_body_is_read_before_the_token_is_checked() {
    for t in teams(Limits::default()).await {
        for path in ["/v1/logs", "/v1/metrics", "/api/v1/push", "/"] {
            assert_eq!(headers_only(t.server.addr, path, None).await, 401, "{path}");
            assert_eq!(
                headers_only(t.server.addr, path, Some("adk_wrong")).await,
                401
            );
            let revoked = t.tokens["revoked"].clone();
            assert_eq!(
                headers_only(t.server.addr, path, Some(&revoked)).await,
                401,
                "{}: a revoked token is refused from the headers",
                t.label()
            );
        }
        t.stop().await;
    }
}

#[tokio::test]
async fn each_token_has_a_request_rate() {
    let limits = Limits {
        requests_per_second_per_token: 1,
        ..Limits::default()
    };
    for t in teams(limits).await {
        // Twenty requests at once from one token: a burst of two passes, the rest wait.
        let client = reqwest::Client::new();
        let answers = futures_join(
            (0..20)
                .map(|_| {
                    client
                        .get(t.url("/api/v1/sync"))
                        .bearer_auth(&t.tokens["ana"])
                        .send()
                })
                .collect(),
        )
        .await;
        let throttled: Vec<u64> = answers
            .iter()
            .filter(|r| r.status() == 429)
            .map(|r| {
                r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(
            throttled.len() >= 10,
            "{}: {} throttled",
            t.label(),
            throttled.len()
        );
        assert!(
            throttled.iter().all(|w| (1..=2).contains(w)),
            "{throttled:?}"
        );
        let export = logs(
            claude_resource(),
            vec![claude_api_request("S-r", "req_r", 1, BOB)],
        );
        assert_eq!(
            t.logs("bob", &export).await.0,
            200,
            "another token is not slowed"
        );
        t.stop().await;
    }
}

/// Awaits every request at once; returns their responses in order.
async fn futures_join(
    requests: Vec<
        impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
    >,
) -> Vec<reqwest::Response> {
    let handles: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap().unwrap());
    }
    out
}

#[tokio::test]
async fn cumulative_counters_survive_a_restart_exactly() {
    for mut t in teams(Limits::default()).await {
        let point = |start: u64, time: u64, value: i64| {
            let mut attrs = vec![s("user.email", ANA), s("type", "added")];
            attrs.push(s("session.id", "S-c"));
            metrics(
                claude_resource(),
                vec![sum_metric(
                    "claude_code.lines_of_code.count",
                    2,
                    vec![(start, time, value, attrs)],
                )],
            )
        };
        let total = "SELECT CAST(coalesce(sum(value), 0) AS BIGINT) FROM telemetry_counters";
        let start = T0_NANOS - 1_000;
        assert_eq!(t.metrics("ana", &point(start, T0_NANOS, 10)).await.0, 200);
        assert_eq!(t.scalar(total).await, 10);
        t = t.restart().await;
        assert_eq!(t.metrics("ana", &point(start, T0_NANOS, 10)).await.0, 200);
        assert_eq!(
            t.scalar(total).await,
            10,
            "{}: a resend after a restart adds nothing",
            t.label()
        );
        assert_eq!(
            t.metrics("ana", &point(start, T0_NANOS + 60, 15)).await.0,
            200
        );
        assert_eq!(
            t.scalar(total).await,
            15,
            "the difference, not the whole value"
        );
        t = t.restart().await;
        assert_eq!(
            t.metrics("ana", &point(start + 500, T0_NANOS + 120, 4))
                .await
                .0,
            200
        );
        assert_eq!(t.scalar(total).await, 19, "a new start counts from zero");
        t.stop().await;
    }
}

#[tokio::test]
async fn a_stored_row_of_an_unknown_agent_is_skipped_never_relabelled() {
    for t in teams(Limits::default()).await {
        let export = logs(
            claude_resource(),
            vec![claude_api_request("S-u", "req_u", 1, ANA)],
        );
        assert_eq!(t.logs("ana", &export).await.0, 200);
        t.execute("UPDATE sessions SET agent = 'vim' WHERE session_key = 'S-u'")
            .await;
        t.execute("UPDATE requests SET agent = 'vim' WHERE dedupe_key = 'ccreq:req_u'")
            .await;
        let page = t.sync("admin").await; // 200 on every page
        assert!(
            page.requests.is_empty() && page.sessions.is_empty(),
            "{}: not shown as Claude Code: {:?}",
            t.label(),
            page.requests
        );
        t.stop().await;
    }
}
