//! Bad input never panics and never loses what is valid around it; re-ingesting changes
//! nothing; a process killed mid-ingest and re-run gives the same totals as a clean run.

use crate::common;

use common::*;
use std::io::Write;
use std::time::{Duration, Instant};

fn totals(doc: &serde_json::Value) -> (i64, i64, i64) {
    let t = &doc["totals"];
    (
        t["input_tokens"].as_i64().unwrap(),
        t["output_tokens"].as_i64().unwrap(),
        t["cache_read_tokens"].as_i64().unwrap(),
    )
}

#[test]
fn bad_lines_are_reported_with_file_and_line_and_neighbours_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-home-dev-api");
    let path = proj.join("s1.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        "{}",
        assistant_line(
            "s1",
            "m1",
            Some("r1"),
            "2026-01-09T10:00:00.000Z",
            10,
            1,
            100
        )
    )
    .unwrap(); // line 1
    writeln!(f, "{{\"type\":\"assistant\", broken").unwrap(); // 2: malformed JSON
    writeln!(f).unwrap(); // 3: blank, silent
    f.write_all(b"{\"type\":\"user\",\"x\":\"\xff\xfe\"}\n")
        .unwrap(); // 4: invalid UTF-8, replaced (the line is kept)
    // 5: 20 MiB that is not JSON: even skimmed it is too long.
    writeln!(f, "{}", "x".repeat(20 * 1024 * 1024)).unwrap();
    writeln!(
        f,
        "{}",
        assistant_line(
            "s1",
            "m2",
            Some("r2"),
            "2026-01-09T10:01:00.000Z",
            20,
            2,
            200
        )
    )
    .unwrap(); // 6
    write!(
        f,
        "{}",
        &assistant_line(
            "s1",
            "m3",
            Some("r3"),
            "2026-01-09T10:02:00.000Z",
            40,
            4,
            400
        )[..50]
    )
    .unwrap(); // truncated tail
    drop(f);
    // A directory where a transcript file was expected, and a dangling link (unreadable).
    std::fs::create_dir_all(proj.join("weird.jsonl")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("gone"), proj.join("dangling.jsonl")).unwrap();

    let db = tmp.path().join("a.db");
    let out = run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "ingest",
        "--json",
        "--claude-dir",
        root.to_str().unwrap(),
    ]);
    let summary = json_of(&out);
    let skipped = summary["skipped"].as_array().unwrap();
    let find = |line: u64, reason: &str| {
        skipped.iter().any(|s| {
            s["line"] == line
                && s["reason"] == reason
                && s["path"].as_str().unwrap().ends_with("s1.jsonl")
        })
    };
    assert!(find(2, "malformed_json"), "{summary:#}");
    assert!(
        summary["repaired"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["line"] == 4 && r["what"] == "invalid_utf8_replaced"),
        "{summary:#}"
    );
    assert!(find(5, "line_too_long"), "{summary:#}");
    assert!(
        !skipped.iter().any(|s| s["line"] == 3),
        "blank lines are not skips: {summary:#}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s["path"].as_str().unwrap().ends_with("weird.jsonl")),
        "{summary:#}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s["path"].as_str().unwrap().ends_with("dangling.jsonl")),
        "{summary:#}"
    );
    assert_eq!(
        summary["pending_tails"].as_array().unwrap().len(),
        1,
        "{summary:#}"
    );
    // Never echo content from the lines.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("never be stored"));

    let doc = daily(&db, &root);
    assert_eq!(
        totals(&doc),
        (30, 3, 300),
        "valid lines 1 and 6 are kept: {doc:#}"
    );

    // The tail gets its newline: it is counted on the next pass, once.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(
        f,
        "{}",
        &assistant_line(
            "s1",
            "m3",
            Some("r3"),
            "2026-01-09T10:02:00.000Z",
            40,
            4,
            400
        )[50..]
    )
    .unwrap();
    drop(f);
    assert_eq!(totals(&daily(&db, &root)), (70, 7, 700));
    assert_eq!(
        totals(&daily(&db, &root)),
        (70, 7, 700),
        "re-ingesting changes nothing"
    );
}

#[test]
fn rewritten_and_deleted_files_keep_exact_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-p");
    let a = proj.join("a.jsonl");
    let lines: Vec<String> = (0..5)
        .map(|i| {
            assistant_line(
                "sa",
                &format!("m{i}"),
                Some(&format!("r{i}")),
                &format!("2026-01-09T10:0{i}:00.000Z"),
                10,
                1,
                0,
            )
        })
        .collect();
    std::fs::write(&a, lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("a.db");
    assert_eq!(totals(&daily(&db, &root)), (50, 5, 0));
    // Rotation: the file is replaced by a shorter one holding the first two lines again.
    std::fs::remove_file(&a).unwrap();
    std::fs::write(&a, lines[..2].join("\n") + "\n").unwrap();
    assert_eq!(
        totals(&daily(&db, &root)),
        (50, 5, 0),
        "a replaced file is re-read without double counting"
    );
    // The agent's cleanup deletes the transcript: the store keeps its rows.
    std::fs::remove_file(&a).unwrap();
    assert_eq!(totals(&daily(&db, &root)), (50, 5, 0));
}

/// Writes `files` transcripts of `lines` responses (3 content-block copies each).
fn write_corpus(root: &std::path::Path, files: usize, lines: usize) {
    for f in 0..files {
        let proj = claude_project(root, &format!("-p{}", f % 7));
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(proj.join(format!("s{f}.jsonl"))).unwrap(),
        );
        for i in 0..lines {
            let ts = format!(
                "2026-01-{:02}T{:02}:{:02}:00.000Z",
                1 + (f % 28),
                (i / 60) % 24,
                i % 60
            );
            for copy in 0..3 {
                let l = assistant_line(
                    &format!("s{f}"),
                    &format!("m{f}-{i}"),
                    Some(&format!("r{f}-{i}")),
                    &ts,
                    3,
                    100 + copy,
                    5000,
                );
                writeln!(out, "{l}").unwrap();
            }
        }
    }
}

#[test]
fn killed_mid_ingest_then_rerun_gives_the_clean_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    // 18k lines, ~7.5 MB: a debug build needs about a second for it, well over the first
    // kill's 100 ms.
    write_corpus(&root, 40, 150);
    let clean_db = tmp.path().join("clean.db");
    let clean = daily(&clean_db, &root);

    let db = tmp.path().join("killed.db");
    let mut killed_mid_way = false;
    for delay_ms in [100u64, 300, 700] {
        let mut child = bin()
            .args([
                "--db",
                db.to_str().unwrap(),
                "ingest",
                "--claude-dir",
                root.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(delay_ms) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no chance to clean up
            killed_mid_way = true;
        }
        child.wait().unwrap();
    }
    assert!(
        killed_mid_way,
        "the ingest finished before any kill; make the corpus bigger"
    );
    let after = daily(&db, &root);
    assert_eq!(after["totals"], clean["totals"]);
    assert_eq!(after["daily"], clean["daily"]);
    assert_eq!(
        clean["totals"]["output_tokens"].as_i64(),
        Some(40 * 150 * 102),
        "largest copy of each message counted once"
    );
}
