//! The console's Live question: the newest sessions with their running totals (kept on the
//! `sessions` row by the writer), and one session's timeline of requests and events.

use super::usage_at;
use crate::domain::{Money, TokenUsage};
use crate::store::Reader;
use crate::store::error::Result;
use rusqlite::OptionalExtension;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSessionRow {
    pub id: i64,
    pub agent: String,
    pub session_key: String,
    pub developer: String,
    pub project: Option<String>,
    pub branch: Option<String>,
    /// The model of the newest request, if any.
    pub model: Option<String>,
    pub started_at: i64,
    pub last_activity_at: i64,
    pub requests: i64,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced_tokens: i64,
}

/// One line of a session timeline: a model request or a metadata event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub ts: i64,
    pub session_id: i64,
    /// `request`, or an event kind (`prompt`, `tool_use`, `api_error`, …).
    pub kind: String,
    /// Model for requests; tool name for tool events.
    pub name: Option<String>,
    pub detail: Option<String>,
    pub status_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub tokens: i64,
    pub cost: Money,
    /// A request a later Gemini `$rewindTo` went back over: answered, billed and still
    /// counted, but no longer part of the conversation (docs/accounting.md#gemini-cli).
    pub rewound: bool,
}

/// `(first rewound ordinal, the rewind's ordinal)` from a rewind event's detail.
fn rewound_range(at_ord: i64, detail: Option<&str>) -> Option<(i64, i64)> {
    let from = detail?.strip_prefix("rewound_from_ord=")?.parse().ok()?;
    Some((from, at_ord))
}

/// The model of a session's latest request. Requests have no index by session (writing one
/// cost a page per session per commit; migration 0015): they are read through the owner's
/// requests in time order, from the session's last activity back, which stops at the
/// session's latest request. Should a request lie after the session's recorded activity,
/// the owner's requests are read from the newest back instead.
const LATEST_MODEL: &str = "CASE WHEN s.requests <> 0 THEN coalesce(
        (SELECT q.model FROM requests q WHERE q.developer = s.developer
             AND q.ts <= s.last_activity_at AND q.session_id = s.id ORDER BY q.ts DESC LIMIT 1),
        (SELECT q.model FROM requests q WHERE q.developer = s.developer AND q.session_id = s.id
             ORDER BY q.ts DESC LIMIT 1)) END";

impl Reader {
    /// Sessions by newest activity, at most `limit`.
    pub fn live_sessions(&self, limit: usize) -> Result<Vec<LiveSessionRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT s.id, s.agent, s.session_key, s.developer, coalesce(p.display_name, s.project_id), s.branch,
                    {LATEST_MODEL},
                    s.started_at, s.last_activity_at, s.requests, s.input_tokens, s.output_tokens,
                    s.cache_write_5m, s.cache_write_1h, s.cache_read, s.reasoning_tokens,
                    s.cost_micro_usd, s.unpriced_tokens
             FROM sessions s LEFT JOIN projects p ON p.id = s.project_id
             ORDER BY s.last_activity_at DESC, s.id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], live_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One session by id (for the header of its timeline).
    pub fn live_session(&self, id: i64) -> Result<Option<LiveSessionRow>> {
        let all = self.live_sessions_by_ids(&[id])?;
        Ok(all.into_iter().next())
    }

    /// Sessions by id, oldest start first.
    pub fn live_sessions_by_ids(&self, ids: &[i64]) -> Result<Vec<LiveSessionRow>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT s.id, s.agent, s.session_key, s.developer, coalesce(p.display_name, s.project_id), s.branch,
                    {LATEST_MODEL},
                    s.started_at, s.last_activity_at, s.requests, s.input_tokens, s.output_tokens,
                    s.cache_write_5m, s.cache_write_1h, s.cache_read, s.reasoning_tokens,
                    s.cost_micro_usd, s.unpriced_tokens
             FROM sessions s LEFT JOIN projects p ON p.id = s.project_id WHERE s.id = ?1"
        ))?;
        for id in ids {
            let mut rows = stmt.query([id])?;
            if let Some(r) = rows.next()? {
                out.push(live_row(r)?);
            }
        }
        out.sort_by_key(|s| (s.started_at, s.id));
        Ok(out)
    }

    /// The newest `limit` timeline lines of the given sessions, oldest first.
    pub fn session_timeline(&self, session_ids: &[i64], limit: usize) -> Result<Vec<TimelineRow>> {
        let mut out = Vec::new();
        // Requests have no index by session (migration 0015): they are read through the
        // owner's requests in time order within the session's recorded span (a few hundred
        // rows), or, should that span not hold all the session's requests, over all the
        // owner's requests (hundreds of thousands on a large store).
        let columns = "q.ts, q.model,
                    q.input_tokens + q.output_tokens + q.cache_write_5m + q.cache_write_1h + q.cache_read,
                    CASE WHEN q.cost_source = 'unpriced' THEN 0 ELSE q.cost_micro_usd END, q.cost_source, q.ord";
        let mut req_in_span = self.conn.prepare_cached(&format!(
            "SELECT {columns} FROM sessions s JOIN requests q
                 ON q.developer = s.developer AND q.ts >= s.started_at AND q.ts <= s.last_activity_at
                    AND q.session_id = s.id
             WHERE s.id = ?1 ORDER BY q.ts DESC LIMIT ?2"
        ))?;
        let mut req_all = self.conn.prepare_cached(&format!(
            "SELECT {columns} FROM sessions s JOIN requests q
                 ON q.developer = s.developer AND q.session_id = s.id
             WHERE s.id = ?1 ORDER BY q.ts DESC LIMIT ?2"
        ))?;
        let mut span_holds_all = self.conn.prepare_cached(
            "SELECT (SELECT count(*) FROM requests q
                     WHERE q.developer = s.developer AND q.ts >= s.started_at
                       AND q.ts <= s.last_activity_at AND q.session_id = s.id) >= s.requests
             FROM sessions s WHERE s.id = ?1",
        )?;
        let mut rewinds = self.conn.prepare_cached(
            "SELECT ord, detail FROM events WHERE session_id = ?1 AND kind = 'rewind'",
        )?;
        let mut ev = self.conn.prepare_cached(
            "SELECT ts, kind, tool_name, coalesce(decision, detail), status_code, duration_ms, ord
             FROM events WHERE session_id = ?1 ORDER BY ts DESC LIMIT ?2",
        )?;
        for &sid in session_ids {
            let ranges: Vec<(i64, i64)> = rewinds
                .query_map([sid], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter_map(|(at, d)| rewound_range(at, d.as_deref()))
                .collect();
            let request_row = |r: &rusqlite::Row<'_>| {
                let ord: i64 = r.get(5)?;
                Ok(TimelineRow {
                    ts: r.get(0)?,
                    session_id: sid,
                    kind: "request".into(),
                    name: r.get(1)?,
                    detail: r.get(4)?,
                    status_code: None,
                    duration_ms: None,
                    tokens: r.get(2)?,
                    cost: Money::from_micro_usd(r.get(3)?),
                    rewound: ranges.iter().any(|&(from, at)| ord >= from && ord < at),
                })
            };
            let in_span = span_holds_all
                .query_row([sid], |r| r.get::<_, bool>(0))
                .optional()?
                .unwrap_or(true);
            let stmt = if in_span {
                &mut req_in_span
            } else {
                &mut req_all
            };
            for row in stmt.query_map(rusqlite::params![sid, limit as i64], request_row)? {
                out.push(row?);
            }
            let rows = ev.query_map(rusqlite::params![sid, limit as i64], |r| {
                let ord: i64 = r.get(6)?;
                let kind: String = r.get(1)?;
                let rewound =
                    kind != "rewind" && ranges.iter().any(|&(from, at)| ord >= from && ord < at);
                Ok(TimelineRow {
                    ts: r.get(0)?,
                    session_id: sid,
                    kind,
                    name: r.get(2)?,
                    detail: r.get(3)?,
                    status_code: r.get(4)?,
                    duration_ms: r.get(5)?,
                    tokens: 0,
                    cost: Money::ZERO,
                    rewound,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        out.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.kind.cmp(&b.kind)));
        let skip = out.len().saturating_sub(limit);
        Ok(out.split_off(skip))
    }

    /// Sessions active in `[since, until)` (the newest 5,000 starts), oldest start first, for
    /// work-session grouping (Replay). One statement; `model` is left `None` (looking up
    /// each session's newest request would cost a `requests` probe per session).
    pub fn sessions_between(&self, since_ms: i64, until_ms: i64) -> Result<Vec<LiveSessionRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.agent, s.session_key, s.developer, coalesce(p.display_name, s.project_id), s.branch,
                    NULL, s.started_at, s.last_activity_at, s.requests, s.input_tokens, s.output_tokens,
                    s.cache_write_5m, s.cache_write_1h, s.cache_read, s.reasoning_tokens,
                    s.cost_micro_usd, s.unpriced_tokens
             FROM sessions s LEFT JOIN projects p ON p.id = s.project_id
             WHERE s.last_activity_at >= ?1 AND s.started_at < ?2
             ORDER BY s.started_at DESC, s.id DESC LIMIT 5000",
        )?;
        let mut out: Vec<LiveSessionRow> = stmt
            .query_map([since_ms, until_ms], live_row)?
            .collect::<rusqlite::Result<_>>()?;
        out.reverse();
        Ok(out)
    }
}

/// One `sessions` row as Live shows it (columns as selected above).
fn live_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LiveSessionRow> {
    Ok(LiveSessionRow {
        id: r.get(0)?,
        agent: r.get(1)?,
        session_key: r.get(2)?,
        developer: r.get(3)?,
        project: r.get(4)?,
        branch: r.get(5)?,
        model: r.get(6)?,
        started_at: r.get(7)?,
        last_activity_at: r.get(8)?,
        requests: r.get(9)?,
        usage: usage_at(r, 10)?,
        cost: Money::from_micro_usd(r.get(16)?),
        unpriced_tokens: r.get(17)?,
    })
}
