//! `agentdeck alerts` and `agentdeck sources` through the real binary, on a demo store in a
//! temp dir: list (table and JSON), ack with a note recorded under the configured identity,
//! clear errors for bad ids and for --read-only.

use agentdeck::domain::alerts::AlertState;
use std::path::Path;
use std::process::{Command, Output};

fn agentdeck(dir: &Path, args: &[&str]) -> Output {
    let config = dir.join("config.toml");
    std::fs::write(&config, "[identity]\ndeveloper = \"oncall@acme.dev\"\n").unwrap();
    Command::new(env!("CARGO_BIN_EXE_agentdeck"))
        .arg("--db")
        .arg(dir.join("demo.db"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The demo organisation as `dir/demo.db`. It is built once per test process (seconds in a
/// debug build) and each test gets its own copy.
fn demo_db(dir: &Path) {
    static TEMPLATE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let t = tempfile::tempdir().unwrap();
        let built = t.path().join("built.db");
        let store = agentdeck::store::Store::open(&built).unwrap();
        let now = chrono::Utc::now();
        agentdeck::demo::build(&store, now, agentdeck::demo::DEFAULT_SEED).unwrap();
        let copy = t.path().join("demo.db");
        rusqlite::Connection::open(&built)
            .unwrap()
            .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
        t
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("demo.db{suffix}")));
    }
    std::fs::copy(template.path().join("demo.db"), dir.join("demo.db")).unwrap();
}

#[test]
fn alerts_list_ack_and_errors_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    demo_db(dir.path());

    let out = agentdeck(dir.path(), &["alerts", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let alerts = doc["alerts"].as_array().unwrap();
    let firing = alerts
        .iter()
        .find(|a| a["state"] == "firing")
        .expect("a firing alert");
    let id = firing["id"].as_i64().unwrap();

    let table = agentdeck(dir.path(), &["alerts"]);
    assert!(table.status.success());
    assert!(
        text(&table.stdout).contains("▲ firing"),
        "{}",
        text(&table.stdout)
    );

    // --read-only refuses, and nothing changes.
    let out = agentdeck(
        dir.path(),
        &["--read-only", "alerts", "ack", &id.to_string()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--read-only"),
        "{}",
        text(&out.stderr)
    );

    let out = agentdeck(
        dir.path(),
        &[
            "alerts",
            "ack",
            &id.to_string(),
            "--note",
            "looking into it",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("oncall@acme.dev"));

    let store = agentdeck::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let a = store.reader().unwrap().alert(id).unwrap().unwrap();
    assert_eq!(a.row.state, AlertState::Acked);
    assert_eq!(a.row.acked_by.as_deref(), Some("oncall@acme.dev"));
    assert_eq!(a.row.note.as_deref(), Some("looking into it"));
    let acked_at = a.row.acked_at.unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - acked_at).abs() < 120_000);

    let out = agentdeck(dir.path(), &["alerts", "ack", "987654"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no alert with id 987654"),
        "{}",
        text(&out.stderr)
    );

    let resolved = alerts.iter().find(|a| a["state"] == "resolved").unwrap()["id"]
        .as_i64()
        .unwrap();
    let out = agentdeck(dir.path(), &["alerts", "ack", &resolved.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already resolved"),
        "{}",
        text(&out.stderr)
    );

    let out = agentdeck(dir.path(), &["alerts", "snooze", &id.to_string(), "2h"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let a = store.reader().unwrap().alert(id).unwrap().unwrap();
    assert_eq!(a.row.state, AlertState::Snoozed);
    let out = agentdeck(dir.path(), &["alerts", "snooze", &id.to_string(), "soon"]);
    assert_eq!(out.status.code(), Some(2), "a bad duration is bad usage");
    assert!(text(&out.stderr).contains("snooze duration `soon`"));

    let out = agentdeck(
        dir.path(),
        &["alerts", "list", "--state", "snoozed", "--json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id)
    );

    let out = agentdeck(dir.path(), &["alerts", "rules", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["rules"].as_array().unwrap().len(),
        11,
        "the built-in rules (budget forecast and breach for teams and for projects)"
    );
}

/// An acknowledgement without a note reads "by WHO", not "by WHO:" with nothing after it.
#[test]
fn alerts_list_shows_an_ack_without_a_note_without_a_dangling_colon() {
    let dir = tempfile::tempdir().unwrap();
    demo_db(dir.path());
    let out = agentdeck(
        dir.path(),
        &["alerts", "list", "--state", "firing", "--json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = doc["alerts"][0]["id"].as_i64().expect("a firing alert");
    let out = agentdeck(dir.path(), &["alerts", "ack", &id.to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&agentdeck(dir.path(), &["alerts", "list", "--state", "acked"]).stdout);
    let row = table
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("alert {id} listed: {table}"));
    assert!(row.trim_end().ends_with("by oncall@acme.dev"), "{table}");
    // One with a note still shows it after the colon.
    assert!(table.contains("by noah.schmidt@acme.dev: "), "{table}");
    // A resolution that names no one is not shown as resolved "by ?".
    let table = text(&agentdeck(dir.path(), &["alerts", "list", "--state", "resolved"]).stdout);
    assert!(table.contains(" resolved 20"), "{table}");
    assert!(!table.contains("by ?"), "{table}");
}

/// A state or a snooze duration that does not parse is bad usage (exit 2, README "Exit
/// status"), like a flag clap refuses; an id that does not exist stays an error (exit 1).
#[test]
fn alerts_bad_state_or_duration_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    demo_db(dir.path());
    for args in [
        &["alerts", "list", "--state", "bogus"][..],
        &["alerts", "deliveries", "--state", "bogus"],
        &["alerts", "snooze", "1", "2x"],
        &["alerts", "snooze", "1", "0s"],
    ] {
        let out = agentdeck(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("agentdeck --help"), "{args:?}");
    }
    let out = agentdeck(dir.path(), &["alerts", "snooze", "987654", "2h"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn sources_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = agentdeck(dir.path(), &["sources"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("no source has reported yet"));

    demo_db(dir.path());
    let out = agentdeck(dir.path(), &["sources", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources = doc["sources"].as_array().unwrap();
    assert!(
        sources
            .iter()
            .any(|s| s["source"] == "otlp" && s["state"] == "ok")
    );
    assert!(
        sources
            .iter()
            .any(|s| s["source"] == "openai_admin" && s["state"] == "never")
    );
    let table = text(&agentdeck(dir.path(), &["sources"]).stdout);
    assert!(
        table.contains("LAST ERROR") && table.contains("copilot "),
        "{table}"
    );
    // Telemetry records successes, not runs: nothing "read" to show, not "0 files".
    let otlp = table.lines().find(|l| l.starts_with("otlp ")).unwrap();
    assert!(!otlp.contains("files") && otlp.contains('—'), "{table}");
}

#[test]
fn alerts_check_fires_new_findings_once() {
    let dir = tempfile::tempdir().unwrap();
    demo_db(dir.path());
    let count = || {
        let store = agentdeck::store::Store::open(&dir.path().join("demo.db")).unwrap();
        store.reader().unwrap().alerts(&[]).unwrap().len()
    };
    let before = count();
    // Exit 3 (firing) or 4 (critical firing): the demo has open alerts.
    let firing = |out: &std::process::Output| matches!(out.status.code(), Some(3 | 4));
    let out = agentdeck(dir.path(), &["--read-only", "alerts", "check", "--json"]);
    assert!(firing(&out), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "the demo has something to find");
    assert!(findings.iter().all(|f| f["recorded"] == false));
    assert_eq!(count(), before, "--read-only records nothing");

    let out = agentdeck(dir.path(), &["alerts", "check"]);
    assert!(firing(&out), "{}", text(&out.stderr));
    let after_first = count();
    let out = agentdeck(dir.path(), &["alerts", "check", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["new"] == false),
        "{doc:#}"
    );
    assert_eq!(count(), after_first, "a second check fires nothing new");
}

/// `--demo` with a command runs it on a throwaway demo organisation: never on the agents'
/// files of the machine nor on the user's store. Commands that would bring real data into
/// the demo (or send the demo's out) are refused with exit status 2.
#[test]
fn demo_with_a_command_reports_the_demo_and_refuses_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // Real agent files where discovery looks by default: they must not be read.
    let project = home.join(".claude/projects/-p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::copy(
        "tests/fixtures/peer/claude/projects/project-alpha/session-alpha/chat.jsonl",
        project.join("session-alpha.jsonl"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_agentdeck"))
            .args(args)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env_remove("AGENTDECK_DB")
            .env_remove("AGENTDECK_CONFIG")
            .output()
            .unwrap()
    };
    let out = run(&["--demo", "report", "session", "--json", "--tz", "UTC"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sessions = doc["sessions"].as_array().unwrap();
    assert!(sessions.len() > 20, "the demo organisation: {doc:#}");
    assert!(
        sessions.iter().all(|s| s["session_id"] != "session-alpha"),
        "the machine's own transcript was read into the demo"
    );
    // The demo's teams are its own: no config (not even the empty default) replaces them.
    let out = run(&["--demo", "report", "budget", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc.to_string().contains("\"platform\""),
        "the demo's team budgets: {doc:#}"
    );
    let out = run(&["--demo", "ingest"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--demo works with the console"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !dir.path().join("data/agentdeck/agentdeck.db").exists(),
        "the user's own store was touched"
    );
}
