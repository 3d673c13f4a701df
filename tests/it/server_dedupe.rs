//! A Claude Code request seen both in a transcript (`cc:{message.id}:{requestId}`) and in
//! telemetry (`ccreq:{request_id}`) counts once, whichever arrives first; the transcript
//! copy is the one kept (migration 0002's `request_id` column, store/apply.rs).

use crate::server_support;

use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, TokenUsage};
use agentdeck::store::{Store, WriteBatch};
use prost::Message;
use server_support::*;

fn transcript_copy(request_id: &str) -> RequestRecord {
    RequestRecord {
        dedupe_key: RequestKey::parse(&format!("cc:msg_01XYZ:{request_id}")).unwrap(),
        agent: Agent::ClaudeCode,
        session_key: "sess-x".into(),
        ts: 1_767_952_803_120,
        model: Some("claude-sonnet-4-5-20250929".into()),
        usage: TokenUsage {
            input: 4,
            output: 412,
            cache_write_5m: 2_241,
            cache_read: 113_676,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_micro_usd(48_000)),
        developer: "dev@example.com".into(),
        project_id: Some("github.com/acme/api".into()),
        sidechain: false,
        message_id: Some("msg_01XYZ".into()),
        fast: false,
        ord: 10,
    }
}

async fn send_telemetry(t: &TestServer, request_id: &str) {
    let export = logs(
        claude_resource(),
        vec![claude_api_request(
            "sess-x",
            request_id,
            1,
            "dev@example.com",
        )],
    );
    let r = reqwest::Client::new()
        .post(t.url("/v1/logs"))
        .header("content-type", "application/x-protobuf")
        .body(export.encode_to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn transcript_first_then_telemetry_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    {
        let store = Store::open(&db).unwrap();
        let out = store
            .writer()
            .apply(WriteBatch {
                requests: vec![transcript_copy("req_A")],
                ..WriteBatch::default()
            })
            .await
            .unwrap();
        assert_eq!(out.requests_added, 1);
    }
    let t = TestServer::on(dir, db, Default::default()).await;
    send_telemetry(&t, "req_A").await;
    send_telemetry(&t, "req_A").await;
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 1);
    assert_eq!(
        t.sql_str("SELECT dedupe_key FROM requests"),
        "cc:msg_01XYZ:req_A"
    );
    assert_eq!(t.sql_i64("SELECT sum(requests) FROM rollups"), 1);
    assert_eq!(t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"), 48_000);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn telemetry_first_then_transcript_replaces_it() {
    let t = TestServer::start().await;
    send_telemetry(&t, "req_B").await;
    assert_eq!(t.sql_i64("SELECT sum(cost_micro_usd) FROM rollups"), 48_700);
    let db = t.db.clone();
    t.server.shutdown().await.unwrap();

    let store = Store::open(&db).unwrap();
    let out = store
        .writer()
        .apply(WriteBatch {
            requests: vec![transcript_copy("req_B")],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(out.requests_removed, 1, "the telemetry copy gave way");
    let again = store
        .writer()
        .apply(WriteBatch {
            requests: vec![transcript_copy("req_B")],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(again.requests_added, 0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(one("SELECT count(*) FROM requests"), 1);
    assert_eq!(one("SELECT sum(requests) FROM rollups"), 1);
    assert_eq!(one("SELECT sum(cost_micro_usd) FROM rollups"), 48_000);
    assert_eq!(one("SELECT sum(requests) FROM sessions"), 1);
}

#[tokio::test]
async fn different_request_ids_are_different_requests() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team.db");
    {
        let store = Store::open(&db).unwrap();
        store
            .writer()
            .apply(WriteBatch {
                requests: vec![transcript_copy("req_C")],
                ..WriteBatch::default()
            })
            .await
            .unwrap();
    }
    let t = TestServer::on(dir, db, Default::default()).await;
    send_telemetry(&t, "req_D").await;
    assert_eq!(t.sql_i64("SELECT count(*) FROM requests"), 2);
    t.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn both_copies_in_one_batch_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a.db")).unwrap();
    let mut telemetry = transcript_copy("req_E");
    telemetry.dedupe_key = RequestKey::parse("ccreq:req_E").unwrap();
    telemetry.cost = Cost::reported(Money::from_micro_usd(99_999));
    let batch = WriteBatch {
        requests: vec![telemetry.clone(), transcript_copy("req_E"), telemetry],
        ..WriteBatch::default()
    };
    store.writer().apply(batch).await.unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("a.db")).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(one("SELECT count(*) FROM requests"), 1);
    assert_eq!(one("SELECT sum(cost_micro_usd) FROM rollups"), 48_000);
}
