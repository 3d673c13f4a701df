//! Store operations on the outcome and alert tables, on a temp-file store: upserts land,
//! alert acknowledgement persists who/when/note, and bad ids are errors, not no-ops.

use agentdeck::domain::alerts::{AlertState, Severity};
use agentdeck::store::ops::{
    AlertRow, CommitRow, DailyUsageRow, DeployRow, IncidentRow, Op, OpError, PullRequestRow,
    op_rejection,
};
use agentdeck::store::{Store, WriteBatch};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

fn apply(store: &Store, ops: Vec<Op>) -> agentdeck::store::Result<()> {
    store
        .writer()
        .apply_blocking(WriteBatch {
            ops,
            ..WriteBatch::default()
        })
        .map(|_| ())
}

fn alert(subject: &str, fired_at: i64) -> AlertRow {
    AlertRow {
        rule: "spend_spike".into(),
        subject: subject.into(),
        severity: Severity::Warning,
        state: AlertState::Firing,
        value: Some(90.0),
        threshold: Some(30.0),
        message: "spend today $90.00 is 3.0× the 14-day average".into(),
        fired_at,
        acked_at: None,
        acked_by: None,
        note: None,
        snoozed_until: None,
        resolved_at: None,
        ..Default::default()
    }
}

#[test]
fn firing_is_idempotent_and_ack_persists_who_when_and_why() {
    let (_d, store) = store();
    let before = store.changes().borrow().get("alerts").copied().unwrap_or(0);
    apply(
        &store,
        vec![
            Op::FireAlert(alert("team:a", 1_000)),
            Op::FireAlert(alert("team:a", 1_000)),
        ],
    )
    .unwrap();
    apply(&store, vec![Op::FireAlert(alert("team:a", 1_000))]).unwrap();
    let alerts = store.reader().unwrap().alerts(&[]).unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "same (rule, subject, fired_at) is one alert"
    );
    assert!(store.changes().borrow().get("alerts").copied().unwrap_or(0) > before);

    let id = alerts[0].id;
    apply(
        &store,
        vec![Op::AckAlert {
            id,
            by: "ana@acme.dev".into(),
            note: "known load test".into(),
            at: 5_000,
        }],
    )
    .unwrap();
    // A fresh store handle (another process) sees it.
    let reopened = Store::open(store.path()).unwrap();
    let a = reopened.reader().unwrap().alert(id).unwrap().unwrap();
    assert_eq!(a.row.state, AlertState::Acked);
    assert_eq!(a.row.acked_by.as_deref(), Some("ana@acme.dev"));
    assert_eq!(a.row.acked_at, Some(5_000));
    assert_eq!(a.row.note.as_deref(), Some("known load test"));

    apply(
        &store,
        vec![Op::SnoozeAlert {
            id,
            until: 9_000,
            by: "ben@acme.dev".into(),
        }],
    )
    .unwrap();
    let a = store.reader().unwrap().alert(id).unwrap().unwrap();
    assert_eq!(
        (a.row.state, a.row.snoozed_until),
        (AlertState::Snoozed, Some(9_000))
    );
    apply(&store, vec![Op::WakeSnoozed { now: 8_999 }]).unwrap();
    assert_eq!(
        store
            .reader()
            .unwrap()
            .alert(id)
            .unwrap()
            .unwrap()
            .row
            .state,
        AlertState::Snoozed
    );
    apply(&store, vec![Op::WakeSnoozed { now: 9_000 }]).unwrap();
    assert_eq!(
        store
            .reader()
            .unwrap()
            .alert(id)
            .unwrap()
            .unwrap()
            .row
            .state,
        AlertState::Firing
    );

    apply(
        &store,
        vec![Op::ResolveAlert {
            id,
            at: 10_000,
            by: None,
            note: None,
        }],
    )
    .unwrap();
    apply(
        &store,
        vec![Op::ResolveAlert {
            id,
            at: 20_000,
            by: None,
            note: None,
        }],
    )
    .unwrap();
    let a = store.reader().unwrap().alert(id).unwrap().unwrap();
    assert_eq!(
        (a.row.state, a.row.resolved_at),
        (AlertState::Resolved, Some(10_000))
    );
    assert_eq!(
        store
            .reader()
            .unwrap()
            .alerts(&[AlertState::Firing])
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn bad_alert_ids_and_resolved_alerts_are_errors_and_roll_back_the_batch() {
    let (_d, store) = store();
    let ack = |id| Op::AckAlert {
        id,
        by: "x".into(),
        note: String::new(),
        at: 1,
    };
    let err = apply(&store, vec![ack(42)]).unwrap_err();
    assert_eq!(op_rejection(&err), Some(&OpError::UnknownAlert(42)));
    assert!(
        op_rejection(&err)
            .unwrap()
            .to_string()
            .contains("no alert with id 42")
    );
    let err = apply(
        &store,
        vec![Op::SnoozeAlert {
            id: 7,
            until: 1,
            by: "x".into(),
        }],
    )
    .unwrap_err();
    assert_eq!(op_rejection(&err), Some(&OpError::UnknownAlert(7)));
    let err = apply(
        &store,
        vec![Op::ResolveAlert {
            id: 7,
            at: 1,
            by: None,
            note: None,
        }],
    )
    .unwrap_err();
    assert_eq!(op_rejection(&err), Some(&OpError::UnknownAlert(7)));

    apply(&store, vec![Op::FireAlert(alert("team:b", 1))]).unwrap();
    let id = store.reader().unwrap().alerts(&[]).unwrap()[0].id;
    apply(
        &store,
        vec![Op::ResolveAlert {
            id,
            at: 2,
            by: None,
            note: None,
        }],
    )
    .unwrap();
    let err = apply(&store, vec![ack(id)]).unwrap_err();
    assert!(
        matches!(op_rejection(&err), Some(OpError::AlertResolved(i, _)) if *i == id),
        "{err}"
    );

    // The refusal rolls back the whole batch, including the ops before it.
    let err = apply(&store, vec![Op::FireAlert(alert("team:c", 3)), ack(999)]).unwrap_err();
    assert!(op_rejection(&err).is_some());
    assert_eq!(store.reader().unwrap().alerts(&[]).unwrap().len(), 1);
    // The writer keeps working after a refusal.
    apply(&store, vec![Op::FireAlert(alert("team:c", 3))]).unwrap();
    assert_eq!(store.reader().unwrap().alerts(&[]).unwrap().len(), 2);
}

#[test]
fn outcome_and_vendor_rows_upsert() {
    let (_d, store) = store();
    let commit = CommitRow {
        repo: "github.com/acme/api".into(),
        sha: "a".repeat(40),
        author: "ana@acme.dev".into(),
        ts: 1_000,
        ai_agent: Some("claude_code".into()),
        ai_detected_by: Some("trailer".into()),
        lines_added: 10,
        lines_removed: 2,
        reverted_by: None,
        ticket_key: Some("PLAT-1".into()),
        branch: None,
        is_merge: false,
    };
    let pr = PullRequestRow {
        repo: commit.repo.clone(),
        number: 7,
        author: commit.author.clone(),
        opened_at: 2_000,
        merged_at: None,
        closed_at: None,
        ai_agent: Some("claude_code".into()),
        ai_detected_by: Some("pr_body".into()),
        review_rounds: 0,
        first_review_at: None,
        reverted: false,
        coverage_delta: Some(1.5),
        ticket_key: None,
    };
    let usage = DailyUsageRow {
        source: "cursor".into(),
        day: "2026-11-20".into(),
        developer: "ana@acme.dev".into(),
        suggestions: 100,
        acceptances: 30,
        ..Default::default()
    };
    apply(
        &store,
        vec![
            Op::UpsertCommit(commit.clone()),
            Op::UpsertPullRequest(pr.clone()),
            Op::UpsertDeploy(DeployRow {
                repo: commit.repo.clone(),
                id: "d1".into(),
                ts: 3_000,
                sha: Some(commit.sha.clone()),
                status: "success".into(),
            }),
            Op::UpsertIncident(IncidentRow {
                id: "INC-1".into(),
                repo: None,
                opened_at: 4_000,
                resolved_at: None,
                severity: "sev2".into(),
                caused_by_sha: Some(commit.sha.clone()),
                ai_linked: true,
                title: None,
            }),
            Op::UpsertDailyUsage(usage.clone()),
        ],
    )
    .unwrap();
    // Re-stating rows updates them in place.
    apply(
        &store,
        vec![
            Op::UpsertCommit(CommitRow {
                reverted_by: Some("b".repeat(40)),
                ..commit
            }),
            Op::UpsertPullRequest(PullRequestRow {
                merged_at: Some(9_000),
                review_rounds: 2,
                ..pr
            }),
            Op::UpsertDailyUsage(DailyUsageRow {
                acceptances: 40,
                ..usage
            }),
        ],
    )
    .unwrap();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(
        one(
            "SELECT count(*) FROM commits WHERE reverted_by IS NOT NULL AND ai_agent = 'claude_code'"
        ),
        1
    );
    assert_eq!(
        one("SELECT review_rounds FROM pull_requests WHERE number = 7 AND merged_at = 9000"),
        2
    );
    assert_eq!(one("SELECT count(*) FROM deploys"), 1);
    assert_eq!(one("SELECT ai_linked FROM incidents"), 1);
    assert_eq!(one("SELECT acceptances FROM daily_usage"), 40);
    let counters = store.changes().borrow().clone();
    for topic in [
        "commits",
        "pull_requests",
        "deploys",
        "incidents",
        "daily_usage",
    ] {
        assert!(
            counters.get(topic).copied().unwrap_or(0) >= 1,
            "{topic} not bumped: {counters:?}"
        );
    }
}
