//! The one decoder from a database row to a request, session or event, for both backends:
//! each backend's row type implements [`Columns`], and the column lists below fix the order.
//! A stored value that is not what we write (an unknown agent or key) is an error naming the
//! column, never silently turned into something else.

use super::plan::StoredRequest;
use crate::domain::CounterRecord;
use crate::domain::{
    Agent, Cost, CostSource, EventKind, EventRecord, Money, RequestKey, RequestRecord,
    SessionRecord, TokenUsage,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored column `{column}`: {detail}")]
pub struct RowError {
    pub column: &'static str,
    pub detail: String,
}

/// Typed access to a result row by position.
pub trait Columns {
    fn int(&self, i: usize, column: &'static str) -> Result<i64, RowError>;
    fn opt_int(&self, i: usize, column: &'static str) -> Result<Option<i64>, RowError>;
    fn text(&self, i: usize, column: &'static str) -> Result<String, RowError>;
    fn opt_text(&self, i: usize, column: &'static str) -> Result<Option<String>, RowError>;
    fn flag(&self, i: usize, column: &'static str) -> Result<bool, RowError>;
}

/// Requests joined to their session (`q`, `s`), in [`decode_request`] order.
pub const REQUEST_COLUMNS: &str = "q.id, q.session_id, q.dedupe_key, q.agent, q.ts, q.model,
    q.developer, q.project_id, q.input_tokens, q.output_tokens, q.cache_write_5m,
    q.cache_write_1h, q.cache_read, q.reasoning_tokens, q.cost_micro_usd, q.cost_source,
    q.sidechain, q.fast, q.message_id, q.ord, s.session_key";

/// Sessions (`s`), in [`decode_session`] order.
pub const SESSION_COLUMNS: &str = "s.agent, s.session_key, s.source, s.developer, s.project_id,
    s.branch, s.started_at, s.last_activity_at, s.title";

/// Events joined to their session (`e`, `s`), in [`decode_event`] order.
pub const EVENT_COLUMNS: &str = "e.id, e.dedupe_key, s.agent, s.session_key, s.developer, e.ts,
    e.kind, e.tool_name, e.decision, e.status_code, e.duration_ms, e.detail, e.ord";

fn bad(column: &'static str, detail: impl ToString) -> RowError {
    RowError {
        column,
        detail: detail.to_string(),
    }
}

pub fn agent(text: &str, column: &'static str) -> Result<Agent, RowError> {
    text.parse().map_err(|e| bad(column, e))
}

/// A stored request (with its row and session ids).
pub fn decode_request(row: &impl Columns) -> Result<StoredRequest, RowError> {
    let key = row.text(2, "dedupe_key")?;
    let model = row.text(5, "model")?;
    let source = row.text(15, "cost_source")?;
    let record = RequestRecord {
        dedupe_key: RequestKey::parse(&key).map_err(|e| bad("dedupe_key", e))?,
        agent: agent(&row.text(3, "agent")?, "agent")?,
        session_key: row.text(20, "session_key")?,
        ts: row.int(4, "ts")?,
        model: (model != "unknown").then_some(model),
        usage: TokenUsage {
            input: row.int(8, "input_tokens")?,
            output: row.int(9, "output_tokens")?,
            cache_write_5m: row.int(10, "cache_write_5m")?,
            cache_write_1h: row.int(11, "cache_write_1h")?,
            cache_read: row.int(12, "cache_read")?,
            reasoning: row.int(13, "reasoning_tokens")?,
        },
        cost: Cost {
            amount: Money::from_micro_usd(row.int(14, "cost_micro_usd")?),
            source: CostSource::parse(&source)
                .ok_or_else(|| bad("cost_source", format!("unknown `{source}`")))?,
        },
        developer: row.text(6, "developer")?,
        project_id: row.opt_text(7, "project_id")?,
        sidechain: row.flag(16, "sidechain")?,
        fast: row.flag(17, "fast")?,
        message_id: row.opt_text(18, "message_id")?,
        ord: row.int(19, "ord")?,
    };
    Ok(StoredRequest {
        id: row.int(0, "id")?,
        session_id: row.int(1, "session_id")?,
        record,
    })
}

pub fn decode_session(row: &impl Columns) -> Result<SessionRecord, RowError> {
    Ok(SessionRecord {
        agent: agent(&row.text(0, "agent")?, "agent")?,
        session_key: row.text(1, "session_key")?,
        source: row.text(2, "source")?,
        developer: row.text(3, "developer")?,
        project_id: row.opt_text(4, "project_id")?,
        branch: row.opt_text(5, "branch")?,
        started_at: row.int(6, "started_at")?,
        last_activity_at: row.int(7, "last_activity_at")?,
        title: row.opt_text(8, "title")?,
    })
}

/// An event with its row id; `None` for an event kind this version does not know.
pub fn decode_event(row: &impl Columns) -> Result<(i64, Option<EventRecord>), RowError> {
    let id = row.int(0, "id")?;
    let Some(kind) = EventKind::parse(&row.text(6, "kind")?) else {
        return Ok((id, None));
    };
    Ok((
        id,
        Some(EventRecord {
            dedupe_key: row.text(1, "dedupe_key")?,
            agent: agent(&row.text(2, "agent")?, "agent")?,
            session_key: row.text(3, "session_key")?,
            developer: row.text(4, "developer")?,
            ts: row.int(5, "ts")?,
            kind,
            tool_name: row.opt_text(7, "tool_name")?,
            decision: row.opt_text(8, "decision")?,
            status_code: row.opt_int(9, "status_code")?,
            duration_ms: row.opt_int(10, "duration_ms")?,
            detail: row.opt_text(11, "detail")?,
            ord: row.int(12, "ord")?,
        }),
    ))
}

/// Counter columns (`c`), in [`decode_counter`] order.
pub const COUNTER_COLUMNS: &str =
    "c.id, c.dedupe_key, c.ts, c.developer, c.agent, c.session_key, c.metric, c.value";

/// A telemetry counter (`COUNTER_COLUMNS`).
pub fn decode_counter(row: &impl Columns) -> Result<CounterRecord, RowError> {
    Ok(CounterRecord {
        dedupe_key: row.text(1, "dedupe_key")?,
        ts: row.int(2, "ts")?,
        developer: row.text(3, "developer")?,
        agent: agent(&row.text(4, "agent")?, "agent")?,
        session_key: row.text(5, "session_key")?,
        metric: row.text(6, "metric")?,
        value: row.int(7, "value")?,
    })
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, i: usize, column: &'static str) -> Result<i64, RowError> {
        self.get(i).map_err(|e| bad(column, e))
    }
    fn opt_int(&self, i: usize, column: &'static str) -> Result<Option<i64>, RowError> {
        self.get(i).map_err(|e| bad(column, e))
    }
    fn text(&self, i: usize, column: &'static str) -> Result<String, RowError> {
        self.get(i).map_err(|e| bad(column, e))
    }
    fn opt_text(&self, i: usize, column: &'static str) -> Result<Option<String>, RowError> {
        self.get(i).map_err(|e| bad(column, e))
    }
    fn flag(&self, i: usize, column: &'static str) -> Result<bool, RowError> {
        self.get(i).map_err(|e| bad(column, e))
    }
}
