//! The store on disk after `ingest` exits is the database file alone: the pass ends with a
//! WAL checkpoint that truncates the `-wal` file (docs/perf.md, store size), so a bulk
//! ingest does not leave its whole write history beside the database.

use crate::common::{assistant_line, claude_project, run_ok};

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn ingest_leaves_no_wal_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("claude");
    let project = claude_project(&root, "-home-dev-api");
    // Enough distinct requests that the pass writes megabytes of pages to the WAL.
    let mut lines = String::new();
    for i in 0..4_000 {
        let ts = format!(
            "2026-01-{:02}T{:02}:{:02}:00.000Z",
            1 + i % 28,
            i % 24,
            i % 60
        );
        let msg = format!("msg_{i:05}");
        let req = format!("req_{i:05}");
        lines.push_str(&assistant_line("s1", &msg, Some(&req), &ts, 100, 50, 9_000));
        lines.push('\n');
    }
    std::fs::write(project.join("s1.jsonl"), &lines).unwrap();
    let db = dir.path().join("store.db");
    let wal = dir.path().join("store.db-wal");
    let args = [
        "--db",
        db.to_str().unwrap(),
        "ingest",
        "--json",
        "--claude-dir",
        root.to_str().unwrap(),
    ];
    let out = crate::common::json_of(&run_ok(&args));
    assert_eq!(out["requests"]["added"], 4_000);
    assert!(file_len(&db) > 100_000, "the rows are in the database file");
    assert_eq!(file_len(&wal), 0, "the WAL was checkpointed and truncated");

    // A pass that adds a little more ends the same way.
    let more = assistant_line(
        "s1",
        "msg_more",
        Some("req_more"),
        "2026-01-29T00:00:00.000Z",
        1,
        1,
        0,
    );
    std::fs::write(project.join("s2.jsonl"), format!("{more}\n")).unwrap();
    let out = crate::common::json_of(&run_ok(&args));
    assert_eq!(out["requests"]["added"], 1);
    assert_eq!(file_len(&wal), 0);
}

/// Commands that read no files still write (the config's teams, price state) and then read
/// through a read-only connection, which closes last and cannot remove the WAL. Left with
/// frames in it, the WAL told the next process that this one crashed, and every run then
/// checked the whole store (`PRAGMA quick_check`: seconds at every run on a large store).
#[test]
fn commands_that_read_nothing_leave_no_wal_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("claude");
    let project = claude_project(&root, "-home-dev-api");
    let line = assistant_line(
        "s1",
        "msg_1",
        Some("req_1"),
        "2026-01-09T10:00:00.000Z",
        10,
        5,
        0,
    );
    std::fs::write(project.join("s1.jsonl"), format!("{line}\n")).unwrap();
    let db = dir.path().join("store.db");
    let wal = dir.path().join("store.db-wal");
    let db_arg = db.to_str().unwrap();
    let claude = root.to_str().unwrap();
    run_ok(&["--db", db_arg, "ingest", "--claude-dir", claude]);
    assert_eq!(file_len(&wal), 0, "after the first ingest");
    for args in [
        &["report", "daily", "--json", "--no-refresh"][..],
        &["report", "session", "--json", "--claude-dir", claude],
        &["ingest", "--claude-dir", claude],
        &["sources", "--json"],
    ] {
        run_ok(&[&["--db", db_arg][..], args].concat());
        assert_eq!(file_len(&wal), 0, "after {args:?}");
    }
}
