//! The PostgreSQL backend against a real server (.ci/test starts one and sets
//! AGENTDECK_TEST_POSTGRES_URL; without it these tests say so and do nothing). Each test
//! gets its own database. Same behaviour as SQLite: idempotent exports, cross-source
//! dedupe, roles on sync, versioned migrations, two servers sharing one database.

use crate::server_support;

use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, TokenUsage};
use agentdeck::pricing::PriceTable;
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::server::backend::{Backend, Database};
use agentdeck::server::members::member;
use agentdeck::server::{RunningServer, ServerConfig, start};
use agentdeck::store::queries::server_db::NewToken;
use prost::Message;
use server_support::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// A fresh database on the test server, or `None` when no server was provided.
async fn fresh_database() -> Option<String> {
    let Ok(admin_url) = std::env::var("AGENTDECK_TEST_POSTGRES_URL") else {
        eprintln!(
            "AGENTDECK_TEST_POSTGRES_URL is not set: skipping (bash .ci/test starts PostgreSQL)"
        );
        return None;
    };
    let name = format!(
        "agentdeck_t{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let (client, conn) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    Some(format!("{base}/{name}"))
}

pub(crate) async fn serve(url: &str) -> RunningServer {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::Postgres(url.to_string()),
        limits: Default::default(),
        tls: None,
        org_totals: Default::default(),
    };
    start(config, PriceTable::builtin(), std::future::pending())
        .await
        .unwrap()
}

pub(crate) async fn query_i64(url: &str, sql: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client.query_one(sql, &[]).await.unwrap().get(0)
}

pub(crate) async fn send(addr: std::net::SocketAddr, body: Vec<u8>, bearer: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn exports_land_once_with_rollups_and_two_servers_share_the_database() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let a = serve(&url).await;
    let b = serve(&url).await;
    let export = logs(
        claude_resource(),
        (0..50)
            .map(|k| claude_api_request("pg", &format!("req_pg_{k}"), k, "pg@x.io"))
            .collect(),
    )
    .encode_to_vec();
    assert_eq!(send(a.addr, export.clone(), None).await, 200);
    assert_eq!(send(b.addr, export.clone(), None).await, 200);
    assert_eq!(send(a.addr, export, None).await, 200);
    assert_eq!(query_i64(&url, "SELECT count(*) FROM requests").await, 50);
    assert_eq!(
        query_i64(&url, "SELECT sum(requests)::BIGINT FROM rollups").await,
        50
    );
    assert_eq!(
        query_i64(&url, "SELECT sum(cost_micro_usd)::BIGINT FROM rollups").await,
        50 * 48_700
    );
    assert_eq!(
        query_i64(&url, "SELECT sum(requests)::BIGINT FROM sessions").await,
        50
    );
    assert_eq!(
        query_i64(
            &url,
            "SELECT count(*) FROM developers WHERE team = 'unassigned'"
        )
        .await,
        1,
        "a first sighting never takes its team from a resource attribute"
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test]
async fn transcript_and_telemetry_copies_count_once_in_either_order() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let backend = Backend::open(&Database::Postgres(url.clone()))
        .await
        .unwrap();
    let transcript = |request_id: &str| RequestRecord {
        dedupe_key: RequestKey::parse(&format!("cc:msg_01:{request_id}")).unwrap(),
        agent: Agent::ClaudeCode,
        session_key: "pg".into(),
        ts: 1_767_952_803_120,
        model: Some("claude-sonnet-4-5-20250929".into()),
        usage: TokenUsage {
            input: 4,
            output: 412,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_micro_usd(48_000)),
        developer: "pg@x.io".into(),
        project_id: None,
        sidechain: false,
        message_id: Some("msg_01".into()),
        fast: false,
        ord: 0,
    };
    let batch = |r| agentdeck::store::WriteBatch {
        requests: vec![r],
        ..Default::default()
    };
    backend
        .commit(batch(transcript("req_first")))
        .await
        .unwrap();
    let server = serve(&url).await;
    for id in ["req_first", "req_second"] {
        let export = logs(
            claude_resource(),
            vec![claude_api_request("pg", id, 1, "pg@x.io")],
        );
        assert_eq!(send(server.addr, export.encode_to_vec(), None).await, 200);
    }
    backend
        .commit(batch(transcript("req_second")))
        .await
        .unwrap();
    backend
        .commit(batch(transcript("req_second")))
        .await
        .unwrap();
    // Both copies in one batch, telemetry first: the transcript copy is the one counted.
    let mut telemetry = transcript("req_third");
    telemetry.dedupe_key = RequestKey::parse("ccreq:req_third").unwrap();
    telemetry.cost = Cost::reported(Money::from_micro_usd(99_999));
    let both = agentdeck::store::WriteBatch {
        requests: vec![telemetry, transcript("req_third")],
        ..Default::default()
    };
    backend.commit(both).await.unwrap();
    assert_eq!(
        query_i64(&url, "SELECT sum(requests)::BIGINT FROM sessions").await,
        3
    );
    assert_eq!(query_i64(&url, "SELECT count(*) FROM requests").await, 3);
    assert_eq!(
        query_i64(
            &url,
            "SELECT count(*) FROM requests WHERE dedupe_key LIKE 'cc:%'"
        )
        .await,
        3
    );
    assert_eq!(
        query_i64(&url, "SELECT sum(requests)::BIGINT FROM rollups").await,
        3
    );
    assert_eq!(
        query_i64(&url, "SELECT sum(cost_micro_usd)::BIGINT FROM rollups").await,
        3 * 48_000
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn members_read_only_their_rows_from_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let backend = Backend::open(&Database::Postgres(url.clone()))
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for (role, dev, team) in [
        ("admin", "root@x.io", None),
        ("member", "ann@x.io", Some("platform")),
        ("manager", "lead@x.io", Some("platform")),
    ] {
        let t = generate_token().unwrap();
        backend
            .create_token(
                NewToken {
                    token_hash: hash_token(&t),
                    role,
                    developer: dev.into(),
                    team: team.map(str::to_string),
                    collector: false,
                },
                0,
            )
            .await
            .unwrap();
        tokens.push(t);
    }
    backend
        .set_members(vec![
            member("ann@x.io", "platform", None, None),
            member("bob@x.io", "platform", None, None),
        ])
        .await
        .unwrap();
    let server = serve(&url).await;
    for (session, id, email) in [
        ("s1", "r1", "ann@x.io"),
        ("s2", "r2", "bob@x.io"),
        ("s3", "r3", "eve@y.io"),
    ] {
        let mut resource = claude_resource();
        if email == "eve@y.io" {
            resource.retain(|kv| kv.key != "department");
        }
        let export = logs(resource, vec![claude_api_request(session, id, 1, email)]);
        assert_eq!(
            send(server.addr, export.encode_to_vec(), Some(&tokens[0])).await,
            200
        );
    }
    assert_eq!(send(server.addr, Vec::new(), None).await, 401);
    let sync = |token: String| {
        let url = format!("http://{}/api/v1/sync?cursor=0", server.addr);
        async move {
            let page: serde_json::Value = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut devs: Vec<String> = page["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["developer"].as_str().unwrap().to_string())
                .collect();
            devs.sort();
            // Each developer of the page comes with the team the server knows.
            let teams: Vec<String> = page["developers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    format!(
                        "{} {}",
                        d["id"].as_str().unwrap(),
                        d["team"].as_str().unwrap()
                    )
                })
                .collect();
            (devs, teams)
        }
    };
    assert_eq!(
        sync(tokens[1].clone()).await,
        (vec!["ann@x.io".into()], vec!["ann@x.io platform".into()])
    );
    assert_eq!(
        sync(tokens[2].clone()).await.1,
        vec!["ann@x.io platform", "bob@x.io platform"]
    );
    assert_eq!(
        sync(tokens[0].clone()).await,
        (
            vec!["ann@x.io".into(), "bob@x.io".into(), "eve@y.io".into()],
            vec![
                "ann@x.io platform".into(),
                "bob@x.io platform".into(),
                "eve@y.io unassigned".into()
            ]
        )
    );
    let id = backend.tokens(false).await.unwrap()[1].id;
    assert!(backend.revoke_token(id, 1).await.unwrap());
    assert_eq!(backend.tokens(true).await.unwrap().len(), 3);
    assert_eq!(backend.tokens(false).await.unwrap().len(), 2);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent_and_a_newer_schema_is_refused() {
    let Some(url) = fresh_database().await else {
        return;
    };
    Backend::open(&Database::Postgres(url.clone()))
        .await
        .unwrap();
    Backend::open(&Database::Postgres(url.clone()))
        .await
        .unwrap();
    assert_eq!(
        query_i64(&url, "SELECT count(*) FROM agentdeck_schema").await,
        7
    );
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute("INSERT INTO agentdeck_schema VALUES (99, 0)")
        .await
        .unwrap();
    let err = Backend::open(&Database::Postgres(url)).await.err().unwrap();
    assert!(
        err.to_string().contains("newer than this agentdeck"),
        "{err}"
    );
}

#[tokio::test]
async fn the_server_reconnects_after_its_connections_are_cut() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let server = serve(&url).await;
    let export = |id: &str| {
        logs(
            claude_resource(),
            vec![claude_api_request("rc", id, 1, "rc@x.io")],
        )
        .encode_to_vec()
    };
    assert_eq!(send(server.addr, export("req_before"), None).await, 200);
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let cut: i64 = client
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(cut >= 2, "the server's connections were cut ({cut})");
    // Retry as a client would until the server has reconnected (each miss a 503).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut answers = Vec::new();
    for attempt in 0.. {
        let status = send(server.addr, export("req_after"), None).await;
        answers.push(status);
        if status == 200 || std::time::Instant::now() > deadline {
            break;
        }
        assert_eq!(
            status, 503,
            "attempt {attempt}: a cut connection is a retryable 503"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(answers.last(), Some(&200), "{answers:?}");
    assert_eq!(query_i64(&url, "SELECT count(*) FROM requests").await, 2);
    server.shutdown().await.unwrap();
}
