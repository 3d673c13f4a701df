//! Tokens and roles over real HTTP: tokens are required once any exists, a member sees only
//! their own rows through every endpoint, a manager sees their team, an admin everything;
//! a non-loopback listen without tokens is refused; shutdown finishes accepted requests.

use crate::server_support;

use agentdeck::pricing::PriceTable;
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::server::members::member;
use agentdeck::server::{ServerConfig, ServerError, start};
use agentdeck::store::queries::server_db::{NewToken, ServerDb};
use prost::Message;
use server_support::*;
use std::path::Path;

fn token(db: &Path, role: &'static str, developer: &str, team: Option<&str>) -> String {
    let db = ServerDb::open(db).unwrap();
    let token = generate_token().unwrap();
    db.create_token(
        &NewToken {
            token_hash: hash_token(&token),
            role,
            developer: developer.to_string(),
            team: team.map(str::to_string),
            collector: false,
        },
        0,
    )
    .unwrap();
    token
}

async fn export(
    t: &TestServer,
    bearer: Option<&str>,
    session: &str,
    request_id: &str,
    email: &str,
) -> reqwest::StatusCode {
    let body = logs(
        claude_resource(),
        vec![claude_api_request(session, request_id, 1, email)],
    )
    .encode_to_vec();
    let mut req = reqwest::Client::new()
        .post(t.url("/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    req.send().await.unwrap().status()
}

async fn sync(t: &TestServer, bearer: &str) -> (reqwest::StatusCode, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(t.url("/api/v1/sync?cursor=0"))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

fn developers_in(page: &serde_json::Value) -> Vec<String> {
    let mut devs: Vec<String> = ["requests", "sessions"]
        .iter()
        .flat_map(|k| page[k].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["developer"].as_str().map(str::to_string))
        .collect();
    devs.sort();
    devs.dedup();
    devs
}

#[tokio::test]
async fn roles_filter_every_read_and_pin_member_telemetry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    let admin = token(&db, "admin", "root@x.io", None);
    let alice = token(&db, "member", "alice@x.io", Some("platform"));
    let mallory = token(&db, "member", "mallory@x.io", Some("web"));
    let manager = token(&db, "manager", "boss@x.io", Some("platform"));
    // Teams come from the server's directory (`serve members`), never from telemetry.
    ServerDb::open(&db)
        .unwrap()
        .set_members(&[
            member("alice@x.io", "platform", None, None),
            member("bob@x.io", "platform", None, None),
            member("mallory@x.io", "web", None, None),
        ])
        .unwrap();
    let t = TestServer::on(dir, db, Default::default()).await;

    assert_eq!(export(&t, None, "s0", "req_0", "alice@x.io").await, 401);
    assert_eq!(
        export(&t, Some("adk_wrong"), "s0", "req_0", "alice@x.io").await,
        401
    );
    // The collector (admin token) forwards both developers' telemetry; identities come from it.
    assert_eq!(
        export(&t, Some(&admin), "s-alice", "req_a", "alice@x.io").await,
        200
    );
    assert_eq!(
        export(&t, Some(&admin), "s-bob", "req_b", "bob@x.io").await,
        200
    );
    // A member's own agent claims to be bob: the row is still mallory's.
    assert_eq!(
        export(&t, Some(&mallory), "s-mal", "req_m", "bob@x.io").await,
        200
    );
    assert_eq!(
        t.sql_str("SELECT developer FROM requests WHERE dedupe_key = 'ccreq:req_m'"),
        "mallory@x.io"
    );
    // Alice is in team platform (the directory's, not a record's attribute); bob too.
    assert_eq!(
        t.sql_str("SELECT team FROM developers WHERE id = 'alice@x.io'"),
        "platform"
    );

    let (status, page) = sync(&t, &alice).await;
    assert_eq!(status, 200);
    assert_eq!(developers_in(&page), vec!["alice@x.io"]);
    assert!(page["events"].as_array().unwrap().is_empty());
    assert!(
        page["org_daily"].as_array().unwrap().is_empty(),
        "two other developers are too few for org-wide totals (default: 5)"
    );
    assert!(!page.to_string().contains("bob@x.io") && !page.to_string().contains("mallory"));
    // Cursors cannot be used to reach other rows either.
    for cursor in [-1, 1, 2] {
        let r = reqwest::Client::new()
            .get(t.url(&format!(
                "/api/v1/sync?cursor={cursor}&event_cursor=-5&limit=100000"
            )))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        let page: serde_json::Value = r.json().await.unwrap();
        assert!(developers_in(&page).iter().all(|d| d == "alice@x.io"));
    }

    let (_, page) = sync(&t, &manager).await;
    assert_eq!(developers_in(&page), vec!["alice@x.io", "bob@x.io"]);
    let (_, page) = sync(&t, &admin).await;
    assert_eq!(
        developers_in(&page),
        vec!["alice@x.io", "bob@x.io", "mallory@x.io"]
    );

    // Members cannot push rows of others either, and /metrics needs a token.
    let push = serde_json::json!({"sessions": [], "requests": [], "events": []});
    let r = reqwest::Client::new()
        .post(t.url("/api/v1/push"))
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = reqwest::get(t.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 401);
    let r = reqwest::Client::new()
        .get(t.url("/metrics"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "server-wide counts are for admins");
    let r = reqwest::Client::new()
        .get(t.url("/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("agentdeck_records_received_total{source=\"logs\"} 3")
    );
    assert_eq!(reqwest::get(t.url("/healthz")).await.unwrap().status(), 200);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    let tok = token(&db, "admin", "root@x.io", None);
    let _keep = token(&db, "admin", "other@x.io", None);
    let t = TestServer::on(dir, db.clone(), Default::default()).await;
    assert_eq!(sync(&t, &tok).await.0, 200);
    let server_db = ServerDb::open(&db).unwrap();
    let id = server_db.tokens(false).unwrap()[0].id;
    assert!(server_db.revoke_token(id, 1).unwrap());
    assert!(!server_db.revoke_token(id, 2).unwrap());
    // The server caches tokens for a moment: the revoked one stops working within it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while sync(&t, &tok).await.0 != 401 {
        assert!(
            std::time::Instant::now() < deadline,
            "a revoked token still works"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn no_token_is_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    let tok = token(&db, "member", "a@x.io", None);
    let bytes = std::fs::read(&db).unwrap_or_default();
    let wal = std::fs::read(db.with_extension("db-wal")).unwrap_or_default();
    let all = [bytes, wal].concat();
    assert!(!String::from_utf8_lossy(&all).contains(&tok));
}

#[tokio::test]
async fn non_loopback_without_tokens_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        database: agentdeck::server::backend::Database::Sqlite(dir.path().join("team.db")),
        limits: Default::default(),
        tls: None,
        org_totals: Default::default(),
    };
    let err = start(config, PriceTable::builtin(), std::future::pending())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, ServerError::NonLoopbackWithoutTokens(_)));
    assert!(err.to_string().contains("tokens create"));
}

#[tokio::test]
async fn shutdown_finishes_accepted_requests() {
    let t = TestServer::start().await;
    let mut tasks = Vec::new();
    for n in 0..16 {
        let body = logs(
            claude_resource(),
            (0..200)
                .map(|k| claude_api_request("sd", &format!("r{n}_{k}"), k, "s@x.io"))
                .collect(),
        )
        .encode_to_vec();
        let url = t.url("/v1/logs");
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("content-type", "application/x-protobuf")
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    // Shut down while exports are in flight: once the server has started reading them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = reqwest::get(t.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !m.contains("agentdeck_records_received_total{source=\"logs\"} 0") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no export arrived");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let db = t.db.clone();
    t.server.shutdown().await.unwrap();
    let mut accepted = 0;
    for task in tasks {
        if let Ok(200) = task.await.unwrap() {
            accepted += 1;
        }
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        stored,
        accepted * 200,
        "every request answered 200 is in the store"
    );
    assert!(accepted > 0);
}
