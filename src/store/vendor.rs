//! Rows the vendor pollers write beside requests and `daily_usage`: per-day vendor usage
//! (tokens, billed and estimated money, Claude Code activity) and paid seats. An upsert
//! sets only the parts it carries, so a usage report and a cost report for the same day
//! and model fill one row without erasing each other; re-polling a period changes nothing.

use crate::domain::UnixMillis;
use rusqlite::{Transaction, params};

/// Token counts and requests for one row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VendorTokens {
    pub input: i64,
    pub output: i64,
    pub cache_write: i64,
    pub cache_read: i64,
    pub requests: i64,
}

impl std::ops::AddAssign for VendorTokens {
    fn add_assign(&mut self, o: VendorTokens) {
        self.input = self.input.saturating_add(o.input);
        self.output = self.output.saturating_add(o.output);
        self.cache_write = self.cache_write.saturating_add(o.cache_write);
        self.cache_read = self.cache_read.saturating_add(o.cache_read);
        self.requests = self.requests.saturating_add(o.requests);
    }
}

/// Agent activity for one row (Claude Code analytics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VendorActivity {
    pub sessions: i64,
    pub lines_added: i64,
    pub lines_removed: i64,
    pub commits: i64,
    pub pull_requests: i64,
    pub tool_accepted: i64,
    pub tool_rejected: i64,
}

impl std::ops::AddAssign for VendorActivity {
    fn add_assign(&mut self, o: VendorActivity) {
        self.sessions = self.sessions.saturating_add(o.sessions);
        self.lines_added = self.lines_added.saturating_add(o.lines_added);
        self.lines_removed = self.lines_removed.saturating_add(o.lines_removed);
        self.commits = self.commits.saturating_add(o.commits);
        self.pull_requests = self.pull_requests.saturating_add(o.pull_requests);
        self.tool_accepted = self.tool_accepted.saturating_add(o.tool_accepted);
        self.tool_rejected = self.tool_rejected.saturating_add(o.tool_rejected);
    }
}

/// One (source, day, developer, model) row; `None` parts keep what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorUsageRow {
    pub source: String,
    pub day: String,
    pub developer: String,
    pub model: String,
    pub tokens: Option<VendorTokens>,
    pub billed_micro_usd: Option<i64>,
    pub estimated_micro_usd: Option<i64>,
    pub activity: Option<VendorActivity>,
}

/// A paid seat as the vendor lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeatRow {
    pub source: String,
    pub developer: String,
    pub plan: Option<String>,
    pub last_activity_at: Option<UnixMillis>,
    pub last_activity_editor: Option<String>,
    pub created_at: Option<UnixMillis>,
    pub pending_cancellation: Option<String>,
    pub seen_at: UnixMillis,
}

pub(super) fn upsert_usage(tx: &Transaction<'_>, r: &VendorUsageRow) -> rusqlite::Result<()> {
    let t = r.tokens;
    let a = r.activity;
    tx.prepare_cached(
        "INSERT INTO vendor_usage (source, day, developer, model, input_tokens, output_tokens,
             cache_write_tokens, cache_read_tokens, requests, billed_micro_usd, estimated_micro_usd,
             sessions, lines_added, lines_removed, commits, pull_requests, tool_accepted, tool_rejected)
         VALUES (?1, ?2, ?3, ?4, coalesce(?5, 0), coalesce(?6, 0), coalesce(?7, 0), coalesce(?8, 0),
             coalesce(?9, 0), ?10, ?11, coalesce(?12, 0), coalesce(?13, 0), coalesce(?14, 0),
             coalesce(?15, 0), coalesce(?16, 0), coalesce(?17, 0), coalesce(?18, 0))
         ON CONFLICT (source, day, developer, model) DO UPDATE SET
             input_tokens = coalesce(?5, input_tokens), output_tokens = coalesce(?6, output_tokens),
             cache_write_tokens = coalesce(?7, cache_write_tokens),
             cache_read_tokens = coalesce(?8, cache_read_tokens), requests = coalesce(?9, requests),
             billed_micro_usd = coalesce(?10, billed_micro_usd),
             estimated_micro_usd = coalesce(?11, estimated_micro_usd),
             sessions = coalesce(?12, sessions), lines_added = coalesce(?13, lines_added),
             lines_removed = coalesce(?14, lines_removed), commits = coalesce(?15, commits),
             pull_requests = coalesce(?16, pull_requests),
             tool_accepted = coalesce(?17, tool_accepted), tool_rejected = coalesce(?18, tool_rejected)",
    )?
    .execute(params![
        r.source,
        r.day,
        r.developer,
        r.model,
        t.map(|t| t.input),
        t.map(|t| t.output),
        t.map(|t| t.cache_write),
        t.map(|t| t.cache_read),
        t.map(|t| t.requests),
        r.billed_micro_usd,
        r.estimated_micro_usd,
        a.map(|a| a.sessions),
        a.map(|a| a.lines_added),
        a.map(|a| a.lines_removed),
        a.map(|a| a.commits),
        a.map(|a| a.pull_requests),
        a.map(|a| a.tool_accepted),
        a.map(|a| a.tool_rejected),
    ])?;
    Ok(())
}

pub(super) fn upsert_seat(tx: &Transaction<'_>, s: &SeatRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO vendor_seats (source, developer, plan, last_activity_at, last_activity_editor,
             created_at, pending_cancellation, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (source, developer) DO UPDATE SET plan = excluded.plan,
             last_activity_at = excluded.last_activity_at,
             last_activity_editor = excluded.last_activity_editor, created_at = excluded.created_at,
             pending_cancellation = excluded.pending_cancellation, seen_at = excluded.seen_at",
    )?
    .execute(params![
        s.source,
        s.developer,
        s.plan,
        s.last_activity_at,
        s.last_activity_editor,
        s.created_at,
        s.pending_cancellation,
        s.seen_at
    ])?;
    Ok(())
}

/// Forgets the seats of `source` not seen since `seen_before` (unassigned or removed).
pub(super) fn retire_seats(
    tx: &Transaction<'_>,
    source: &str,
    seen_before: UnixMillis,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM vendor_seats WHERE source = ?1 AND seen_at < ?2")?
        .execute(params![source, seen_before])?;
    Ok(())
}
