//! Row operations on the outcome, vendor-usage and alert tables (commits, pull requests,
//! deploys, incidents, daily vendor usage, alerts), applied inside a write batch. An alert
//! operation on a missing or resolved alert fails the batch with an [`OpError`].
//!
//! This file holds the operations and the one dispatch over them; the SQL of each family
//! lives beside it (`outcomes.rs`, `alerts.rs`, `org.rs`; sources, directory and vendor
//! rows in their own store modules).

mod alerts;
mod org;
mod outcomes;
mod rows;

pub use rows::{AlertRow, CommitRow, DailyUsageRow, DeployRow, IncidentRow, PullRequestRow};

use super::error::StoreError;
use crate::domain::UnixMillis;
use rusqlite::Transaction;
use std::collections::BTreeSet;

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
    /// A rewritten branch (amend, rebase, reset) no longer holds commit `sha` of `repo`: it
    /// is forgotten, with the revert/fix links it made.
    ForgetCommit {
        repo: String,
        sha: String,
    },
    UpsertPullRequest(PullRequestRow),
    /// A merged revert undid pull request `number` of `repo` (unknown: nothing changes).
    MarkPullRequestReverted {
        repo: String,
        number: i64,
    },
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
    /// Seats of `source` the vendor no longer lists: those last seen before `seen_before`
    /// (written after the upserts of a complete seat list).
    RetireSeats {
        source: String,
        seen_before: UnixMillis,
    },
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
    /// Local agent files (source, path) read for the first time, and the developer they
    /// belong to from now on; a file already owned keeps its owner.
    SetFileOwners(Vec<(String, String, String)>),
    /// The config's teams (name, micro-USD a month) and members (id, email, team),
    /// replacing what an earlier config said (`org::set_config_teams`).
    SetConfigTeams {
        teams: Vec<(String, Option<i64>)>,
        members: Vec<(String, Option<String>, String)>,
    },
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
        Op::RetireSeats {
            source,
            seen_before,
        } => super::vendor::retire_seats(tx, source, *seen_before).map(|()| "daily_usage"),
        Op::SetCoverage {
            repo,
            number,
            delta_points,
            at,
        } => outcomes::set_coverage(tx, repo, number, delta_points, at).map(|()| "commits"),
        Op::SetProjectBudgets(budgets) => {
            org::set_project_budgets(tx, budgets).map(|()| "developers")
        }
        Op::SetFileOwners(owners) => org::set_file_owners(tx, owners).map(|()| "cursors"),
        Op::SetConfigTeams { teams, members } => {
            org::set_config_teams(tx, teams, members).map(|()| "developers")
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
        } => org::learn_developer(tx, id, display_name, team).map(|()| "developers"),
        Op::UpsertCommit(c) => outcomes::upsert_commit(tx, c).map(|()| "commits"),
        Op::LinkCommit {
            repo,
            sha_prefix,
            reverted_by,
            fixed_by,
        } => outcomes::link_commit(tx, repo, sha_prefix, reverted_by, fixed_by).map(|()| "commits"),
        Op::ForgetCommit { repo, sha } => {
            outcomes::forget_commit(tx, repo, sha).map(|()| "commits")
        }
        Op::UpsertPullRequest(p) => outcomes::upsert_pull_request(tx, p).map(|()| "pull_requests"),
        Op::MarkPullRequestReverted { repo, number } => {
            outcomes::mark_pull_request_reverted(tx, repo, number).map(|()| "pull_requests")
        }
        Op::UpsertDeploy(d) => outcomes::upsert_deploy(tx, d).map(|()| "deploys"),
        Op::UpsertIncident(i) => outcomes::upsert_incident(tx, i).map(|()| "incidents"),
        Op::RecordOutcomeEvent {
            event,
            source,
            received_at,
        } => outcomes::record_outcome_event(tx, event, source, received_at),
        Op::UpsertDailyUsage(d) => outcomes::upsert_daily_usage(tx, d).map(|()| "daily_usage"),
        Op::FireAlert(a) => alerts::fire_alert(tx, a).map(|()| "alerts"),
        Op::AckAlert { id, by, note, at } => {
            alerts::ack_alert(tx, id, by, note, at).map(|()| "alerts")
        }
        Op::SnoozeAlert { id, until, by } => {
            alerts::snooze_alert(tx, id, until, by).map(|()| "alerts")
        }
        Op::ResolveAlert { id, at, by, note } => {
            alerts::resolve_alert(tx, id, at, by, note).map(|()| "alerts")
        }
        Op::UpsertRemoteAlert {
            origin,
            remote_id,
            row: a,
            updated_at,
        } => alerts::upsert_remote_alert(tx, origin, remote_id, a, updated_at).map(|()| "alerts"),
        Op::ClearOutbox { id } => alerts::clear_outbox(tx, id).map(|()| "alert_outbox"),
        Op::UpdateAlert {
            id,
            value,
            threshold,
            message,
            at,
        } => alerts::update_alert(tx, id, value, threshold, message, at).map(|()| "alerts"),
        Op::QueueDeliveries {
            rule,
            subject,
            fired_at,
            event,
            targets,
            at,
        } => alerts::queue_deliveries(tx, rule, subject, fired_at, event, targets, at)
            .map(|()| "alert_deliveries"),
        Op::RecordDelivery {
            id,
            state,
            attempts,
            error,
            at,
        } => {
            alerts::record_delivery(tx, id, state, attempts, error, at).map(|()| "alert_deliveries")
        }
        Op::WakeSnoozed { now } => alerts::wake_snoozed(tx, now).map(|()| "alerts"),
    }
}
