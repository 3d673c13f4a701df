//! A session's tail in the Live view: requests have no index by session (migration 0015),
//! so they are read through the owner's requests within the session's recorded span, and
//! over all the owner's requests only when the span holds fewer than the session has.

use agentdeck::domain::RequestRecord;
use agentdeck::store::{Store, WriteBatch};

const BASE_MS: i64 = 1_767_952_800_000;

fn request(session: &str, n: i64) -> RequestRecord {
    RequestRecord {
        ord: n,
        ..crate::common::stored_request(
            &format!("req_{session}_{n:04}"),
            session,
            BASE_MS + n * 1_000,
            &format!("model-{n}"),
        )
    }
}

fn request_times(store: &Store, session: i64, limit: usize) -> Vec<i64> {
    store
        .reader()
        .unwrap()
        .session_timeline(&[session], limit)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "request")
        .map(|r| r.ts)
        .collect()
}

#[test]
fn a_sessions_tail_is_its_own_newest_requests_even_outside_its_recorded_span() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tail.db");
    let store = Store::open(&db).unwrap();
    // Two sessions of one developer, interleaved in time.
    let requests = (0..40)
        .map(|n| request(if n % 2 == 0 { "a" } else { "b" }, n))
        .collect();
    store
        .writer()
        .apply_blocking(WriteBatch {
            requests,
            ..WriteBatch::default()
        })
        .unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let id_of = |key: &str| -> i64 {
        conn.query_row(
            "SELECT id FROM sessions WHERE session_key = ?1",
            [key],
            |r| r.get(0),
        )
        .unwrap()
    };
    let a = id_of("a");
    let a_times: Vec<i64> = (0..40).step_by(2).map(|n| BASE_MS + n * 1_000).collect();
    assert_eq!(request_times(&store, a, 5), a_times[15..].to_vec());
    assert_eq!(request_times(&store, a, 100), a_times);

    // A recorded span that misses some of the session's requests (it should not happen;
    // if it does, the tail still has every request).
    conn.execute(
        "UPDATE sessions SET started_at = ?2, last_activity_at = ?3 WHERE id = ?1",
        rusqlite::params![a, BASE_MS + 10_000, BASE_MS + 20_000],
    )
    .unwrap();
    assert_eq!(request_times(&store, a, 100), a_times);
    assert_eq!(request_times(&store, a, 5), a_times[15..].to_vec());
}
