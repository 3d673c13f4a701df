//! A new store's first load (docs/architecture.md#a-new-stores-first-load): written without a
//! WAL by one process alone, switched to WAL when it ends, and started again from the files
//! when it was cut short.

use crate::common::{
    assistant_line, bin, claude_project, daily, ingest_json, run_ok, session_batch as session,
};
use agentdeck::store::{Store, WriteBatch};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The journal mode the database header records: 2 for WAL, 1 for a rollback journal.
fn header_mode(db: &Path) -> u8 {
    std::fs::read(db).unwrap()[18]
}

fn sessions(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_new_store_is_loaded_without_a_wal_then_switched_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("n.db");
    let store = Store::open_for_pass(&db).unwrap();
    for i in 0..3 {
        store
            .writer()
            .apply_blocking(session(&format!("s{i}")))
            .unwrap();
    }
    assert!(beside(&db, "-loading").exists(), "the load is marked");
    assert!(
        !beside(&db, "-wal").exists(),
        "committed batches of a first load write no WAL"
    );
    assert_eq!(header_mode(&db), 1);
    store.end_first_load().unwrap();
    assert!(
        !beside(&db, "-loading").exists(),
        "the marker goes when it ends"
    );
    assert_eq!(header_mode(&db), 2, "the store is in WAL mode from now on");
    let reader = store.reader().unwrap();
    assert_eq!(reader.change_counters().unwrap()["sessions"], 3);
    store.writer().apply_blocking(session("after")).unwrap();
    assert!(
        beside(&db, "-wal").exists(),
        "later writes go through the WAL"
    );
    drop((reader, store));
    assert_eq!(sessions(&db), 4);
}

#[test]
fn an_existing_store_is_never_loaded_without_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    drop(Store::open(&db).unwrap());
    let store = Store::open_for_pass(&db).unwrap();
    store.writer().apply_blocking(session("s")).unwrap();
    assert!(!beside(&db, "-loading").exists());
    assert!(
        beside(&db, "-wal").exists(),
        "an existing store keeps its WAL"
    );
    store.end_first_load().unwrap();
}

/// A load that ends without `end_first_load` (an error half-way through a pass) is ended when
/// the store closes: whole, in WAL mode, unmarked.
#[test]
fn closing_ends_a_first_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let store = Store::open_for_pass(&db).unwrap();
    store.writer().apply_blocking(session("s")).unwrap();
    drop(store);
    assert!(!beside(&db, "-loading").exists());
    assert_eq!(header_mode(&db), 2);
    let reopened = Store::open(&db).unwrap();
    assert_eq!(
        reopened.reader().unwrap().change_counters().unwrap()["sessions"],
        1
    );
}

/// A process killed during a first load leaves its marker and a file that may be half
/// written (here: garbage). The next opener starts again instead of calling it damaged.
#[test]
fn a_first_load_cut_short_is_started_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    std::fs::write(&db, vec![0xA5; 64 * 1024]).unwrap();
    std::fs::write(beside(&db, "-journal"), b"left by the killed load").unwrap();
    std::fs::write(beside(&db, "-loading"), b"agentdeck process 1 is loading").unwrap();
    let store = Store::open(&db).unwrap();
    assert!(!beside(&db, "-loading").exists());
    assert!(!beside(&db, "-journal").exists());
    store.writer().apply_blocking(session("s")).unwrap();
    drop(store);
    assert_eq!(sessions(&db), 1);

    // The same through the CLI, with the agents' files loaded again in full.
    let root = dir.path().join("claude");
    let proj = claude_project(&root, "-p");
    let lines: Vec<String> = (0..20)
        .map(|i| {
            let ts = format!("2026-01-05T10:{i:02}:00.000Z");
            assistant_line(
                "s1",
                &format!("m{i}"),
                Some(&format!("r{i}")),
                &ts,
                100,
                10,
                0,
            )
        })
        .collect();
    std::fs::write(proj.join("s1.jsonl"), lines.join("\n") + "\n").unwrap();
    let cli_db = dir.path().join("cli.db");
    std::fs::write(&cli_db, b"SQLite format 3\0 and then nothing whole").unwrap();
    std::fs::write(beside(&cli_db, "-loading"), b"").unwrap();
    let doc = daily(&cli_db, &root);
    assert_eq!(doc["totals"]["input_tokens"], 20 * 100, "{doc:#}");
    assert!(!beside(&cli_db, "-loading").exists());
}

/// Another opener waits until the first load has ended, then sees all of it; it never takes
/// the load's marker for one left by a killed process.
#[test]
fn another_opener_waits_for_a_first_load_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let loader = Store::open_for_pass(&db).unwrap();
    loader.writer().apply_blocking(session("first")).unwrap();
    assert!(agentdeck::store::first_load_elsewhere(&db));
    // A command says why it waits before it does.
    let cli = bin()
        .args([
            "--db",
            db.to_str().unwrap(),
            "report",
            "daily",
            "--json",
            "--no-refresh",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ended = Arc::new(AtomicBool::new(false));
    let other = {
        let (db, ended) = (db.clone(), ended.clone());
        std::thread::spawn(move || {
            let store = Store::open(&db).unwrap();
            let saw_end = ended.load(Ordering::SeqCst);
            store.writer().apply_blocking(session("second")).unwrap();
            saw_end
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!other.is_finished(), "the other opener must wait");
    ended.store(true, Ordering::SeqCst);
    loader.end_first_load().unwrap();
    assert!(other.join().unwrap(), "it opened only after the load ended");
    assert!(!agentdeck::store::first_load_elsewhere(&db));
    let cli = cli.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(cli.status.success(), "{stderr}");
    assert!(
        stderr.contains("another agentdeck process is loading the new store"),
        "{stderr}"
    );
    drop(loader);
    assert_eq!(sessions(&db), 2, "nothing of the load was discarded");
}

/// A batch that fails during a first load rolls back like any other (the journal is kept in
/// memory, not switched off): the batches grouped with it still commit once each.
#[test]
fn a_bad_batch_during_a_first_load_fails_alone() {
    use agentdeck::store::ops::{OpError, op_rejection};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let store = Store::open_for_pass(&db).unwrap();
    let bad = WriteBatch {
        ops: vec![crate::common::refused_op()],
        sessions: session("in-the-bad-batch").sessions,
        ..WriteBatch::default()
    };
    let tickets: Vec<_> = (0..20)
        .map(|i| {
            let batch = if i == 10 {
                bad.clone()
            } else {
                session(&format!("s{i}"))
            };
            store.writer().submit(batch).unwrap()
        })
        .collect();
    for (i, ticket) in tickets.into_iter().enumerate() {
        match ticket.wait() {
            Err(e) if i == 10 => assert_eq!(op_rejection(&e), Some(&OpError::UnknownAlert(7))),
            Ok(outcome) if i != 10 => assert_eq!(outcome.sessions_touched, 1, "batch {i}"),
            other => panic!("batch {i}: {:?}", other.map(|o| o.sessions_touched)),
        }
    }
    store.end_first_load().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(
        conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .unwrap(),
        "ok"
    );
    assert_eq!(sessions(&db), 19, "the bad batch's session was rolled back");
}

/// `ingest` into a new store leaves a store in WAL mode with nothing beside it but the open
/// lock, and a second pass over the same files adds nothing.
#[test]
fn ingest_into_a_new_store_leaves_a_wal_mode_store_and_no_marker() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("claude");
    let proj = claude_project(&root, "-p");
    let line = assistant_line(
        "s1",
        "m1",
        Some("r1"),
        "2026-01-05T10:00:00.000Z",
        100,
        10,
        0,
    );
    std::fs::write(proj.join("s1.jsonl"), line + "\n").unwrap();
    let db = dir.path().join("i.db");
    let args = ["--claude-dir", root.to_str().unwrap()];
    let first = ingest_json(&db, &args);
    assert_eq!(first["requests"]["added"], 1, "{first:#}");
    assert!(!beside(&db, "-loading").exists());
    assert!(
        !beside(&db, "-wal").exists() || std::fs::metadata(beside(&db, "-wal")).unwrap().len() == 0
    );
    assert_eq!(header_mode(&db), 2);
    let again = ingest_json(&db, &args);
    assert_eq!(again["requests"]["added"], 0, "{again:#}");
    run_ok(&["--db", db.to_str().unwrap(), "doctor"]);
}

/// A real `ingest` killed in the middle of a first load: the next `report` starts the load
/// again and counts every request exactly once.
#[test]
fn a_killed_first_load_is_read_again_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("claude");
    let proj = claude_project(&root, "-p");
    let (files, per_file) = (40, 400);
    for f in 0..files {
        let lines: Vec<String> = (0..per_file)
            .map(|i| {
                let ts = format!(
                    "2026-01-{:02}T10:{:02}:{:02}.000Z",
                    1 + f % 28,
                    i / 60,
                    i % 60
                );
                let (msg, req) = (format!("m{f}-{i}"), format!("r{f}-{i}"));
                assistant_line(&format!("s{f}"), &msg, Some(&req), &ts, 100, 10, 0)
            })
            .collect();
        std::fs::write(proj.join(format!("s{f}.jsonl")), lines.join("\n") + "\n").unwrap();
    }
    let db = dir.path().join("killed.db");
    let mut child = bin()
        .args(["--db", db.to_str().unwrap(), "ingest", "--json"])
        .args(["--claude-dir", root.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the load has written rows (the database has grown past its schema).
    let started = std::time::Instant::now();
    while std::fs::metadata(&db).map_or(0, |m| m.len()) < 256 * 1024 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "ingest ended before it could be killed"
        );
        assert!(started.elapsed().as_secs() < 60, "the load never grew");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        beside(&db, "-loading").exists(),
        "killed mid-load, the marker stays"
    );
    let doc = daily(&db, &root);
    assert_eq!(
        doc["totals"]["input_tokens"],
        files * per_file * 100,
        "{doc:#}"
    );
    assert!(!beside(&db, "-loading").exists());
}
