//! The live simulator on a real store: within a few seconds it appends requests and events
//! stamped "now" to running sessions, and it stops when aborted.

use agentdeck::demo;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_appends_live_sessions() {
    let (_dir, store) = demo::temp_store().unwrap();
    let start = chrono::Utc::now().timestamp_millis();
    let mut changes = store.changes();
    let handle = demo::spawn_simulator(store.clone(), demo::DEFAULT_SEED);
    tokio::time::timeout(Duration::from_secs(5), changes.changed())
        .await
        .unwrap()
        .unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    // Wait (with a generous deadline) until the simulator has written a few live rows.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while one("SELECT count(*) FROM requests") < 2
        || one("SELECT count(*) FROM sessions WHERE session_key LIKE 'live-%'") < 2
        || one("SELECT count(*) FROM events WHERE kind = 'prompt'") < 1
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the simulator wrote too little"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    handle.abort();
    assert!(handle.await.unwrap_err().is_cancelled());

    let requests = one("SELECT count(*) FROM requests");
    assert!(requests >= 2, "{requests} live requests");
    let oldest = one("SELECT min(ts) FROM requests");
    assert!(
        oldest >= start - 1_000,
        "live rows are stamped now: {oldest} vs {start}"
    );
    assert!(one("SELECT count(*) FROM sessions WHERE session_key LIKE 'live-%'") >= 2);
    assert!(one("SELECT count(*) FROM events WHERE kind = 'prompt'") >= 1);
}
