//! Row operations on the outcome, vendor-usage and alert tables (commits, pull requests,
//! deploys, incidents, daily vendor usage, alerts), applied inside a write batch. An alert
//! operation on a missing or resolved alert fails the batch with an [`OpError`].

use super::error::StoreError;
use crate::domain::UnixMillis;
use crate::domain::alerts::{AlertState, Severity};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// A commit; `ai_agent` is the agent id (`claude_code`, …) or another tool's name (`aider`).
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// One vendor-aggregated day (Cursor, Copilot, Anthropic Claude Code analytics, …). The key is
/// (source, day, developer, team); an upsert replaces the day's numbers (vendors re-state days).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyUsageRow {
    pub source: String,
    /// `YYYY-MM-DD` as the vendor reports it (UTC).
    pub day: String,
    /// `''` when the row is per team.
    pub developer: String,
    /// `''` when the row is per developer.
    pub team: String,
    pub suggestions: i64,
    pub acceptances: i64,
    pub lines_suggested: i64,
    pub lines_accepted: i64,
    pub requests: i64,
    pub spend_micro_usd: i64,
}

/// An alert instance as stored.
#[derive(Debug, Clone, PartialEq)]
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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    UpsertCommit(CommitRow),
    UpsertPullRequest(PullRequestRow),
    UpsertDeploy(DeployRow),
    UpsertIncident(IncidentRow),
    UpsertDailyUsage(DailyUsageRow),
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
    /// → resolved at `at` (an already-resolved alert keeps its first resolution time).
    ResolveAlert {
        id: i64,
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
                     lines_removed, reverted_by, ticket_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (repo, sha) DO UPDATE SET author = excluded.author, ts = excluded.ts,
                     ai_agent = coalesce(excluded.ai_agent, ai_agent),
                     ai_detected_by = coalesce(excluded.ai_detected_by, ai_detected_by),
                     lines_added = excluded.lines_added, lines_removed = excluded.lines_removed,
                     reverted_by = coalesce(excluded.reverted_by, reverted_by),
                     ticket_key = coalesce(excluded.ticket_key, ticket_key)",
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
                c.ticket_key
            ])?;
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
                     reverted = excluded.reverted, coverage_delta = excluded.coverage_delta,
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
                     acked_at, acked_by, note, snoozed_until, resolved_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (rule, subject, fired_at) DO NOTHING",
            )?
            .execute(params![
                a.rule, a.subject, a.severity.as_str(), a.state.as_str(), a.value, a.threshold, a.message,
                a.fired_at, a.acked_at, a.acked_by, a.note, a.snoozed_until, a.resolved_at
            ])?;
            Ok("alerts")
        }
        Op::AckAlert { id, by, note, at } => {
            open_alert(tx, *id, "acknowledged")?;
            tx.prepare_cached(
                "UPDATE alerts SET state = 'acked', acked_at = ?2, acked_by = ?3, note = ?4,
                     snoozed_until = NULL WHERE id = ?1",
            )?
            .execute(params![id, at, by, (!note.is_empty()).then_some(note)])?;
            Ok("alerts")
        }
        Op::SnoozeAlert { id, until, by } => {
            open_alert(tx, *id, "snoozed")?;
            tx.prepare_cached("UPDATE alerts SET state = 'snoozed', snoozed_until = ?2, acked_by = ?3 WHERE id = ?1")?
                .execute(params![id, until, by])?;
            Ok("alerts")
        }
        Op::ResolveAlert { id, at } => {
            state_of(tx, *id)?.ok_or_else(|| refuse(OpError::UnknownAlert(*id)))?;
            tx.prepare_cached(
                "UPDATE alerts SET state = 'resolved', resolved_at = coalesce(resolved_at, ?2),
                     snoozed_until = NULL WHERE id = ?1",
            )?
            .execute(params![id, at])?;
            Ok("alerts")
        }
        Op::WakeSnoozed { now } => {
            tx.prepare_cached(
                "UPDATE alerts SET state = 'firing', snoozed_until = NULL
                 WHERE state = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= ?1",
            )?
            .execute([now])?;
            Ok("alerts")
        }
    }
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
