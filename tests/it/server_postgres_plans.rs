//! The PostgreSQL write path reaches stored rows by their keys, whatever size the tables had
//! when a write connection first planned its prepared statements: a batch never reads a
//! whole table, so its cost does not grow with the database (the probe for stored copies
//! once became a cached plan that scanned every stored request on every batch). Telemetry
//! rows get no request-id index entry: a transcript copy finds its telemetry copy by key.

use crate::server_postgres::query_i64;
use crate::server_support::team::fresh_postgres;
use crate::server_support::{claude_api_request, claude_resource, logs};
use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, TokenUsage};
use agentdeck::pricing::PriceTable;
use agentdeck::server::backend::{Backend, Database};
use agentdeck::server::{ServerConfig, start};
use agentdeck::store::WriteBatch;
use prost::Message;

#[tokio::test]
async fn batches_read_stored_requests_by_key_not_by_scanning_the_table() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::Postgres(url.clone()),
        limits: Default::default(),
        tls: None,
        org_totals: Default::default(),
    };
    let server = start(config, PriceTable::builtin(), std::future::pending())
        .await
        .unwrap();
    // One export at a time, so each is its own batch: well past the five runs after which
    // PostgreSQL may switch a prepared statement to its cached generic plan.
    let (exports, per_export) = (40, 10);
    let client = reqwest::Client::new();
    for e in 0..exports {
        let records = (0..per_export)
            .map(|k| {
                let n = e * per_export + k;
                claude_api_request(&format!("s{}", n % 3), &format!("req_{n}"), n, "ann@x.io")
            })
            .collect();
        let status = client
            .post(format!("http://{}/v1/logs", server.addr))
            .header("content-type", "application/x-protobuf")
            .body(logs(claude_resource(), records).encode_to_vec())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "export {e}");
    }
    // A telemetry row's request id is part of its key: the request-id column (and its
    // index) holds transcript rows' ids only, as in the SQLite store. (The checks of this
    // test read through indexes, so they add no whole-table scans themselves.)
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute("SET enable_seqscan = off")
        .await
        .unwrap();
    let indexed_ids = "SELECT count(*) FROM requests WHERE request_id IS NOT NULL";
    let count = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(
        count(indexed_ids).await,
        0,
        "telemetry rows got a request-id index entry"
    );
    // Transcript copies of the same requests, one batch at a time on another connection:
    // each finds its telemetry copy by that copy's key and replaces it.
    let owner: String = client
        .query_one("SELECT min(id) FROM developers", &[])
        .await
        .unwrap()
        .get(0);
    let backend = Backend::open(&Database::Postgres(url.clone()))
        .await
        .unwrap();
    for e in 0..exports {
        let requests = (0..per_export)
            .map(|k| transcript_copy(&owner, e * per_export + k))
            .collect();
        let batch = WriteBatch {
            requests,
            ..WriteBatch::default()
        };
        backend.commit(batch).await.unwrap();
    }
    drop(backend);
    assert_eq!(
        count(indexed_ids).await,
        exports * per_export,
        "every transcript row replaced its telemetry copy and carries its request id"
    );
    drop(client);
    // Closing the server's connections makes their backends publish their table statistics.
    server.shutdown().await.unwrap();
    let total = exports * per_export;
    let inserted = "SELECT coalesce(sum(n_tup_ins), 0)::bigint FROM pg_stat_user_tables WHERE relname = 'requests'";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while query_i64(&url, inserted).await < total {
        assert!(
            std::time::Instant::now() < deadline,
            "the statistics never showed the {total} inserted requests"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Rows read by whole-table scans of requests (building its indexes at migration reads
    // none: the table is empty then). Scanning on every batch reads thousands.
    let scanned = query_i64(
        &url,
        "SELECT coalesce(sum(seq_tup_read), 0)::bigint FROM pg_stat_user_tables WHERE relname = 'requests'",
    )
    .await;
    assert!(
        scanned < total,
        "{scanned} stored requests read by whole-table scans while {exports} batches wrote {total}"
    );
    assert_eq!(
        query_i64(&url, "SELECT count(*) FROM requests").await,
        total
    );
}

/// The transcript copy of the `n`th telemetry request of the test above.
fn transcript_copy(owner: &str, n: i64) -> RequestRecord {
    RequestRecord {
        dedupe_key: RequestKey::claude_message(&format!("msg_{n}"), Some(&format!("req_{n}"))),
        agent: Agent::ClaudeCode,
        session_key: format!("s{}", n % 3),
        ts: 1_767_952_803_000 + n,
        model: Some("claude-sonnet-4-5-20250929".into()),
        usage: TokenUsage {
            input: 4,
            output: 412,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_usd(0.01)),
        developer: owner.into(),
        project_id: None,
        sidechain: false,
        message_id: Some(format!("msg_{n}")),
        fast: false,
        ord: n,
    }
}
