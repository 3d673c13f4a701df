//! The team server's SQL: hashed bearer tokens, telemetry counters, developers already
//! known, and the sync feed (rows after a cursor, filtered by the caller's role). Uses its
//! own connection; requests, sessions and events are still written only by the writer.

use super::usage_at;
use crate::domain::{
    Agent, Cost, CostSource, DedupePolicy, EventKind, EventRecord, Money, RequestRecord,
    SessionRecord,
};
use crate::store::error::Result;
use crate::store::schema;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// The provider request id inside a Claude Code dedupe key: `ccreq:{request_id}` (telemetry)
/// or `cc:{message.id}:{request_id}` (transcripts). Mirrors the generated `request_id`
/// column of migration 0002; the writer uses it so one request counts once across sources.
pub fn cross_source_request_id(dedupe_key: &str) -> Option<&str> {
    if let Some(id) = dedupe_key.strip_prefix("ccreq:") {
        return Some(id).filter(|id| !id.is_empty());
    }
    let (_message, request) = dedupe_key.strip_prefix("cc:")?.split_once(':')?;
    Some(request).filter(|id| !id.is_empty())
}

/// One increment of a telemetry counter (lines of code added/removed, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelemetryCounter {
    pub dedupe_key: String,
    pub ts: i64,
    pub developer: String,
    pub agent: String,
    pub session_key: String,
    pub metric: String,
    pub value: i64,
}

/// A stored bearer token, without the token (only its hash is ever stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    pub id: i64,
    #[serde(skip)]
    pub token_hash: String,
    pub role: String,
    pub developer: String,
    pub team: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Which rows a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFilter {
    All,
    /// A manager: developers of these teams, and their own rows.
    Teams {
        teams: Vec<String>,
        developer: String,
    },
    /// A member: their own rows only.
    Developer(String),
}

impl RowFilter {
    /// SQL condition on a `developer` column expression.
    fn sql(&self, column: &str, args: &mut Vec<Value>) -> String {
        match self {
            RowFilter::All => "1 = 1".into(),
            RowFilter::Developer(d) => {
                args.push(Value::Text(d.clone()));
                format!("{column} = ?{}", args.len())
            }
            RowFilter::Teams { teams, developer } => {
                args.push(Value::Text(developer.clone()));
                let own = args.len();
                let mut marks = Vec::new();
                for t in teams {
                    args.push(Value::Text(t.clone()));
                    marks.push(format!("?{}", args.len()));
                }
                let in_teams = if marks.is_empty() {
                    "NULL".to_string()
                } else {
                    marks.join(", ")
                };
                format!(
                    "({column} = ?{own} OR {column} IN (SELECT id FROM developers WHERE team IN ({in_teams})))"
                )
            }
        }
    }
}

/// Rows after a cursor (`requests.id`, `events.id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncPage {
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    pub next_cursor: i64,
    pub next_event_cursor: i64,
    /// Org-wide daily totals (no developer): every role may see these.
    pub org_daily: Vec<OrgDay>,
    /// The team (and display name) of each developer of the page's sessions, so a synced
    /// console groups spend by the server's teams. Absent from older servers' pages.
    #[serde(default)]
    pub developers: Vec<SyncDeveloper>,
}

/// A developer as the team server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDeveloper {
    pub id: String,
    pub display_name: Option<String>,
    pub team: String,
}

impl SyncPage {
    /// The distinct developers of the page's sessions, sorted.
    pub fn session_developers(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.sessions.iter().map(|s| s.developer.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgDay {
    pub day_start_ms: i64,
    pub agent: String,
    pub requests: i64,
    pub total_tokens: i64,
    pub cost_micro_usd: i64,
}

/// The server's own connection (tokens, counters, sync reads).
#[derive(Clone)]
pub struct ServerDb {
    conn: Arc<Mutex<Connection>>,
}

impl ServerDb {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<ServerDb> {
        Ok(ServerDb {
            conn: Arc::new(Mutex::new(schema::open_writer(path)?)),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn create_token(
        &self,
        token_hash: &str,
        role: &str,
        developer: &str,
        team: Option<&str>,
        now_ms: i64,
    ) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO api_tokens (token_hash, role, developer, team, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, role, developer, team, now_ms],
        )?;
        Ok(conn.last_insert_rowid())
    }

    pub fn tokens(&self, include_revoked: bool) -> Result<Vec<TokenRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, token_hash, role, developer, team, created_at, revoked_at FROM api_tokens
             WHERE ?1 OR revoked_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([include_revoked], |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                token_hash: r.get(1)?,
                role: r.get(2)?,
                developer: r.get(3)?,
                team: r.get(4)?,
                created_at: r.get(5)?,
                revoked_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// True when a live token with this id was revoked now.
    pub fn revoke_token(&self, id: i64, now_ms: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now_ms],
        )?;
        Ok(n > 0)
    }

    pub fn known_developers(&self) -> Result<HashSet<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id FROM developers")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn team_of(&self, developer: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT team FROM developers WHERE id = ?1",
                [developer],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores counter increments; a re-sent point (same key) counts once. Returns rows added.
    pub fn insert_counters(&self, counters: &[TelemetryCounter]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut added = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO telemetry_counters (dedupe_key, ts, developer, agent, session_key, metric, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (dedupe_key) DO NOTHING",
            )?;
            for c in counters {
                added += stmt.execute(params![
                    c.dedupe_key,
                    c.ts,
                    c.developer,
                    c.agent,
                    c.session_key,
                    c.metric,
                    c.value
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Sum of a counter metric, per developer (for tests and reports).
    pub fn counter_total(&self, metric: &str, developer: &str) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT coalesce(sum(value), 0) FROM telemetry_counters WHERE metric = ?1 AND developer = ?2",
            params![metric, developer],
            |r| r.get(0),
        )?)
    }

    /// The next page of rows the filter allows, after `cursor` (requests) and
    /// `event_cursor` (events), at most `limit` of each.
    pub fn sync_page(
        &self,
        filter: &RowFilter,
        cursor: i64,
        event_cursor: i64,
        limit: usize,
    ) -> Result<SyncPage> {
        let conn = self.conn();
        let mut page = SyncPage {
            next_cursor: cursor,
            next_event_cursor: event_cursor,
            ..SyncPage::default()
        };
        let limit = limit.clamp(1, 10_000) as i64;

        let mut args = vec![Value::Integer(cursor), Value::Integer(limit)];
        let cond = filter.sql("q.developer", &mut args);
        let sql = format!(
            "SELECT q.id, q.dedupe_key, q.agent, s.session_key, q.ts, q.model, q.developer, q.project_id,
                 q.input_tokens, q.output_tokens, q.cache_write_5m, q.cache_write_1h, q.cache_read,
                 q.reasoning_tokens, q.cost_micro_usd, q.cost_source, q.sidechain, q.fast, q.message_id, q.ord
             FROM requests q JOIN sessions s ON s.id = q.session_id
             WHERE q.id > ?1 AND {cond} ORDER BY q.id LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok((r.get::<_, i64>(0)?, request_from_row(r)?))
        })?;
        for row in rows {
            let (id, request) = row?;
            page.next_cursor = id;
            page.requests.push(request);
        }

        let mut args = vec![Value::Integer(event_cursor), Value::Integer(limit)];
        let cond = filter.sql("s.developer", &mut args);
        let sql = format!(
            "SELECT e.id, e.dedupe_key, s.agent, s.session_key, e.ts, e.kind, e.tool_name, e.decision,
                 e.status_code, e.duration_ms, e.detail, e.ord
             FROM events e JOIN sessions s ON s.id = e.session_id
             WHERE e.id > ?1 AND {cond} ORDER BY e.id LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok((r.get::<_, i64>(0)?, event_from_row(r)?))
        })?;
        for row in rows {
            let (id, event) = row?;
            page.next_event_cursor = id;
            if let Some(event) = event {
                page.events.push(event);
            }
        }

        let mut keys: Vec<(String, String)> = page
            .requests
            .iter()
            .map(|r| (r.agent.as_str().to_string(), r.session_key.clone()))
            .chain(
                page.events
                    .iter()
                    .map(|e| (e.agent.as_str().to_string(), e.session_key.clone())),
            )
            .collect();
        keys.sort();
        keys.dedup();
        let mut stmt = conn.prepare_cached(
            "SELECT agent, session_key, source, developer, project_id, branch, started_at, last_activity_at, title
             FROM sessions WHERE agent = ?1 AND session_key = ?2",
        )?;
        for (agent, key) in keys {
            if let Some(s) = stmt
                .query_row(params![agent, key], session_from_row)
                .optional()?
                .flatten()
            {
                page.sessions.push(s);
            }
        }

        let mut stmt =
            conn.prepare_cached("SELECT display_name, team FROM developers WHERE id = ?1")?;
        for id in page.session_developers() {
            let known = stmt
                .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((display_name, team)) = known {
                page.developers.push(SyncDeveloper {
                    id,
                    display_name,
                    team,
                });
            }
        }

        let mut stmt = conn.prepare_cached(&format!(
            "SELECT (bucket_start / 86400000) * 86400000 AS day, agent, sum(requests), {}, {}
             FROM rollups GROUP BY day, agent ORDER BY day DESC, agent LIMIT 400",
            super::wide_sum::wide_sum(
                "input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read"
            ),
            super::wide_sum::wide_sum("cost_micro_usd")
        ))?;
        let days = stmt.query_map([], |r| {
            Ok(OrgDay {
                day_start_ms: r.get(0)?,
                agent: r.get(1)?,
                requests: r.get(2)?,
                total_tokens: r.get(3)?,
                cost_micro_usd: r.get(4)?,
            })
        })?;
        page.org_daily = days.collect::<rusqlite::Result<_>>()?;
        Ok(page)
    }
}

fn agent_of(text: &str) -> Agent {
    text.parse().unwrap_or(Agent::ClaudeCode)
}

fn request_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRecord> {
    let dedupe_key: String = r.get(1)?;
    let agent = agent_of(&r.get::<_, String>(2)?);
    let policy = match agent {
        Agent::ClaudeCode if dedupe_key.starts_with("cc:") => DedupePolicy::LargestCopy,
        Agent::Gemini => DedupePolicy::LastWins,
        _ => DedupePolicy::FirstWins,
    };
    let model: String = r.get(5)?;
    let source: String = r.get(15)?;
    Ok(RequestRecord {
        dedupe_key,
        policy,
        agent,
        session_key: r.get(3)?,
        ts: r.get(4)?,
        model: (model != "unknown").then_some(model),
        usage: usage_at(r, 8)?,
        cost: Cost {
            amount: Money::from_micro_usd(r.get(14)?),
            source: CostSource::parse(&source).unwrap_or(CostSource::Computed),
        },
        developer: r.get(6)?,
        project_id: r.get(7)?,
        sidechain: r.get(16)?,
        message_id: r.get(18)?,
        fast: r.get(17)?,
        ord: r.get(19)?,
    })
}

fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<EventRecord>> {
    let Some(kind) = EventKind::parse(&r.get::<_, String>(5)?) else {
        return Ok(None);
    };
    Ok(Some(EventRecord {
        dedupe_key: r.get(1)?,
        agent: agent_of(&r.get::<_, String>(2)?),
        session_key: r.get(3)?,
        ts: r.get(4)?,
        kind,
        tool_name: r.get(6)?,
        decision: r.get(7)?,
        status_code: r.get(8)?,
        duration_ms: r.get(9)?,
        detail: r.get(10)?,
        ord: r.get(11)?,
    }))
}

fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<SessionRecord>> {
    Ok(Some(SessionRecord {
        agent: agent_of(&r.get::<_, String>(0)?),
        session_key: r.get(1)?,
        source: r.get(2)?,
        developer: r.get(3)?,
        project_id: r.get(4)?,
        branch: r.get(5)?,
        started_at: r.get(6)?,
        last_activity_at: r.get(7)?,
        title: r.get(8)?,
    }))
}
