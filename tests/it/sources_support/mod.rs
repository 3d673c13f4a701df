//! Helpers for the vendor API tests: a store in a temp dir, a spec pointing at a wiremock
//! server on loopback with short retry delays, a fixed clock, and SQL peeks at the rows.
#![allow(dead_code)]

use agentdeck::collect::http::{RetryPolicy, Secret};
use agentdeck::collect::pollers::{ApiKind, ApiSpec};
use agentdeck::store::Store;
use std::time::Duration;

pub struct TestStore {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub path: std::path::PathBuf,
}

pub fn store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(&path).unwrap();
    TestStore {
        _dir: dir,
        store,
        path,
    }
}

pub fn spec(kind: ApiKind, base_url: &str, backfill_days: u32) -> ApiSpec {
    ApiSpec {
        kind,
        base_url: base_url.to_string(),
        key: Some(Secret::new("test-key-not-secret")),
        key_source: "env TEST_KEY (set)".into(),
        problem: None,
        interval: Duration::from_secs(3_600),
        backfill_days,
        org: Some("acme".into()),
        retry: RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(5),
            max_wait: Duration::from_secs(5),
        },
    }
}

/// 2026-03-10T12:00:00Z.
pub const NOW: i64 = 1_773_144_000_000;

/// One scalar from the store (tests only).
pub fn scalar(t: &TestStore, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(&t.path).unwrap();
    conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
        .unwrap()
        .unwrap_or(0)
}

/// Rows of a query as strings joined by `|` (tests only).
pub fn rows(t: &TestStore, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(&t.path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(v) => String::from_utf8_lossy(v).into_owned(),
                rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Requests the server received on `path`.
pub async fn hits(server: &wiremock::MockServer, path: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == path)
        .collect()
}

pub fn query(r: &wiremock::Request, key: &str) -> Option<String> {
    r.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
