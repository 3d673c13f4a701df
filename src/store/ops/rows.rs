//! The rows of the outcome and alert tables as the write operations carry them.

use crate::domain::UnixMillis;
use crate::domain::alert_rules::{Finding, Unit};
use crate::domain::alerts::{AlertState, Severity};

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
