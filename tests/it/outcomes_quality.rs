//! `report quality` and `report ticket` through the binary on a crafted store: every rate
//! with its numerator and denominator, defects counting reverts and fixes once, cost per
//! merged PR and per ticket (sessions on a branch naming it), in JSON and CSV.

use agentdeck::domain::{Agent, Cost, Money, RequestKey, RequestRecord, SessionRecord, TokenUsage};
use agentdeck::store::ops::{CommitRow, IncidentRow, Op, PullRequestRow};
use agentdeck::store::{Store, WriteBatch};

fn commit(sha: &str, ai: Option<&str>, reverted: bool, ticket: &str, now: i64) -> Op {
    Op::UpsertCommit(CommitRow {
        repo: "github.com/acme/api".into(),
        sha: sha.into(),
        author: "ana@x.dev".into(),
        ts: now - 3_600_000,
        ai_agent: ai.map(str::to_string),
        ai_detected_by: ai.map(|_| "trailer".to_string()),
        lines_added: 10,
        lines_removed: 1,
        reverted_by: reverted.then(|| "f".repeat(40)),
        ticket_key: Some(ticket.into()),
        branch: Some("main".into()),
        is_merge: false,
    })
}

fn pr(number: i64, ai: bool, merged: bool, rounds: i64, now: i64) -> Op {
    Op::UpsertPullRequest(PullRequestRow {
        repo: "github.com/acme/api".into(),
        number,
        author: "ana@x.dev".into(),
        opened_at: now - 10 * 3_600_000,
        merged_at: merged.then_some(now - 3_600_000),
        closed_at: merged.then_some(now - 3_600_000),
        ai_agent: ai.then(|| "claude_code".to_string()),
        ai_detected_by: ai.then(|| "message".to_string()),
        review_rounds: rounds,
        first_review_at: Some(now - 8 * 3_600_000),
        reverted: false,
        coverage_delta: ai.then_some(1.5),
        ticket_key: Some("PAY-7".into()),
    })
}

#[test]
fn quality_and_ticket_reports_show_their_denominators() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let now = chrono::Utc::now().timestamp_millis();
    {
        let store = Store::open(&db).unwrap();
        let ops = vec![
            commit(&"a".repeat(40), Some("claude_code"), true, "PAY-7", now),
            commit(&"b".repeat(40), Some("codex"), false, "PAY-7", now),
            commit(&"c".repeat(40), Some("cursor"), false, "ENG-1", now),
            commit(&"d".repeat(40), None, false, "ENG-1", now),
            commit(&"e".repeat(40), None, false, "ENG-1", now),
            // the codex commit is fixed by a later one; the claude one is reverted and fixed: once
            Op::LinkCommit {
                repo: "github.com/acme/api".into(),
                sha_prefix: "bbbbbbb".into(),
                reverted_by: None,
                fixed_by: Some("9".repeat(40)),
            },
            Op::LinkCommit {
                repo: "github.com/acme/api".into(),
                sha_prefix: "aaaaaaa".into(),
                reverted_by: None,
                fixed_by: Some("8".repeat(40)),
            },
            pr(1, true, true, 1, now),
            pr(2, true, true, 3, now),
            pr(3, true, false, 0, now),
            pr(4, false, true, 1, now),
            Op::UpsertIncident(IncidentRow {
                id: "INC-1".into(),
                repo: Some("github.com/acme/api".into()),
                opened_at: now - 3_600_000,
                resolved_at: None,
                severity: "sev2".into(),
                caused_by_sha: Some("a".repeat(40)),
                ai_linked: true,
                title: None,
            }),
        ];
        store
            .writer()
            .apply_blocking(WriteBatch {
                ops,
                sessions: vec![SessionRecord {
                    agent: Agent::ClaudeCode,
                    session_key: "s1".into(),
                    source: "test".into(),
                    developer: "ana@x.dev".into(),
                    project_id: Some("github.com/acme/api".into()),
                    branch: Some("ana/pay-7-settle".into()),
                    started_at: now - 5 * 3_600_000,
                    last_activity_at: now - 4 * 3_600_000,
                    title: None,
                }],
                requests: vec![RequestRecord {
                    dedupe_key: RequestKey::claude_message("r1", None),
                    agent: Agent::ClaudeCode,
                    session_key: "s1".into(),
                    ts: now - 4 * 3_600_000,
                    model: Some("claude-sonnet-4-5".into()),
                    usage: TokenUsage {
                        input: 10,
                        output: 10,
                        ..TokenUsage::default()
                    },
                    cost: Cost::reported(Money::from_usd(4.5)),
                    developer: "ana@x.dev".into(),
                    project_id: Some("github.com/acme/api".into()),
                    sidechain: false,
                    message_id: None,
                    fast: false,
                    ord: 0,
                }],
                ..WriteBatch::default()
            })
            .unwrap();
    }
    let db_arg = db.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--db", db_arg, "report"];
        all.extend_from_slice(args);
        all.push("--no-refresh");
        crate::common::run_ok(&all)
    };
    let doc = crate::common::json_of(&run(&["quality", "--json"]));
    let metric = |name: &str| {
        doc["quality"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == name)
            .cloned()
            .unwrap()
    };
    let frac = |m: &serde_json::Value, side: &str| {
        (
            m[side]["numerator"].as_i64().unwrap(),
            m[side]["denominator"].as_i64().unwrap(),
        )
    };
    assert_eq!(frac(&metric("share_of_prs"), "ai_assisted"), (3, 4));
    assert_eq!(
        frac(&metric("merged_on_first_review"), "ai_assisted"),
        (1, 2)
    );
    assert_eq!(frac(&metric("merged_on_first_review"), "human"), (1, 1));
    assert_eq!(frac(&metric("commit_revert_rate"), "ai_assisted"), (1, 3));
    assert_eq!(
        frac(&metric("commit_defect_rate"), "ai_assisted"),
        (2, 3),
        "revert + fix of one commit counts once"
    );
    assert_eq!(frac(&metric("commit_defect_rate"), "human"), (0, 2));
    assert_eq!(frac(&metric("incidents_ai_linked"), "ai_assisted"), (1, 1));
    let merge = metric("time_to_merge_hours");
    assert_eq!(merge["ai_assisted"]["denominator"], 2);
    assert!((merge["ai_assisted"]["value"].as_f64().unwrap() - 9.0).abs() < 1e-6);
    let cost = metric("agent_cost_per_merged_pr");
    assert_eq!(cost["ai_assisted"]["denominator"], 3);
    assert_eq!(
        cost["ai_assisted"]["numerator"].as_f64(),
        Some(4.5),
        "the spend in USD, not micro-USD: numerator ÷ denominator is the value"
    );
    assert!((cost["ai_assisted"]["value"].as_f64().unwrap() - 1.5).abs() < 1e-9);
    assert_eq!(cost["unit"], "usd");

    let table = String::from_utf8_lossy(&run(&["quality"]).stdout).into_owned();
    assert!(
        table.contains("67% (2/3)") && table.contains("$1.50 (3 merged)"),
        "{table}"
    );

    let csv = String::from_utf8_lossy(&run(&["ticket", "--csv"]).stdout).into_owned();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("ticket,commits,ai_commits,pull_requests,merged,sessions,cost_usd,unpriced_tokens")
    );
    assert_eq!(lines.next(), Some("PAY-7,2,2,4,3,1,4.500000,0"), "{csv}");
    assert_eq!(lines.next(), Some("ENG-1,3,1,0,0,0,0.000000,0"), "{csv}");
}

#[test]
fn report_ticket_counts_only_the_days_until_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let now = chrono::Utc::now().timestamp_millis();
    let ten_days_ago = |op: Op| match op {
        Op::UpsertCommit(c) => Op::UpsertCommit(CommitRow {
            ts: now - 10 * 86_400_000,
            ..c
        }),
        other => other,
    };
    Store::open(&db)
        .unwrap()
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![
                ten_days_ago(commit(&"a".repeat(40), None, false, "PAY-1", now)),
                commit(&"b".repeat(40), None, false, "PAY-1", now),
                commit(&"c".repeat(40), None, false, "PAY-2", now),
            ],
            ..WriteBatch::default()
        })
        .unwrap();
    let day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .date_naive()
            .to_string()
    };
    let out = crate::common::bin()
        .env("TZ", "UTC")
        .args([
            "--db",
            db.to_str().unwrap(),
            "--tz",
            "UTC",
            "report",
            "ticket",
            "--since",
            &day(now - 20 * 86_400_000),
            "--until",
            &day(now - 5 * 86_400_000),
            "--csv",
            "--no-refresh",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(
        rows,
        vec!["PAY-1,1,0,0,0,0,0.000000,0"],
        "the two commits of this week are after --until: {csv}"
    );
}

#[test]
fn filters_the_outcome_reports_cannot_apply_are_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    for (kind, flag) in [
        ("quality", "--developer"),
        ("ticket", "--agent"),
        ("budget", "--team"),
    ] {
        let out = crate::common::bin()
            .args([
                "--db",
                db.to_str().unwrap(),
                "report",
                kind,
                flag,
                "codex",
                "--no-refresh",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        assert!(
            err.contains(&format!("report {kind}: {flag} cannot narrow it")),
            "{err}"
        );
    }
}

#[test]
fn the_default_window_is_the_same_as_since_30d() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let since = |extra: &[&str]| {
        let mut args = vec![
            "--db",
            db.to_str().unwrap(),
            "report",
            "quality",
            "--json",
            "--no-refresh",
        ];
        args.extend_from_slice(extra);
        crate::common::json_of(&crate::common::run_ok(&args))["since"].clone()
    };
    let default = since(&[]);
    assert_eq!(default, since(&["--since", "30d"]), "{default}");
}

/// With --until the header and the JSON name both ends of the window, not only "since".
#[test]
fn the_header_names_until_when_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--db",
            db.to_str().unwrap(),
            "--tz",
            "UTC",
            "report",
            "quality",
            "--no-refresh",
        ];
        args.extend_from_slice(extra);
        crate::common::run_ok(&args)
    };
    let window = ["--since", "2026-01-01", "--until", "2026-01-31"];
    let table = String::from_utf8_lossy(&run(&window).stdout).into_owned();
    assert!(
        table.starts_with("Outcomes 2026-01-01 to 2026-01-31 "),
        "{table}"
    );
    let doc = crate::common::json_of(&run(&[&window[..], &["--json"]].concat()));
    assert_eq!(
        (doc["since"].as_str(), doc["until"].as_str()),
        (Some("2026-01-01"), Some("2026-01-31"))
    );
    // Without --until it is open-ended, as before.
    let table = String::from_utf8_lossy(&run(&["--since", "2026-01-01"]).stdout).into_owned();
    assert!(table.starts_with("Outcomes since 2026-01-01 "), "{table}");
    let doc = crate::common::json_of(&run(&["--since", "2026-01-01", "--json"]));
    assert!(doc["until"].is_null(), "{doc}");
}
