//! The SQLite writer skips look-ups with what it remembers between transactions (sessions
//! it wrote; on a store that started empty, every request identity it stored) and finds a
//! telemetry copy by its key. These tests prove it never answers for rows it did not see:
//! another connection's writes, a rolled-back transaction, both cross-source orders.

use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, SessionRecord, TokenUsage};
use agentdeck::store::{Store, WriteBatch};
use std::path::Path;

const DEV: &str = "dev@example.com";

fn session(key: &str, last_activity_at: i64) -> SessionRecord {
    SessionRecord {
        agent: Agent::ClaudeCode,
        session_key: key.into(),
        source: "test".into(),
        developer: DEV.into(),
        project_id: None,
        branch: None,
        started_at: 1_767_952_800_000,
        last_activity_at,
        title: None,
    }
}

fn request(key: &str, output: i64) -> RequestRecord {
    let dedupe_key = RequestKey::parse(key).unwrap();
    RequestRecord {
        agent: Agent::ClaudeCode,
        dedupe_key,
        session_key: "s1".into(),
        ts: 1_767_952_803_000,
        model: Some("claude-sonnet-4-5-20250929".into()),
        usage: TokenUsage {
            output,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_micro_usd(output)),
        developer: DEV.into(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    }
}

fn requests(requests: Vec<RequestRecord>) -> WriteBatch {
    WriteBatch {
        sessions: vec![session("s1", 1_767_952_803_000)],
        requests,
        ..WriteBatch::default()
    }
}

/// (keys of stored requests, the session's request total, output tokens in the day rollup).
fn stored(db: &Path) -> (Vec<String>, i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT dedupe_key FROM requests ORDER BY dedupe_key")
        .unwrap();
    let keys = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    let session_requests = conn
        .query_row("SELECT coalesce(sum(requests), 0) FROM sessions", [], |r| {
            r.get(0)
        })
        .unwrap();
    let rollup_output = conn
        .query_row(
            "SELECT coalesce(sum(output_tokens), 0) FROM rollups_day",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (keys, session_requests, rollup_output)
}

#[test]
fn a_transcript_copy_replaces_the_telemetry_copy_stored_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let store = Store::open(&db).unwrap();
    let w = store.writer();
    w.apply_blocking(requests(vec![request("ccreq:req_1", 10)]))
        .unwrap();
    let out = w
        .apply_blocking(requests(vec![request("cc:msg_1:req_1", 12)]))
        .unwrap();
    assert_eq!(out.requests_removed, 1, "{out:?}");
    drop(store);
    assert_eq!(stored(&db), (vec!["cc:msg_1:req_1".to_string()], 1, 12));
}

#[test]
fn a_telemetry_copy_of_a_stored_transcript_row_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let store = Store::open(&db).unwrap();
    let w = store.writer();
    w.apply_blocking(requests(vec![request("cc:msg_1:req_1", 12)]))
        .unwrap();
    let out = w
        .apply_blocking(requests(vec![request("ccreq:req_1", 10)]))
        .unwrap();
    assert_eq!(out.requests_duplicate, 1, "{out:?}");
    drop(store);
    assert_eq!(stored(&db), (vec!["cc:msg_1:req_1".to_string()], 1, 12));
}

/// The message-id and request-id indexes hold the id alone (migration 16), so the owner is
/// compared on the rows they give: another owner's row with the same ids is never taken for
/// a copy, while the owner's own provider-length id still is.
#[test]
fn ids_find_only_their_owners_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let store = Store::open(&db).unwrap();
    let w = store.writer();
    let owned_by = |developer: &str, key: &str, message: Option<&str>, sidechain: bool| {
        let mut r = request(key, 12);
        r.developer = developer.into();
        r.message_id = message.map(str::to_string);
        r.sidechain = sidechain;
        r
    };
    let id = "req_011CSaEMeTWfwsYrsL00ppWN";
    w.apply_blocking(requests(vec![
        owned_by(DEV, &format!("cc:msg_1:{id}"), Some("msg_1"), false),
        owned_by("bob@example.com", "cc:msg_2:req_2", Some("msg_2"), false),
    ]))
    .unwrap();
    let out = w
        .apply_blocking(requests(vec![
            // The owner's own telemetry copy: found by request id, counted once.
            owned_by(DEV, &format!("ccreq:{id}"), None, false),
            // Bob's request id and Bob's message id under another owner: new rows.
            owned_by(DEV, "ccreq:req_2", None, false),
            owned_by(DEV, "cc:msg_2:req_3", Some("msg_2"), true),
        ]))
        .unwrap();
    assert_eq!(
        (out.requests_duplicate, out.requests_added),
        (1, 2),
        "{out:?}"
    );
}

#[test]
fn rows_another_connection_stored_are_looked_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let first = Store::open(&db).unwrap();
    // The first writer sees an empty store and starts remembering what it stores.
    first
        .writer()
        .apply_blocking(WriteBatch {
            sessions: vec![session("s0", 1_767_952_800_000)],
            ..WriteBatch::default()
        })
        .unwrap();
    let second = Store::open(&db).unwrap();
    second
        .writer()
        .apply_blocking(requests(vec![request("cc:msg_1:req_1", 12)]))
        .unwrap();
    drop(second);
    let out = first
        .writer()
        .apply_blocking(requests(vec![
            request("ccreq:req_1", 10),
            request("cc:msg_1:req_1", 12),
        ]))
        .unwrap();
    assert_eq!(out.requests_duplicate, 2, "{out:?}");
    drop(first);
    assert_eq!(stored(&db), (vec!["cc:msg_1:req_1".to_string()], 1, 12));
}

#[test]
fn a_session_another_connection_moved_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let first = Store::open(&db).unwrap();
    let batch = |last| WriteBatch {
        sessions: vec![session("s1", last)],
        ..WriteBatch::default()
    };
    first.writer().apply_blocking(batch(2_000)).unwrap();
    let second = Store::open(&db).unwrap();
    second.writer().apply_blocking(batch(9_000)).unwrap();
    drop(second);
    // 5,000 is later than what the first writer last wrote, earlier than what is stored.
    first.writer().apply_blocking(batch(5_000)).unwrap();
    drop(first);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let last: i64 = conn
        .query_row("SELECT last_activity_at FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(last, 9_000);
}

#[test]
fn a_session_of_a_failed_transaction_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let store = Store::open(&db).unwrap();
    let w = store.writer();
    let failing = WriteBatch {
        sessions: vec![session("s1", 1_767_952_803_000)],
        ops: vec![crate::common::refused_op()],
        ..WriteBatch::default()
    };
    assert!(w.apply_blocking(failing).is_err());
    w.apply_blocking(requests(vec![request("cc:msg_1:req_1", 12)]))
        .unwrap();
    drop(store);
    assert_eq!(stored(&db), (vec!["cc:msg_1:req_1".to_string()], 1, 12));
}

/// A store written before migration 17 found requests by their text; the migration gives
/// each stored row the hashes the writer computes (the same keyed hash, in SQL), so every
/// look-up finds them: by key, by request id and by message id. (The unique key the table
/// held is gone, so a hash the writer could not find would store a second copy.)
#[test]
fn rows_stored_before_the_identity_hashes_are_found_by_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let with_message = |key: &str, message: &str, sidechain: bool| {
        let mut r = request(key, 12);
        r.message_id = Some(message.into());
        r.sidechain = sidechain;
        r
    };
    let store = Store::open(&db).unwrap();
    store
        .writer()
        .apply_blocking(requests(vec![
            with_message("cc:msg_1:req_1", "msg_1", false),
            request("ccreq:req_9", 7),
        ]))
        .unwrap();
    drop(store);
    let before = stored(&db);
    crate::common::downgrade::to_version(&db, 16);

    let store = Store::open(&db).unwrap();
    let w = store.writer();
    // The transcript row's telemetry copy (found by request id), then a sidechain replay
    // of its message under another key (found by message id), then both rows again (found
    // by key): none adds anything.
    for batch in [
        vec![request("ccreq:req_1", 10)],
        vec![with_message("cc:msg_1:req_5", "msg_1", true)],
        vec![
            with_message("cc:msg_1:req_1", "msg_1", false),
            request("ccreq:req_9", 7),
        ],
    ] {
        let out = w.apply_blocking(requests(batch)).unwrap();
        assert_eq!(out.requests_added, 0, "{out:?}");
    }
    drop(store);
    assert_eq!(stored(&db), before);
}
