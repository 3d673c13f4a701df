//! The durability trade-off an operator may choose on PostgreSQL (docs/server.md,
//! "Performance"): `synchronous_commit` set through the connection URL reaches the server's
//! connections, and a `serve` on such a URL stores exports as usual. Without the option
//! every acknowledged export is durable (the PostgreSQL default is kept).

use crate::server_postgres::{query_i64, send, serve};
use crate::server_support::team::fresh_postgres;
use crate::server_support::{claude_api_request, claude_resource, logs};
use prost::Message;

#[tokio::test]
async fn synchronous_commit_off_is_taken_from_the_url_and_exports_are_stored() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let relaxed = format!("{url}?options=-c%20synchronous_commit%3Doff");
    let (client, conn) = tokio_postgres::connect(&relaxed, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let setting: String = client
        .query_one("SHOW synchronous_commit", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(setting, "off");
    let server = serve(&relaxed).await;
    let records = (0..5)
        .map(|n| claude_api_request("s1", &format!("req_{n}"), n, "ann@x.io"))
        .collect();
    let body = logs(claude_resource(), records).encode_to_vec();
    assert_eq!(send(server.addr, body, None).await, 200);
    server.shutdown().await.unwrap();
    assert_eq!(query_i64(&url, "SELECT count(*) FROM requests").await, 5);
}
