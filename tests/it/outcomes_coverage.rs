//! Test coverage from CI reports: `agentdeck event coverage` reads an LCOV tracefile and a
//! Cobertura report from real files, stores the PR's change in percentage points, keeps it
//! when the code host later re-lists the PR, and `report quality` shows it with its n.

use crate::common::{json_of, run_ok};
use agentdeck::store::ops::{Op, PullRequestRow};
use agentdeck::store::{Store, WriteBatch};

const LCOV: &str = "TN:\nSF:src/a.rs\nDA:1,1\nDA:2,0\nLF:40\nLH:34\nend_of_record\nSF:src/b.rs\nLF:60\nLH:48\nend_of_record\n";
const COBERTURA: &str = r#"<?xml version="1.0" ?>
<coverage line-rate="0.78" lines-covered="78" lines-valid="100" branch-rate="0" version="7.4" timestamp="1764400000">
  <sources><source>/src</source></sources>
  <packages/>
</coverage>
"#;

#[test]
fn a_pr_coverage_delta_comes_from_ci_reports_and_survives_the_host_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (head, base) = (
        dir.path().join("lcov.info"),
        dir.path().join("coverage.xml"),
    );
    std::fs::write(&head, LCOV).unwrap();
    std::fs::write(&base, COBERTURA).unwrap();
    let db = dir.path().join("s.db");
    let db_s = db.to_str().unwrap();
    let out = run_ok(&[
        "--db",
        db_s,
        "event",
        "coverage",
        "--repo",
        "github.com/acme/api",
        "--pr",
        "42",
        "--report",
        head.to_str().unwrap(),
        "--base-report",
        base.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("82.00% (base 78.00%, +4.00 pt)"), "{said}");

    // The code host lists the PR afterwards: its row is filled in, the delta kept.
    let store = Store::open(&db).unwrap();
    store
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![Op::UpsertPullRequest(PullRequestRow {
                repo: "github.com/acme/api".into(),
                number: 42,
                author: "ana".into(),
                opened_at: chrono::Utc::now().timestamp_millis() - 3_600_000,
                merged_at: None,
                closed_at: None,
                ai_agent: None,
                ai_detected_by: None,
                review_rounds: 0,
                first_review_at: None,
                reverted: false,
                coverage_delta: None,
                ticket_key: None,
            })],
            ..WriteBatch::default()
        })
        .unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (author, delta): (String, f64) = conn
        .query_row(
            "SELECT author, coverage_delta FROM pull_requests WHERE number = 42",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((author.as_str(), delta), ("ana", 4.0));

    let doc = json_of(&run_ok(&[
        "--db",
        db_s,
        "report",
        "quality",
        "--json",
        "--no-refresh",
    ]));
    let row = doc["quality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "coverage_delta_points")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(row["human"]["value"], 4.0, "{doc}");
    assert_eq!(row["human"]["denominator"], 1, "{doc}");
}

#[test]
fn an_unreadable_report_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (head, base) = (dir.path().join("lcov.info"), dir.path().join("base.info"));
    std::fs::write(&head, "SF:a\nLF:ten\nend_of_record\n").unwrap();
    std::fs::write(&base, LCOV).unwrap();
    let out = crate::common::bin()
        .args(["--db", dir.path().join("s.db").to_str().unwrap()])
        .args([
            "event",
            "coverage",
            "--repo",
            "github.com/acme/api",
            "--pr",
            "1",
        ])
        .arg("--report")
        .arg(&head)
        .arg("--base-report")
        .arg(&base)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:2: `ten` is not a line count", head.display())),
        "{err}"
    );
}
