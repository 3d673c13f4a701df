//! The CLI as a Unix citizen: quiet exit 0 on a closed pipe, exit 2 for bad usage with the
//! cause said once, fixed CSV headers, tables that fit the terminal, short server forms,
//! folders that must exist, file names that are not UTF-8, completions, man, --version.

use crate::common::*;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output, Stdio};

fn fixtures() -> String {
    format!("{}/tests/fixtures/claude", env!("CARGO_MANIFEST_DIR"))
}

/// A store with the Claude fixtures ingested.
fn store() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("a.db").to_str().unwrap().to_string();
    run_ok(&["--db", &db, "ingest", "--claude-dir", &fixtures()]);
    (tmp, db)
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_closed_stdout_ends_quietly_with_status_0() {
    let (_tmp, db) = store();
    for args in [
        vec!["report", "daily", "--no-refresh"],
        vec!["report", "session", "--no-refresh", "--csv"],
        vec!["pricing", "list"],
        vec!["ingest", "--claude-dir", &fixtures()],
        vec!["completions", "bash"],
    ] {
        let mut child = bin()
            .args(["--db", &db])
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // `| head -0`: the reader is gone before the first write
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("Broken pipe") && !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn bad_usage_exits_2_and_says_the_cause_once() {
    let (_tmp, db) = store();
    for (args, needle) in [
        (vec!["report", "daily", "--since", "bogus"], "bogus"),
        (vec!["--tz", "Mars/Base", "report", "daily"], "Mars/Base"),
        (vec!["report", "daily", "--agent", "foo"], "unknown agent"),
        (
            vec!["report", "daily", "--claude-dir", "/nonexistent"],
            "/nonexistent",
        ),
        (
            vec![
                "report",
                "daily",
                "--since",
                "2026-02-01",
                "--until",
                "2026-01-01",
            ],
            "is after --until",
        ),
        (
            vec!["report", "daily", "--theme", "dusk"],
            "unexpected argument '--theme'",
        ),
        (vec!["serve", "--listen", "nowhere"], "HOST:PORT"),
    ] {
        let out = run(bin().args(["--db", &db]).args(&args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.matches(needle).count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn csv_headers_are_the_same_with_and_without_rows() {
    let (_tmp, db) = store();
    for kind in [
        "daily",
        "weekly",
        "monthly",
        "session",
        "blocks",
        "team",
        "project",
        "developer",
        "model",
        "agent",
    ] {
        let header = |extra: &[&str]| {
            let mut args = vec!["--db", &db, "report", kind, "--csv", "--no-refresh"];
            args.extend_from_slice(extra);
            let out = run_ok(&args);
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap()
                .to_string()
        };
        let with_rows = header(&[]);
        let without = header(&["--since", "2001-01-01", "--until", "2001-01-02"]);
        assert_eq!(with_rows, without, "{kind}");
        assert!(
            with_rows.ends_with("cost_usd,unpriced_tokens,models"),
            "{kind}: {with_rows}"
        );
    }
}

#[test]
fn tables_fit_the_terminal_width() {
    let (_tmp, db) = store();
    for kind in ["daily", "session", "blocks", "project", "model"] {
        for width in [60usize, 80, 120] {
            let out = run(bin().env("COLUMNS", width.to_string()).args([
                "--db",
                &db,
                "report",
                kind,
                "--no-refresh",
            ]));
            let text = String::from_utf8_lossy(&out.stdout);
            let table: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("Costs are") && !l.starts_with("+unpriced"))
                .collect();
            assert!(table.len() > 2, "{kind}: {text}");
            let widest = table.iter().map(|l| l.chars().count()).max().unwrap();
            assert!(widest <= width, "{kind} at {width}: {widest}\n{text}");
        }
    }
}

#[test]
fn missing_folders_are_errors_and_nothing_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("no/such/dir/x.db");
    let out = run(bin().args(["--db", db.to_str().unwrap(), "report", "daily"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(
        !tmp.path().join("no").exists(),
        "the folder chain was created"
    );
    let out = run(bin().args([
        "--db",
        tmp.path().join("a.db").to_str().unwrap(),
        "ingest",
        "--codex-dir",
        "/nonexistent/codex",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn file_names_that_are_not_utf8_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-p");
    let name = std::ffi::OsStr::from_bytes(b"s\xff\xfe.jsonl");
    let line = assistant_line("s1", "m1", Some("r1"), "2026-01-09T10:00:00.000Z", 77, 1, 0);
    std::fs::File::create(proj.join(name))
        .unwrap()
        .write_all(format!("{line}\n").as_bytes())
        .unwrap();
    let db = tmp.path().join("a.db");
    let doc = daily(&db, &root);
    assert_eq!(doc["totals"]["input_tokens"], 77, "{doc:#}");
}

#[test]
fn short_server_and_listen_forms_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("a.db");
    let db = db.to_str().unwrap();
    // host:port is http://host:port: the failure is the connection, not the URL.
    // One row to send, so the push really connects.
    let root = tmp.path().join("claude");
    let line = assistant_line("s1", "m1", None, "2026-01-09T10:00:00.000Z", 1, 1, 0);
    std::fs::write(
        claude_project(&root, "-p").join("s.jsonl"),
        format!("{line}\n"),
    )
    .unwrap();
    let out = run(bin()
        .args(["--db", db, "push", "--server", "127.0.0.1:9"])
        .args(["--claude-dir", root.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        !err.contains("builder error") && !err.contains("relative URL"),
        "{err}"
    );
    assert!(err.contains("http://127.0.0.1:9/api/v1/push"), "{err}");
    assert_eq!(
        err.matches("http://127.0.0.1:9/api/v1/push").count(),
        1,
        "{err}"
    );
    // `localhost:PORT` is a listen address.
    let mut child = bin()
        .args(["--db", db, "serve", "--listen", "localhost:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    std::io::BufRead::read_line(&mut err, &mut first).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.contains("listening on http://127.0.0.1:"), "{first}");
}

#[test]
fn completions_man_version_and_help() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run_ok(&["completions", shell]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("agentdeck"),
            "{shell}"
        );
    }
    let man = String::from_utf8(run_ok(&["man"]).stdout).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH agentdeck"),
        "{man}"
    );
    let version = String::from_utf8(run_ok(&["--version"]).stdout).unwrap();
    assert!(
        version.starts_with("agentdeck 0.") && version.contains(", built 20"),
        "{version}"
    );
    let help = String::from_utf8(run_ok(&["--help"]).stdout).unwrap();
    assert!(
        help.contains("Examples:") && help.contains("Exit status:"),
        "{help}"
    );
    assert!(help.contains("2  bad usage"), "{help}");
    let report_help = String::from_utf8(run_ok(&["report", "--help"]).stdout).unwrap();
    assert!(!report_help.contains("--theme"), "{report_help}");
    assert!(report_help.contains("Only this agent"), "{report_help}");
}

#[test]
fn the_ingest_summary_counts_sessions_and_merged_copies_truly() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-p");
    // One session, one response written as three content-block copies.
    let lines: Vec<String> = (0..3)
        .map(|copy| {
            assistant_line(
                "s1",
                "m1",
                Some("r1"),
                "2026-01-09T10:00:00.000Z",
                5,
                10 + copy,
                0,
            )
        })
        .collect();
    std::fs::write(proj.join("s1.jsonl"), lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("a.db");
    let out = run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "ingest",
        "--claude-dir",
        root.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sessions touched: 1\n"), "{text}");
    assert!(text.contains("requests: 1 added"), "{text}");
    assert!(text.contains("2 duplicate copies ignored"), "{text}");
}
