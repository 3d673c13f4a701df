//! Row operations on the outcome, vendor-usage and alert tables (commits, pull requests,
//! deploys, incidents, daily vendor usage, alerts), applied inside a write batch. An alert
//! operation on a missing or resolved alert fails the batch with an [`OpError`].

use super::error::StoreError;
use crate::domain::UnixMillis;
use crate::domain::alert_rules::{Finding, Unit};
use crate::domain::alerts::{AlertState, Severity};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// A commit; `ai_agent` is the agent id (`claude_code`, …) or another tool's name (`aider`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitRow {
    pub repo: String,
    pub sha: String,
    pub author: String,
    pub ts: UnixMillis,
    pub ai_agent: Option<String>,
    /// `trailer`, `author` or `telemetry`.
    pub ai_detected_by: Option<String>,
    pub lines_added: i64,
    pub lines_removed: i64,
    /// The sha of the commit that reverted this one.
    pub reverted_by: Option<String>,
    pub ticket_key: Option<String>,
    /// The branch the commit was first found on (the default branch wins).
    pub branch: Option<String>,
    /// Merge commits carry no line counts of their own.
    pub is_merge: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PullRequestRow {
    pub repo: String,
    pub number: i64,
    pub author: String,
    pub opened_at: UnixMillis,
    pub merged_at: Option<UnixMillis>,
    pub closed_at: Option<UnixMillis>,
    pub ai_agent: Option<String>,
    pub ai_detected_by: Option<String>,
    pub review_rounds: i64,
    pub first_review_at: Option<UnixMillis>,
    pub reverted: bool,
    pub coverage_delta: Option<f64>,
    pub ticket_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployRow {
    pub repo: String,
    pub id: String,
    pub ts: UnixMillis,
    pub sha: Option<String>,
    /// `success`, `failed`, `rolled_back`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    pub id: String,
    pub repo: Option<String>,
    pub opened_at: UnixMillis,
    pub resolved_at: Option<UnixMillis>,
    /// `sev1` … `sev4`.
    pub severity: String,
    pub caused_by_sha: Option<String>,
    pub ai_linked: bool,
    pub title: Option<String>,
}

/// One vendor-aggregated day (Cursor, Copilot, Anthropic Claude Code analytics, …), as the
/// pollers write it and a console pushes it: the key is (source, day, developer, team); an
/// upsert replaces the day's numbers (vendors re-state days).
pub use crate::domain::vendor_day::VendorDayRecord as DailyUsageRow;

/// An alert instance as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertRow {
    pub rule: String,
    pub subject: String,
    pub severity: Severity,
    pub state: AlertState,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub message: String,
    pub fired_at: UnixMillis,
    pub acked_at: Option<UnixMillis>,
    pub acked_by: Option<String>,
    pub note: Option<String>,
    pub snoozed_until: Option<UnixMillis>,
    pub resolved_at: Option<UnixMillis>,
    /// How `value` and `threshold` are shown (money, %, counts, per minute).
    pub unit: Option<Unit>,
    /// Who resolved it (`agentdeck` when the condition cleared) and why.
    pub resolved_by: Option<String>,
    pub resolve_note: Option<String>,
}

impl AlertRow {
    /// A new firing alert for a finding: the one conversion from rule output to a row.
    pub fn firing(f: &Finding, fired_at: UnixMillis) -> AlertRow {
        AlertRow {
            rule: f.rule.clone(),
            subject: f.subject.clone(),
            severity: f.severity,
            state: AlertState::Firing,
            value: Some(f.value),
            threshold: Some(f.threshold),
            message: f.message.clone(),
            fired_at,
            unit: Some(f.unit),
            ..AlertRow::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    UpsertCommit(CommitRow),
    /// A later commit names `sha_prefix` (an abbreviated or full id) in `repo`: it reverted
    /// it, or it fixed it. Unknown targets change nothing.
    LinkCommit {
        repo: String,
        sha_prefix: String,
        reverted_by: Option<String>,
        fixed_by: Option<String>,
    },
    UpsertPullRequest(PullRequestRow),
    UpsertDeploy(DeployRow),
    UpsertIncident(IncidentRow),
    UpsertDailyUsage(DailyUsageRow),
    /// A deploy or incident reported by a CI/CD or paging tool (`source` says which
    /// channel: `cli`, `api:<developer>`). An incident naming a commit is AI-linked when
    /// that commit is AI-attributed.
    RecordOutcomeEvent {
        event: crate::domain::outcome_event::OutcomeEvent,
        source: String,
        received_at: UnixMillis,
    },
    /// Inserts the alert, or keeps the stored one when (rule, subject, fired_at) exists.
    FireAlert(AlertRow),
    /// Firing, acked or snoozed → acked, recording who, when and why.
    AckAlert {
        id: i64,
        by: String,
        note: String,
        at: UnixMillis,
    },
    /// Firing, acked or snoozed → snoozed until `until`; `by` is kept in `acked_by`.
    SnoozeAlert {
        id: i64,
        until: UnixMillis,
        by: String,
    },
    /// → resolved at `at` by `by` (an already-resolved alert keeps its first resolution).
    ResolveAlert {
        id: i64,
        at: UnixMillis,
        by: Option<String>,
        note: Option<String>,
    },
    /// An alert as the team server holds it (`origin` = server URL, `remote_id` = its id):
    /// the server's state replaces the local copy.
    UpsertRemoteAlert {
        origin: String,
        remote_id: i64,
        row: AlertRow,
        updated_at: UnixMillis,
    },
    /// An alert action has been delivered to (or refused by) the team server.
    ClearOutbox {
        id: i64,
    },
    /// The condition still holds: refresh an open alert's value and message.
    UpdateAlert {
        id: i64,
        value: f64,
        threshold: f64,
        message: String,
        at: UnixMillis,
    },
    /// Queue webhook notifications for the alert (rule, subject, fired_at), one per target.
    QueueDeliveries {
        rule: String,
        subject: String,
        fired_at: UnixMillis,
        event: String,
        targets: Vec<String>,
        at: UnixMillis,
    },
    /// The outcome of delivery attempts (`delivered`, `pending` or `dead`).
    RecordDelivery {
        id: i64,
        state: String,
        attempts: i64,
        error: Option<String>,
        at: UnixMillis,
    },
    /// Snoozed alerts whose `snoozed_until` is before `now` fire again.
    WakeSnoozed {
        now: UnixMillis,
    },
    /// A developer's team as the team server knows it: creates the developer, or updates a
    /// row that is `unassigned` or was itself learned from the server; a team set locally
    /// (config, demo) is kept.
    LearnDeveloper {
        id: String,
        display_name: Option<String>,
        team: String,
    },
    /// One run of a source (see `source_health.rs`).
    RecordRun(super::source_health::SourceRun),
    /// A configured source, before or between runs: its kind and settings (no secrets).
    DeclareSource {
        source: String,
        kind: String,
        settings: String,
    },
    /// Lines a file collector skipped in one file; `restart` forgets earlier ones first.
    SkippedLines {
        source: String,
        path: String,
        restart: bool,
        lines: Vec<super::source_health::SkippedLine>,
        at: UnixMillis,
    },
    /// A developer from the directory (config, CSV, GitHub teams, a vendor's member list):
    /// sets team, role and start date where given, keeps what is not.
    UpsertMember(super::directory::MemberRow),
    /// A vendor's per-day usage, billed or estimated money, or activity (see `vendor.rs`).
    UpsertVendorUsage(super::vendor::VendorUsageRow),
    /// A paid seat as the vendor lists it.
    UpsertSeat(super::vendor::SeatRow),
    /// A pull request's line-coverage change in percentage points (from a CI coverage
    /// report); a PR the code host has not listed yet is kept as a stub it fills in later.
    SetCoverage {
        repo: String,
        number: i64,
        delta_points: f64,
        at: UnixMillis,
    },
    /// The configured project budgets (project id, micro-USD a month), replacing all.
    SetProjectBudgets(Vec<(String, i64)>),
    /// The ETag a code host gave a listing URL, for a conditional request next pass.
    RememberEtag {
        source: String,
        url: String,
        etag: String,
        at: UnixMillis,
    },
}

/// Why an alert operation was refused. Travels inside the store error; see [`op_rejection`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("there is no alert with id {0} (`agentdeck alerts list` shows the ids)")]
    UnknownAlert(i64),
    #[error("alert {0} is already resolved; only firing, acked or snoozed alerts can be {1}")]
    AlertResolved(i64, &'static str),
}

/// The refusal inside a failed batch, if that is why it failed.
pub fn op_rejection(err: &StoreError) -> Option<&OpError> {
    match err {
        StoreError::Sql(rusqlite::Error::ToSqlConversionFailure(inner)) => {
            inner.downcast_ref::<OpError>()
        }
        _ => None,
    }
}

fn refuse(e: OpError) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// Applies `ops` in order; returns the topics they touched.
pub(super) fn apply_ops(
    tx: &Transaction<'_>,
    ops: &[Op],
) -> rusqlite::Result<BTreeSet<&'static str>> {
    let mut topics = BTreeSet::new();
    for op in ops {
        topics.insert(apply_one(tx, op)?);
    }
    Ok(topics)
}

fn apply_one(tx: &Transaction<'_>, op: &Op) -> rusqlite::Result<&'static str> {
    use super::source_health as health;
    match op {
        Op::RecordRun(run) => health::record_run(tx, run).map(|()| "sources"),
        Op::DeclareSource {
            source,
            kind,
            settings,
        } => health::declare(tx, source, kind, settings).map(|()| "sources"),
        Op::SkippedLines {
            source,
            path,
            restart,
            lines,
            at,
        } => health::skipped_lines(tx, source, path, *restart, lines, *at).map(|()| "sources"),
        Op::UpsertMember(m) => super::directory::upsert_member(tx, m).map(|()| "developers"),
        Op::UpsertVendorUsage(r) => super::vendor::upsert_usage(tx, r).map(|()| "daily_usage"),
        Op::UpsertSeat(r) => super::vendor::upsert_seat(tx, r).map(|()| "daily_usage"),
        Op::SetCoverage {
            repo,
            number,
            delta_points,
            at,
        } => {
            tx.prepare_cached(
                "INSERT INTO pull_requests (repo, number, author, opened_at, coverage_delta)
                 VALUES (?1, ?2, '', ?3, ?4)
                 ON CONFLICT (repo, number) DO UPDATE SET coverage_delta = excluded.coverage_delta",
            )?
            .execute(params![repo, number, at, delta_points])?;
            Ok("commits")
        }
        Op::SetProjectBudgets(budgets) => {
            tx.execute("DELETE FROM project_budgets", [])?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO project_budgets (project_id, budget_micro_usd_month) VALUES (?1, ?2)",
            )?;
            for (project, micro) in budgets {
                stmt.execute(rusqlite::params![project, micro])?;
            }
            Ok("developers")
        }
        Op::RememberEtag {
            source,
            url,
            etag,
            at,
        } => super::http_etags::remember(tx, source, url, etag, *at).map(|()| "sources"),
        Op::LearnDeveloper {
            id,
            display_name,
            team,
        } => {
            tx.prepare_cached(
                "INSERT INTO developers (id, display_name, team, team_from_server)
                 VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (id) DO UPDATE SET team = excluded.team, team_from_server = 1,
                     display_name = coalesce(developers.display_name, excluded.display_name)
                 WHERE developers.team_from_server = 1 OR developers.team = 'unassigned'",
            )?
            .execute(params![id, display_name, team])?;
            Ok("developers")
        }
        Op::UpsertCommit(c) => {
            tx.prepare_cached(
                "INSERT INTO commits (repo, sha, author, ts, ai_agent, ai_detected_by, lines_added,
                     lines_removed, reverted_by, ticket_key, branch, is_merge)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (repo, sha) DO UPDATE SET author = excluded.author, ts = excluded.ts,
                     ai_agent = coalesce(excluded.ai_agent, ai_agent),
                     ai_detected_by = coalesce(excluded.ai_detected_by, ai_detected_by),
                     lines_added = excluded.lines_added, lines_removed = excluded.lines_removed,
                     reverted_by = coalesce(excluded.reverted_by, reverted_by),
                     ticket_key = coalesce(excluded.ticket_key, ticket_key),
                     branch = coalesce(branch, excluded.branch), is_merge = excluded.is_merge",
            )?
            .execute(params![
                c.repo,
                c.sha,
                c.author,
                c.ts,
                c.ai_agent,
                c.ai_detected_by,
                c.lines_added,
                c.lines_removed,
                c.reverted_by,
                c.ticket_key,
                c.branch,
                c.is_merge
            ])?;
            Ok("commits")
        }
        Op::LinkCommit {
            repo,
            sha_prefix,
            reverted_by,
            fixed_by,
        } => {
            let prefix = sha_prefix.to_ascii_lowercase();
            // A range over the primary key: every sha that starts with the prefix.
            tx.prepare_cached(
                "UPDATE commits SET reverted_by = coalesce(reverted_by, ?3),
                     fixed_by = coalesce(fixed_by, ?4)
                 WHERE repo = ?1 AND sha >= ?2 AND sha < ?2 || 'g' AND sha <> coalesce(?3, ?4)",
            )?
            .execute(params![repo, prefix, reverted_by, fixed_by])?;
            Ok("commits")
        }
        Op::UpsertPullRequest(p) => {
            tx.prepare_cached(
                "INSERT INTO pull_requests (repo, number, author, opened_at, merged_at, closed_at,
                     ai_agent, ai_detected_by, review_rounds, first_review_at, reverted,
                     coverage_delta, ticket_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (repo, number) DO UPDATE SET author = excluded.author,
                     opened_at = excluded.opened_at, merged_at = excluded.merged_at,
                     closed_at = excluded.closed_at,
                     ai_agent = coalesce(excluded.ai_agent, ai_agent),
                     ai_detected_by = coalesce(excluded.ai_detected_by, ai_detected_by),
                     review_rounds = excluded.review_rounds, first_review_at = excluded.first_review_at,
                     reverted = excluded.reverted,
                     coverage_delta = coalesce(excluded.coverage_delta, coverage_delta),
                     ticket_key = coalesce(excluded.ticket_key, ticket_key)",
            )?
            .execute(params![
                p.repo, p.number, p.author, p.opened_at, p.merged_at, p.closed_at, p.ai_agent,
                p.ai_detected_by, p.review_rounds, p.first_review_at, p.reverted, p.coverage_delta,
                p.ticket_key
            ])?;
            Ok("pull_requests")
        }
        Op::UpsertDeploy(d) => {
            tx.prepare_cached(
                "INSERT INTO deploys (repo, id, ts, sha, status) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (repo, id) DO UPDATE SET ts = excluded.ts, sha = excluded.sha,
                     status = excluded.status",
            )?
            .execute(params![d.repo, d.id, d.ts, d.sha, d.status])?;
            Ok("deploys")
        }
        Op::UpsertIncident(i) => {
            tx.prepare_cached(
                "INSERT INTO incidents (id, repo, opened_at, resolved_at, severity, caused_by_sha,
                     ai_linked, title)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET repo = excluded.repo, opened_at = excluded.opened_at,
                     resolved_at = excluded.resolved_at, severity = excluded.severity,
                     caused_by_sha = excluded.caused_by_sha, ai_linked = excluded.ai_linked,
                     title = excluded.title",
            )?
            .execute(params![i.id, i.repo, i.opened_at, i.resolved_at, i.severity, i.caused_by_sha, i.ai_linked, i.title])?;
            Ok("incidents")
        }
        Op::RecordOutcomeEvent {
            event,
            source,
            received_at,
        } => {
            use crate::domain::outcome_event::OutcomeKind;
            let ts = event.ts_ms.unwrap_or(*received_at);
            let sha = event.sha.as_deref().map(str::to_ascii_lowercase);
            match event.kind {
                OutcomeKind::Deploy => {
                    tx.prepare_cached(
                        "INSERT INTO deploys (repo, id, ts, sha, status, environment, source)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (repo, id) DO UPDATE SET ts = excluded.ts, sha = excluded.sha,
                             status = excluded.status, environment = excluded.environment,
                             source = excluded.source",
                    )?
                    .execute(params![
                        event.repo.as_deref().unwrap_or_default(),
                        event.id.trim(),
                        ts,
                        sha,
                        event.status.as_deref().unwrap_or("success"),
                        event.environment,
                        source
                    ])?;
                    Ok("deploys")
                }
                OutcomeKind::Incident => {
                    tx.prepare_cached(
                        "INSERT INTO incidents (id, repo, opened_at, resolved_at, severity, caused_by_sha,
                             ai_linked, title, source)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                             EXISTS (SELECT 1 FROM commits WHERE ?6 IS NOT NULL AND ai_agent IS NOT NULL
                                 AND sha >= ?6 AND sha < ?6 || 'g'), ?7, ?8)
                         ON CONFLICT (id) DO UPDATE SET repo = coalesce(excluded.repo, repo),
                             opened_at = excluded.opened_at,
                             resolved_at = coalesce(excluded.resolved_at, resolved_at),
                             severity = excluded.severity,
                             caused_by_sha = coalesce(excluded.caused_by_sha, caused_by_sha),
                             ai_linked = excluded.ai_linked OR ai_linked,
                             title = coalesce(excluded.title, title), source = excluded.source",
                    )?
                    .execute(params![
                        event.id.trim(),
                        event.repo,
                        ts,
                        event.resolved_at_ms,
                        event.severity.as_deref().unwrap_or("sev3"),
                        sha,
                        event.title,
                        source
                    ])?;
                    Ok("incidents")
                }
            }
        }
        Op::UpsertDailyUsage(d) => {
            tx.prepare_cached(
                "INSERT INTO daily_usage (source, day, developer, team, suggestions, acceptances,
                     lines_suggested, lines_accepted, requests, spend_micro_usd)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (source, day, developer, team) DO UPDATE SET
                     suggestions = excluded.suggestions, acceptances = excluded.acceptances,
                     lines_suggested = excluded.lines_suggested, lines_accepted = excluded.lines_accepted,
                     requests = excluded.requests, spend_micro_usd = excluded.spend_micro_usd",
            )?
            .execute(params![
                d.source, d.day, d.developer, d.team, d.suggestions, d.acceptances, d.lines_suggested,
                d.lines_accepted, d.requests, d.spend_micro_usd
            ])?;
            Ok("daily_usage")
        }
        Op::FireAlert(a) => {
            tx.prepare_cached(
                "INSERT INTO alerts (rule, subject, severity, state, value, threshold, message, fired_at,
                     acked_at, acked_by, note, snoozed_until, resolved_at, unit, resolved_by,
                     resolve_note, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?8)
                 ON CONFLICT (rule, subject, fired_at) DO NOTHING",
            )?
            .execute(params![
                a.rule, a.subject, a.severity.as_str(), a.state.as_str(), a.value, a.threshold, a.message,
                a.fired_at, a.acked_at, a.acked_by, a.note, a.snoozed_until, a.resolved_at,
                a.unit.map(Unit::as_str), a.resolved_by, a.resolve_note
            ])?;
            Ok("alerts")
        }
        Op::AckAlert { id, by, note, at } => {
            open_alert(tx, *id, "acknowledged")?;
            tx.prepare_cached(
                "UPDATE alerts SET state = 'acked', acked_at = ?2, acked_by = ?3, note = ?4,
                     snoozed_until = NULL, updated_at = max(updated_at + 1, ?2) WHERE id = ?1",
            )?
            .execute(params![id, at, by, (!note.is_empty()).then_some(note)])?;
            outbox(tx, *id, "ack", Some(note.as_str()), None, *at)?;
            Ok("alerts")
        }
        Op::SnoozeAlert { id, until, by } => {
            open_alert(tx, *id, "snoozed")?;
            tx.prepare_cached(
                "UPDATE alerts SET state = 'snoozed', snoozed_until = ?2, acked_by = ?3,
                     updated_at = max(updated_at + 1, ?4) WHERE id = ?1",
            )?
            .execute(params![
                id,
                until,
                by,
                chrono::Utc::now().timestamp_millis()
            ])?;
            outbox(
                tx,
                *id,
                "snooze",
                None,
                Some(*until),
                chrono::Utc::now().timestamp_millis(),
            )?;
            Ok("alerts")
        }
        Op::ResolveAlert { id, at, by, note } => {
            state_of(tx, *id)?.ok_or_else(|| refuse(OpError::UnknownAlert(*id)))?;
            tx.prepare_cached(
                "UPDATE alerts SET state = 'resolved', resolved_at = coalesce(resolved_at, ?2),
                     resolved_by = coalesce(resolved_by, ?3), resolve_note = coalesce(resolve_note, ?4),
                     snoozed_until = NULL, updated_at = max(updated_at + 1, ?2) WHERE id = ?1",
            )?
            .execute(params![id, at, by, note])?;
            outbox(tx, *id, "resolve", note.as_deref(), None, *at)?;
            Ok("alerts")
        }
        Op::UpsertRemoteAlert {
            origin,
            remote_id,
            row: a,
            updated_at,
        } => {
            let changed = tx
                .prepare_cached(
                    "UPDATE alerts SET rule = ?3, subject = ?4, severity = ?5, state = ?6, value = ?7,
                         threshold = ?8, message = ?9, fired_at = ?10, acked_at = ?11, acked_by = ?12,
                         note = ?13, snoozed_until = ?14, resolved_at = ?15, unit = ?16,
                         resolved_by = ?17, resolve_note = ?18, updated_at = ?19
                     WHERE origin = ?1 AND remote_id = ?2",
                )?
                .execute(params![
                    origin, remote_id, a.rule, a.subject, a.severity.as_str(), a.state.as_str(), a.value,
                    a.threshold, a.message, a.fired_at, a.acked_at, a.acked_by, a.note, a.snoozed_until,
                    a.resolved_at, a.unit.map(Unit::as_str), a.resolved_by, a.resolve_note, updated_at
                ])?;
            if changed == 0 {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO alerts (origin, remote_id, rule, subject, severity, state, value,
                         threshold, message, fired_at, acked_at, acked_by, note, snoozed_until, resolved_at,
                         unit, resolved_by, resolve_note, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                )?
                .execute(params![
                    origin, remote_id, a.rule, a.subject, a.severity.as_str(), a.state.as_str(), a.value,
                    a.threshold, a.message, a.fired_at, a.acked_at, a.acked_by, a.note, a.snoozed_until,
                    a.resolved_at, a.unit.map(Unit::as_str), a.resolved_by, a.resolve_note, updated_at
                ])?;
            }
            Ok("alerts")
        }
        Op::ClearOutbox { id } => {
            tx.prepare_cached("DELETE FROM alert_outbox WHERE id = ?1")?
                .execute([id])?;
            Ok("alert_outbox")
        }
        Op::UpdateAlert {
            id,
            value,
            threshold,
            message,
            at,
        } => {
            tx.prepare_cached(
                "UPDATE alerts SET value = ?2, threshold = ?3, message = ?4, updated_at = ?5
                 WHERE id = ?1 AND state <> 'resolved'",
            )?
            .execute(params![id, value, threshold, message, at])?;
            Ok("alerts")
        }
        Op::QueueDeliveries {
            rule,
            subject,
            fired_at,
            event,
            targets,
            at,
        } => {
            for target in targets {
                tx.prepare_cached(
                    "INSERT INTO alert_deliveries (alert_id, target, event, state, created_at, updated_at)
                     SELECT id, ?4, ?5, 'pending', ?6, ?6 FROM alerts
                     WHERE rule = ?1 AND subject = ?2 AND fired_at = ?3
                     ON CONFLICT (alert_id, target, event) DO NOTHING",
                )?
                .execute(params![rule, subject, fired_at, target, event, at])?;
            }
            Ok("alert_deliveries")
        }
        Op::RecordDelivery {
            id,
            state,
            attempts,
            error,
            at,
        } => {
            tx.prepare_cached(
                "UPDATE alert_deliveries SET state = ?2, attempts = ?3, last_error = ?4, updated_at = ?5
                 WHERE id = ?1",
            )?
            .execute(params![id, state, attempts, error, at])?;
            Ok("alert_deliveries")
        }
        Op::WakeSnoozed { now } => {
            // Consoles syncing a team server pull alerts by `updated_at`: waking moves it.
            tx.prepare_cached(
                "UPDATE alerts SET state = 'firing', snoozed_until = NULL,
                     updated_at = max(updated_at + 1, ?1)
                 WHERE state = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= ?1",
            )?
            .execute([now])?;
            Ok("alerts")
        }
    }
}

/// Queues an action taken here on an alert owned by a team server, to be sent to it.
fn outbox(
    tx: &Transaction<'_>,
    id: i64,
    action: &str,
    note: Option<&str>,
    until: Option<UnixMillis>,
    at: UnixMillis,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO alert_outbox (origin, remote_id, action, note, until_ms, created_at)
         SELECT origin, remote_id, ?2, ?3, ?4, ?5 FROM alerts WHERE id = ?1 AND remote_id IS NOT NULL",
    )?
    .execute(params![id, action, note.filter(|n| !n.is_empty()), until, at])?;
    Ok(())
}

fn state_of(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("SELECT state FROM alerts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// The alert exists and is not resolved.
fn open_alert(tx: &Transaction<'_>, id: i64, verb: &'static str) -> rusqlite::Result<()> {
    match state_of(tx, id)?.as_deref() {
        None => Err(refuse(OpError::UnknownAlert(id))),
        Some("resolved") => Err(refuse(OpError::AlertResolved(id, verb))),
        Some(_) => Ok(()),
    }
}
