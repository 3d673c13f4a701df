//! The store file under real-machine conditions: several processes creating it at once, a
//! lock held by another process, a damaged page (found on read and on write, repaired by
//! `agentdeck doctor --rebuild` without losing acks and notes), and read-only media.

use crate::common::*;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

fn write_corpus(root: &Path, sessions: usize) {
    let proj = claude_project(root, "-p");
    for s in 0..sessions {
        let lines: Vec<String> = (0..50)
            .map(|i| {
                assistant_line(
                    &format!("s{s}"),
                    &format!("m{s}-{i}"),
                    Some(&format!("r{s}-{i}")),
                    &format!("2026-01-{:02}T10:{:02}:00.000Z", 1 + s % 27, i),
                    100,
                    10,
                    1000,
                )
            })
            .collect();
        std::fs::write(proj.join(format!("s{s}.jsonl")), lines.join("\n") + "\n").unwrap();
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn several_processes_creating_a_new_store_at_once_all_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 4);
    for round in 0..3 {
        let db = tmp.path().join(format!("new{round}.db"));
        let children: Vec<_> = (0..4)
            .map(|_| {
                bin()
                    .args(["--db", db.to_str().unwrap(), "ingest", "--json"])
                    .args(["--claude-dir", root.to_str().unwrap()])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
        let doc = daily(&db, &root);
        assert_eq!(doc["totals"]["input_tokens"], 4 * 50 * 100, "{doc:#}");
    }
}

#[test]
fn a_store_locked_by_another_process_is_waited_for_not_called_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 1);
    let db = tmp.path().join("a.db");
    daily(&db, &root);
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let child = bin()
        .args(["--db", db.to_str().unwrap(), "report", "daily", "--json"])
        .args(["--claude-dir", root.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("corrupt"), "{}", stderr(&out));
    assert_eq!(json_of(&out)["totals"]["input_tokens"], 50 * 100);
}

/// Overwrites the pages of the store's largest index with garbage (the header and the
/// schema stay readable, as in a real bad sector).
fn damage(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'requests'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(db).unwrap();
    let start = ((root - 1) * page_size) as usize;
    for b in &mut bytes[start..start + page_size as usize] {
        *b = 0xA5;
    }
    std::fs::write(db, bytes).unwrap();
}

#[test]
fn a_damaged_store_is_found_on_read_and_write_and_doctor_rebuilds_it_keeping_acks() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 3);
    let db = tmp.path().join("a.db");
    let dbs = db.to_str().unwrap();
    let clean = daily(&db, &root);
    // Something only the store holds: an alert acknowledged with a note.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO alerts (rule, subject, severity, state, fired_at, value, threshold,
                                 acked_at, acked_by, note)
             VALUES ('spend_spike', 'developer:ana', 'warn', 'acked', 1767952800000, 10, 5,
                     1767952900000, 'li', 'known: load test')",
            [],
        )
        .unwrap();
    }
    damage(&db);

    let out = bin()
        .args(["--db", dbs, "report", "session", "--no-refresh"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("malformed").count(), 1, "said once: {err}");
    assert!(err.contains("agentdeck doctor"), "{err}");

    // A write that meets the damage fails too (a new line must land in the damaged table).
    let proj = root.join("projects/-p");
    let line = assistant_line("s9", "m9", Some("r9"), "2026-01-20T10:00:00.000Z", 1, 1, 0);
    std::fs::write(proj.join("s9.jsonl"), format!("{line}\n")).unwrap();
    let out = bin()
        .args([
            "--db",
            dbs,
            "ingest",
            "--claude-dir",
            root.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("agentdeck doctor"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(proj.join("s9.jsonl")).unwrap();

    let out = bin().args(["--db", dbs, "doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("needs repair"));

    run_ok(&[
        "--db",
        dbs,
        "doctor",
        "--rebuild",
        "--claude-dir",
        root.to_str().unwrap(),
    ]);
    let out = run_ok(&["--db", dbs, "doctor"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("verdict: healthy"));
    let after = daily(&db, &root);
    assert_eq!(
        after["totals"], clean["totals"],
        "re-read from the agents' files"
    );
    let note: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT note FROM alerts WHERE acked_by = 'li'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(note, "known: load test");
    let aside = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".damaged-"));
    assert!(aside, "the damaged file is kept aside, not deleted");
}

/// `doctor --rebuild` copies every readable request into a fresh store: sessions before
/// the requests and events that name them, and each request's identity hashes under the
/// fresh store's own key. So a row only the store holds (synced or pushed from elsewhere)
/// survives, and reading the agents' files again finds each copied row (nothing counted
/// twice), whether the old store had hashes (schema 17) or not yet (16).
#[test]
fn a_rebuilt_store_keeps_every_request_and_finds_each_again() {
    let count = |db: &Path, table: &str| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    for version in [agentdeck::store::SCHEMA_VERSION, 16] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("claude");
        write_corpus(&root, 3);
        let db = tmp.path().join("a.db");
        daily(&db, &root);
        // A request no file holds (as one synced from a team server would be).
        let only_here = stored_request("req_only_here", "s-synced", 1_767_952_800_000, "m");
        agentdeck::store::Store::open(&db)
            .unwrap()
            .writer()
            .apply_blocking(agentdeck::store::WriteBatch {
                requests: vec![only_here],
                ..Default::default()
            })
            .unwrap();
        let clean = stored_report(&db, "daily");
        let (requests, events) = (count(&db, "requests"), count(&db, "events"));
        downgrade::to_version(&db, version);
        let dbs = db.to_str().unwrap();
        let dir = root.to_str().unwrap();
        run_ok(&["--db", dbs, "doctor", "--rebuild", "--claude-dir", dir]);
        assert_eq!(count(&db, "requests"), requests, "schema {version}");
        assert_eq!(count(&db, "events"), events, "schema {version}");
        assert_eq!(
            daily(&db, &root)["totals"],
            clean["totals"],
            "schema {version}"
        );
    }
}

/// A store that lost its identity-hash key cannot find its requests again (a new key would
/// count each twice): a write says the store is damaged and names `agentdeck doctor`, which
/// finds it, and a rebuild gives exact totals.
#[test]
fn a_store_without_its_hash_key_is_damaged_and_doctor_rebuilds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 2);
    let db = tmp.path().join("a.db");
    let dbs = db.to_str().unwrap();
    let dir = root.to_str().unwrap();
    let clean = daily(&db, &root);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM store_secrets", [])
        .unwrap();
    let line = assistant_line("s9", "m9", Some("r9"), "2026-01-20T10:00:00.000Z", 1, 1, 0);
    std::fs::write(root.join("projects/-p/s9.jsonl"), format!("{line}\n")).unwrap();

    let out = bin()
        .args(["--db", dbs, "ingest", "--claude-dir", dir])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("identity-hash key"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("agentdeck doctor"),
        "{}",
        stderr(&out)
    );
    let out = bin().args(["--db", dbs, "doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("identity-hash key"));

    run_ok(&["--db", dbs, "doctor", "--rebuild", "--claude-dir", dir]);
    let after = daily(&db, &root);
    assert_eq!(
        after["totals"]["requests"],
        clean["totals"]["requests"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["totals"]["input_tokens"],
        clean["totals"]["input_tokens"].as_i64().unwrap() + 1
    );
}

#[test]
fn damage_left_by_an_unclean_shutdown_is_found_when_the_store_is_next_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 3);
    let db = tmp.path().join("a.db");
    let dbs = db.to_str().unwrap();
    daily(&db, &root);
    damage(&db);
    // What a process killed mid-write leaves: a -wal file with committed frames that no
    // one checkpointed (the frames touch only the schema page, not the damaged one).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .unwrap();
    conn.execute_batch("CREATE TABLE scratch (x); DROP TABLE scratch;")
        .unwrap();
    drop(conn);
    assert!(
        std::fs::metadata(tmp.path().join("a.db-wal"))
            .unwrap()
            .len()
            > 0
    );
    // Nothing new to read: this ingest would not touch the damaged pages itself.
    let out = bin()
        .args([
            "--db",
            dbs,
            "ingest",
            "--claude-dir",
            root.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unclean shutdown"), "{err}");
    assert!(err.contains("agentdeck doctor"), "{err}");
    assert_eq!(err.matches("corrupt").count(), 1, "said once: {err}");
}

#[test]
fn a_store_on_read_only_media_is_read_with_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 2);
    let db = tmp.path().join("a.db");
    let clean = daily(&db, &root);
    // The database file alone, as a user copies it onto read-only media (no -wal, no -shm).
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let media = tmp.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::copy(&db, media.join("a.db")).unwrap();
    let Some(out) = report_on_read_only_media(tmp.path(), &media) else {
        return;
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["totals"], clean["totals"]);
}

/// Runs `agentdeck --read-only report daily` on `media` bind-mounted read-only in a private
/// mount namespace; `None` when this machine cannot make one (needs root).
fn report_on_read_only_media(tmp: &Path, media: &Path) -> Option<Output> {
    let probe = std::process::Command::new("unshare")
        .args(["-m", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("note: cannot make a mount namespace here; read-only media not tested");
        return None;
    }
    let script = format!(
        "mount --bind {m} {m} && mount -o remount,bind,ro {m} && touch {m}/probe 2>/dev/null && exit 9; \
         exec \"$0\" --db {m}/a.db --read-only report daily --json --tz UTC --no-refresh",
        m = media.display()
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script, env!("CARGO_BIN_EXE_agentdeck")])
        .env("XDG_CONFIG_HOME", tmp.join("cfg"))
        .env("XDG_STATE_HOME", tmp.join("state"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(9), "the mount was not read-only");
    Some(out)
}

#[test]
fn rows_still_in_the_wal_are_seen_on_read_only_media() {
    use agentdeck::collect::ingest::{NoProgress, ingest};
    use agentdeck::collect::parse::ParseEnv;
    use agentdeck::collect::project::GitProjectResolver;
    use agentdeck::collect::sources::Roots;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    write_corpus(&root, 2);
    let db = tmp.path().join("a.db");
    let before = daily(&db, &root);
    // A running agentdeck that has just written more rows: they are in the -wal file, not
    // yet checkpointed into the database (`ingest` checkpoints only when it exits).
    write_corpus(&root, 4);
    let store = agentdeck::store::Store::open(&db).unwrap();
    let prices = agentdeck::pricing::PriceTable::builtin();
    let env = ParseEnv {
        developer: "dev@example.com",
        prices: &prices,
        projects: &GitProjectResolver::default(),
    };
    let roots = Roots {
        claude: vec![root.clone()],
        ..Roots::default()
    };
    ingest(&store, &roots, &env, &NoProgress).unwrap();
    let wal = tmp.path().join("a.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "rows in the WAL"
    );
    // The user copies the database and its -wal (not the -shm) onto read-only media.
    let media = tmp.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::copy(&db, media.join("a.db")).unwrap();
    std::fs::copy(&wal, media.join("a.db-wal")).unwrap();
    drop(store);
    let after = json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--tz",
        "UTC",
        "--no-refresh",
    ]));
    assert_ne!(after["totals"], before["totals"]);
    let Some(out) = report_on_read_only_media(tmp.path(), &media) else {
        return;
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json_of(&out)["totals"],
        after["totals"],
        "WAL rows are seen"
    );
}

/// Opening a store an older agentdeck wrote says first that it upgrades it (rewriting the
/// requests of a large store takes a while), once; after the upgrade, reading the same
/// files again finds every stored row (nothing is counted twice).
#[test]
fn an_older_store_is_upgraded_with_a_notice_and_its_rows_are_still_found() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let lines = [
        assistant_line(
            "s1",
            "msg_1",
            Some("req_1"),
            "2026-01-09T10:00:00.000Z",
            10,
            20,
            30,
        ),
        assistant_line(
            "s1",
            "msg_2",
            Some("req_2"),
            "2026-01-09T10:01:00.000Z",
            1,
            2,
            3,
        ),
    ];
    let project = claude_project(&root, "-home-dev-api");
    std::fs::write(project.join("s1.jsonl"), lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("old.db");
    let before = daily(&db, &root);
    downgrade::to_version(&db, 16);
    // The files are read again from the start, so every row meets its stored copy.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM cursors", [])
        .unwrap();

    let args = [
        "--db",
        db.to_str().unwrap(),
        "report",
        "daily",
        "--json",
        "--tz",
        "UTC",
        "--claude-dir",
        root.to_str().unwrap(),
    ];
    let upgraded = run_ok(&args);
    let stderr = String::from_utf8_lossy(&upgraded.stderr);
    let notice = format!(
        "note: upgrading the store at {} from schema 16 to {}",
        db.display(),
        agentdeck::store::SCHEMA_VERSION
    );
    assert!(stderr.contains(&notice), "{stderr}");
    let after = json_of(&upgraded);
    assert_eq!(after["totals"], before["totals"]);
    assert_eq!(after["totals"]["requests"], 2, "{after}");

    let again = run_ok(&args);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!stderr.contains("upgrading"), "{stderr}");
}
