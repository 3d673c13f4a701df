//! The PostgreSQL write path reaches stored rows by their keys, whatever size the tables had
//! when a write connection first planned its prepared statements: a batch never reads a
//! whole table, so its cost does not grow with the database (the probe for stored copies
//! once became a cached plan that scanned every stored request on every batch).

use crate::server_postgres::query_i64;
use crate::server_support::team::fresh_postgres;
use crate::server_support::{claude_api_request, claude_resource, logs};
use agentdeck::pricing::PriceTable;
use agentdeck::server::backend::Database;
use agentdeck::server::{ServerConfig, start};
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
