//! What one commit costs the SQLite store in pages: a team server's export names many
//! sessions, and every page a transaction changes is written to the WAL and later copied
//! into the database. The pages changed must not grow with the number of sessions a batch
//! touches once the store is large (an index by session put each session's new entry on a
//! leaf of its own: one page per session per commit; docs/perf.md).

use agentdeck::store::{Store, WriteBatch};

const SESSIONS: usize = 200;
const BASE_MS: i64 = 1_767_952_800_000;

/// 200 requests, `round` seconds after the first round: one in each session, or all in
/// the first.
fn round(round: usize, spread: bool) -> WriteBatch {
    let requests = (0..SESSIONS)
        .map(|s| {
            let session = if spread { s } else { 0 };
            crate::common::stored_request(
                &format!("req_{round:05}_{s:03}"),
                &format!("session-{session:03}"),
                BASE_MS + round as i64 * 1_000 + s as i64,
                "claude-sonnet-4-5-20250929",
            )
        })
        .collect();
    WriteBatch {
        requests,
        ..WriteBatch::default()
    }
}

/// WAL frames (pages) in the store's `-wal` file.
fn wal_frames(db: &std::path::Path) -> u64 {
    let wal = std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len());
    wal.saturating_sub(32) / (4096 + 24)
}

/// Empties the WAL. The background checkpoint thread may hold the checkpoint lock for a
/// moment; the writer's TRUNCATE checkpoint then reports itself incomplete and is asked
/// again.
fn empty_wal(store: &Store, db: &std::path::Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while wal_frames(db) > 0 {
        store.writer().checkpoint_blocking().unwrap();
        assert!(
            std::time::Instant::now() < deadline,
            "the WAL was never emptied by a TRUNCATE checkpoint"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_commit_touching_many_sessions_writes_few_pages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pages.db");
    let store = Store::open(&db).unwrap();
    let writer = store.writer();
    // 24,000 requests in 200 sessions: an index by session would span far more than 200
    // leaves, each session's newest entries on a page of their own.
    for r in 0..120 {
        writer.apply_blocking(round(r, true)).unwrap();
    }
    let page_size: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page_size, 4096, "the frame count below assumes 4 KiB pages");

    // The same number of new requests, in one session and then in all 200.
    empty_wal(&store, &db);
    writer.apply_blocking(round(120, false)).unwrap();
    let one_session = wal_frames(&db);
    empty_wal(&store, &db);
    writer.apply_blocking(round(121, true)).unwrap();
    let spread = wal_frames(&db);
    // The identity indexes take the same pages either way (their keys are hashes, spread
    // over the whole index); the 200 session rows add a few pages. With an index by session
    // it was over 200 more (one leaf per session touched).
    assert!(
        spread <= one_session + (SESSIONS / 8) as u64,
        "one commit of {SESSIONS} requests wrote {spread} pages in {SESSIONS} sessions, \
         {one_session} in one"
    );
}
