//! Files that real machines produce, each of which used to lose or alter tokens: a file
//! rewritten in place, invalid UTF-8 in text and paths, a last line without newline, a line
//! over 16 MiB, counts that are strings, negative or absurd, costs and years out of range.
//! Every test counts tokens exactly: one token lost fails it.

use crate::common::*;
use serde_json::{Value, json};
use std::io::Write;
use std::time::{Duration, SystemTime};

fn total_input(doc: &Value) -> i64 {
    doc["totals"]["input_tokens"].as_i64().unwrap()
}

fn line(msg: &str, minute: u32, input: i64) -> String {
    assistant_line(
        "s1",
        msg,
        Some(&format!("r-{msg}")),
        &format!("2026-01-09T10:{minute:02}:00.000Z"),
        input,
        1,
        0,
    )
}

#[test]
fn a_file_rewritten_in_place_longer_is_read_again_from_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    let first: Vec<String> = (0..4).map(|i| line(&format!("a{i}"), i, 100)).collect();
    std::fs::write(&path, first.join("\n") + "\n").unwrap();
    let db = tmp.path().join("a.db");
    let dir = ["--claude-dir", root.to_str().unwrap()];
    ingest_json(&db, &dir);
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    // Truncated and rewritten through the same inode with 8 other requests: longer.
    let second: Vec<String> = (0..8).map(|i| line(&format!("b{i}"), 10 + i, 1)).collect();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    f.write_all((second.join("\n") + "\n").as_bytes()).unwrap();
    drop(f);
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()),
        inode
    );
    let summary = ingest_json(&db, &dir);
    assert_eq!(summary["skipped"], json!([]), "{summary:#}");
    assert_eq!(summary["requests"]["added"], 8, "{summary:#}");
    assert_eq!(total_input(&stored_report(&db, "daily")), 4 * 100 + 8);
}

#[test]
fn invalid_utf8_in_text_or_cwd_keeps_the_line_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    let text_bad = line("m1", 0, 1000).replace("never be stored", "never \u{FFFF} stored");
    let cwd_bad = line("m2", 1, 20).replace("/home/dev/api", "/home/d\u{FFFF}v/api");
    let mut bytes = format!("{text_bad}\n{cwd_bad}\n").into_bytes();
    // U+FFFF is three bytes (EF BF BF); make each an invalid sequence: FF FE FD.
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(3).position(|w| w == [0xEF, 0xBF, 0xBF]) {
        bytes[at + i..at + i + 3].copy_from_slice(&[0xFF, 0xFE, 0xFD]);
        at += i + 3;
    }
    assert!(std::str::from_utf8(&bytes).is_err());
    std::fs::write(&path, &bytes).unwrap();
    let db = tmp.path().join("a.db");
    let summary = ingest_json(&db, &["--claude-dir", root.to_str().unwrap()]);
    assert_eq!(summary["skipped"], json!([]), "{summary:#}");
    let repaired = summary["repaired"].as_array().unwrap();
    assert_eq!(repaired.len(), 2, "{summary:#}");
    assert_eq!(repaired[0]["what"], "invalid_utf8_replaced");
    assert_eq!(repaired[0]["line"], 1);
    assert_eq!(total_input(&stored_report(&db, "daily")), 1020);
}

#[test]
fn a_gemini_legacy_document_with_one_bad_byte_keeps_its_session() {
    let tmp = tempfile::tempdir().unwrap();
    let chats = tmp.path().join("gemini/tmp/abc123/chats");
    std::fs::create_dir_all(&chats).unwrap();
    let doc = json!({
        "sessionId": "g1", "projectHash": "abc123",
        "startTime": "2026-01-09T08:00:00.000Z", "lastUpdated": "2026-01-09T08:05:00.000Z",
        "messages": [
            {"id": "u1", "timestamp": "2026-01-09T08:00:00.000Z", "type": "user", "content": "hi BAD"},
            {"id": "g1", "timestamp": "2026-01-09T08:00:05.000Z", "type": "gemini",
             "model": "gemini-2.5-pro", "content": "ok",
             "tokens": {"input": 700, "output": 30, "cached": 200, "thoughts": 5, "tool": 0, "total": 735}}
        ]
    });
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let mut bytes = text.into_bytes();
    let i = bytes.windows(3).position(|w| w == b"BAD").unwrap();
    bytes[i] = 0xC3; // a lead byte followed by ASCII: invalid
    let bad_line = 1 + bytes[..i].iter().filter(|b| **b == b'\n').count();
    std::fs::write(chats.join("session-1.json"), &bytes).unwrap();
    let db = tmp.path().join("a.db");
    let summary = ingest_json(
        &db,
        &["--gemini-dir", tmp.path().join("gemini").to_str().unwrap()],
    );
    assert_eq!(summary["skipped"], json!([]), "{summary:#}");
    assert_eq!(summary["repaired"][0]["what"], "invalid_utf8_replaced");
    assert_eq!(summary["repaired"][0]["line"], bad_line, "{summary:#}");
    let daily = stored_report(&db, "daily");
    assert_eq!(total_input(&daily), 500, "{daily:#}");
    assert_eq!(daily["totals"]["cache_read_tokens"], 200);
}

#[test]
fn an_idle_last_line_without_newline_is_counted_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    std::fs::write(
        &path,
        format!("{}\n{}", line("m1", 0, 3), line("m2", 1, 40)),
    )
    .unwrap();
    let db = tmp.path().join("a.db");
    let dir = ["--claude-dir", root.to_str().unwrap()];
    // Fresh: the tail waits for its newline.
    let summary = ingest_json(&db, &dir);
    assert_eq!(summary["pending_tails"].as_array().unwrap().len(), 1);
    assert_eq!(total_input(&stored_report(&db, "daily")), 3);
    // Untouched for an hour (weeks in real life): the whole-JSON tail is read.
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let summary = ingest_json(&db, &dir);
    assert_eq!(summary["pending_tails"], json!([]), "{summary:#}");
    assert_eq!(summary["repaired"][0]["what"], "unterminated_last_line");
    assert_eq!(total_input(&stored_report(&db, "daily")), 43);
    // The agent comes back and appends: nothing is counted twice, the new line once.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(f, "\n{}", line("m3", 2, 500)).unwrap();
    drop(f);
    let summary = ingest_json(&db, &dir);
    assert_eq!(summary["skipped"], json!([]), "{summary:#}");
    assert_eq!(total_input(&stored_report(&db, "daily")), 543);
}

#[test]
fn lines_appended_after_an_idle_tail_are_reported_at_their_real_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    std::fs::write(
        &path,
        format!("{}\n{}", line("m1", 0, 3), line("m2", 1, 40)),
    )
    .unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let db = tmp.path().join("a.db");
    let dir = ["--claude-dir", root.to_str().unwrap()];
    let summary = ingest_json(&db, &dir);
    assert_eq!(summary["repaired"][0]["line"], 2, "{summary:#}");
    // After the pause the agent ends line 2 and writes line 3 (malformed) and line 4.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(f, "\n{{\"type\":\"assistant\",\n{}", line("m3", 2, 500)).unwrap();
    drop(f);
    let summary = ingest_json(&db, &dir);
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{summary:#}");
    assert_eq!(skipped[0]["line"], 3, "{summary:#}");
    assert_eq!(total_input(&stored_report(&db, "daily")), 543);
    // Read from scratch, the same file reports the same line.
    let fresh = ingest_json(&tmp.path().join("b.db"), &dir);
    assert_eq!(fresh["skipped"][0]["line"], 3, "{fresh:#}");
}

#[test]
fn a_line_over_16_mib_keeps_its_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    let huge = line("m2", 1, 12_345).replace(
        "some model output that must never be stored",
        &"z".repeat(17 * 1024 * 1024),
    );
    let body = format!("{}\n{huge}\n{}\n", line("m1", 0, 1), line("m3", 2, 100));
    std::fs::write(&path, body).unwrap();
    let db = tmp.path().join("a.db");
    let summary = ingest_json(&db, &["--claude-dir", root.to_str().unwrap()]);
    assert_eq!(summary["skipped"], json!([]), "{summary:#}");
    assert_eq!(summary["repaired"][0]["what"], "long_line_skimmed");
    assert_eq!(summary["repaired"][0]["line"], 2);
    assert_eq!(total_input(&stored_report(&db, "daily")), 12_446);
}

#[test]
fn counts_and_costs_out_of_bounds_are_refused_with_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    let with_usage = |msg: &str, minute: u32, usage: Value| {
        let mut v: Value = serde_json::from_str(&line(msg, minute, 0)).unwrap();
        v["message"]["usage"] = usage;
        v.to_string()
    };
    let mut costly: Value = serde_json::from_str(&line("m6", 6, 10)).unwrap();
    costly["costUSD"] = json!(1e13);
    let lines = [
        line("m1", 0, 7),                                                        // 1 ok
        with_usage("m2", 2, json!({"input_tokens": "100", "output_tokens": 1})), // 2 string
        with_usage("m3", 3, json!({"input_tokens": -5, "output_tokens": 1})),    // 3 negative
        with_usage("m4", 4, json!({"input_tokens": 1e30, "output_tokens": 1})),  // 4 absurd
        with_usage("m5", 5, json!({"input_tokens": 1.5, "output_tokens": 1})),   // 5 fraction
        costly.to_string(),                                                      // 6 cost
        line("m7", 7, 11),                                                       // 7 ok
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("a.db");
    let summary = ingest_json(&db, &["--claude-dir", root.to_str().unwrap()]);
    let skipped = summary["skipped"].as_array().unwrap();
    let at = |n: u64| {
        skipped
            .iter()
            .find(|s| s["line"] == n)
            .unwrap_or_else(|| panic!("line {n} not refused: {summary:#}"))
    };
    assert_eq!(at(2)["reason"], "not_a_number");
    assert_eq!(at(3)["reason"], "negative_value");
    assert_eq!(at(4)["reason"], "value_too_large");
    assert_eq!(at(5)["reason"], "not_a_number");
    assert_eq!(at(6)["reason"], "value_too_large");
    assert_eq!(skipped.len(), 5, "{summary:#}");
    assert_eq!(summary["skipped_by_reason"]["not_a_number"], 2);
    // The human summary names file, line and field.
    let out = run_ok(&[
        "--db",
        tmp.path().join("b.db").to_str().unwrap(),
        "ingest",
        "--claude-dir",
        root.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("s.jsonl:3: `message.usage.input_tokens` is negative"),
        "{text}"
    );
    assert!(text.contains("s.jsonl:6: `costUSD`"), "{text}");
    // Only the valid lines count, and every report reads the same numbers.
    let daily = stored_report(&db, "daily");
    assert_eq!(total_input(&daily), 18);
    assert_eq!(total_input(&stored_report(&db, "session")), 18);
    let cost = daily["totals"]["cost_usd"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&cost), "{daily:#}");
}

#[test]
fn timestamps_outside_the_window_are_refused_and_reports_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let path = claude_project(&root, "-p").join("s.jsonl");
    let at = |msg: &str, ts: &str, input: i64| assistant_line("s1", msg, None, ts, input, 1, 0);
    let lines = [
        at("m1", "2026-01-09T10:00:00.000Z", 5),
        at("m2", "0001-01-01T00:00:00.000Z", 1000),
        at("m3", "2999-06-01T00:00:00.000Z", 2000),
        at("m4", "2019-12-31T23:59:59.000Z", 4000),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("a.db");
    let summary = ingest_json(&db, &["--claude-dir", root.to_str().unwrap()]);
    assert_eq!(
        summary["skipped_by_reason"]["timestamp_out_of_range"], 3,
        "{summary:#}"
    );
    for kind in [
        "daily", "weekly", "monthly", "session", "blocks", "model", "agent",
    ] {
        assert_eq!(total_input(&stored_report(&db, kind)), 5, "report {kind}");
    }
}
