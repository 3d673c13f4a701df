//! The sync feed on SQLite: rows after the caller's cursors, only within the caller's scope.
//! The scope is applied where every table is read (requests, sessions, events, counters,
//! developers and their teams), and org-wide daily totals are sent only where they cannot be
//! subtracted down to a few developers (docs/server.md, "Security model").

use super::server_db::ServerDb;
use crate::domain::RequestRecord;
use crate::protocol::{OrgDay, SyncDeveloper, SyncPage, SyncQuery};
use crate::store::error::Result;
use crate::store::row::{
    COUNTER_COLUMNS, EVENT_COLUMNS, REQUEST_COLUMNS, SESSION_COLUMNS, decode_counter, decode_event,
    decode_request, decode_session,
};
use crate::store::sums::{clamp, join_halves, sqlite_exact_sum};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params_from_iter};

/// Which rows a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFilter {
    All,
    /// A manager: developers of these teams (per the directory), and their own rows.
    Teams {
        teams: Vec<String>,
        developer: String,
    },
    /// A member: their own rows only.
    Developer(String),
}

impl RowFilter {
    /// SQL condition on a developer column expression; its arguments are appended.
    pub fn sql(&self, column: &str, args: &mut Vec<Value>) -> String {
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

/// Org-wide totals of a (day, agent) are sent to a caller when at least this many
/// developers outside the caller's scope contributed to them (or none did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgTotalsRule {
    pub min_developers: usize,
}

impl Default for OrgTotalsRule {
    fn default() -> OrgTotalsRule {
        OrgTotalsRule { min_developers: 5 }
    }
}

/// Org-wide totals cover at most this many recent UTC days.
pub const ORG_TOTAL_DAYS: i64 = 400;

/// The first day (UTC midnight, ms) org-wide totals cover at `now_ms`.
pub fn org_totals_since(now_ms: i64) -> i64 {
    (now_ms.div_euclid(86_400_000) - ORG_TOTAL_DAYS) * 86_400_000
}

impl OrgTotalsRule {
    /// True when a row with `outside` contributors beyond the caller's scope may be sent.
    pub fn allows(self, filter: &RowFilter, outside: i64) -> bool {
        *filter == RowFilter::All || outside == 0 || outside >= self.min_developers as i64
    }
}

fn warn_skip(what: &str, id: i64, e: &dyn std::fmt::Display) {
    tracing::warn!("sync: stored {what} {id} cannot be read ({e}); skipped");
}

impl ServerDb {
    /// The next page of rows the filter allows, after the query's cursors, at most `limit`
    /// of each kind.
    pub fn sync_page(
        &self,
        filter: &RowFilter,
        q: &SyncQuery,
        limit: usize,
        org: OrgTotalsRule,
    ) -> Result<SyncPage> {
        let conn = self.conn();
        let mut page = SyncPage {
            next_cursor: q.cursor,
            next_event_cursor: q.event_cursor,
            next_counter_cursor: q.counter_cursor,
            ..SyncPage::default()
        };
        let limit = limit.clamp(1, crate::protocol::MAX_SYNC_LIMIT) as i64;

        // Requests: the row's owner and its session's owner are both in scope.
        let mut args = vec![Value::Integer(q.cursor), Value::Integer(limit)];
        let own = filter.sql("q.developer", &mut args);
        let session = filter.sql("s.developer", &mut args);
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests q JOIN sessions s ON s.id = q.session_id
             WHERE q.id > ?1 AND {own} AND {session} ORDER BY q.id LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            page.next_cursor = id;
            match decode_request(row) {
                Ok(stored) => page.requests.push(stored.record),
                Err(e) => warn_skip("request", id, &e),
            }
        }
        drop(rows);

        // Events: through their session's owner.
        let mut args = vec![Value::Integer(q.event_cursor), Value::Integer(limit)];
        let cond = filter.sql("s.developer", &mut args);
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN sessions s ON s.id = e.session_id
             WHERE e.id > ?1 AND {cond} ORDER BY e.id LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            page.next_event_cursor = id;
            match decode_event(row) {
                Ok((_, Some(event))) => page.events.push(event),
                Ok((_, None)) => {}
                Err(e) => warn_skip("event", id, &e),
            }
        }
        drop(rows);

        // Counters: by their owner.
        let mut args = vec![Value::Integer(q.counter_cursor), Value::Integer(limit)];
        let cond = filter.sql("c.developer", &mut args);
        let sql = format!(
            "SELECT {COUNTER_COLUMNS}
             FROM telemetry_counters c WHERE c.id > ?1 AND {cond} ORDER BY c.id LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            page.next_counter_cursor = id;
            match decode_counter(row) {
                Ok(c) => page.counters.push(c),
                Err(e) => warn_skip("counter", id, &e),
            }
        }
        drop(rows);

        // Sessions the page's rows belong to, each read again under the scope.
        let mut keys: Vec<(String, String, String)> = page
            .requests
            .iter()
            .map(|r: &RequestRecord| {
                (
                    r.developer.clone(),
                    r.agent.as_str().to_string(),
                    r.session_key.clone(),
                )
            })
            .chain(page.events.iter().map(|e| {
                (
                    e.developer.clone(),
                    e.agent.as_str().to_string(),
                    e.session_key.clone(),
                )
            }))
            .collect();
        keys.sort();
        keys.dedup();
        let mut args = Vec::new();
        let cond = filter.sql("s.developer", &mut args);
        let base = args.len();
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.developer = ?{} AND s.agent = ?{}
             AND s.session_key = ?{} AND {cond}",
            base + 1,
            base + 2,
            base + 3
        );
        let mut stmt = conn.prepare(&sql)?;
        for (developer, agent, key) in keys {
            let mut a = args.clone();
            a.extend([Value::Text(developer), Value::Text(agent), Value::Text(key)]);
            let found = stmt
                .query_row(params_from_iter(a), |r| Ok(decode_session(r)))
                .optional()?;
            match found {
                Some(Ok(s)) => page.sessions.push(s),
                Some(Err(e)) => warn_skip("session", 0, &e),
                None => {}
            }
        }

        // Developers (and so their teams), each read again under the scope.
        let mut args = Vec::new();
        let cond = filter.sql("d.id", &mut args);
        let sql = format!(
            "SELECT display_name, team FROM developers d WHERE d.id = ?{} AND {cond}",
            args.len() + 1
        );
        let mut stmt = conn.prepare(&sql)?;
        for id in page.row_developers() {
            let mut a = args.clone();
            a.push(Value::Text(id.clone()));
            let known = stmt
                .query_row(params_from_iter(a), |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((display_name, team)) = known {
                page.developers.push(SyncDeveloper {
                    id,
                    display_name,
                    team,
                });
            }
        }

        page.org_daily = org_daily(&conn, filter, org)?;
        Ok(page)
    }
}

/// Org-wide totals per UTC day and agent, with the count of contributors outside the
/// caller's scope, from the daily rollup tier; exact sums whatever is stored.
fn org_daily(
    conn: &rusqlite::Connection,
    filter: &RowFilter,
    org: OrgTotalsRule,
) -> Result<Vec<OrgDay>> {
    let mut args = Vec::new();
    let inside = filter.sql("developer", &mut args);
    args.push(Value::Integer(org_totals_since(
        chrono::Utc::now().timestamp_millis(),
    )));
    let since = args.len();
    let sums = [
        "requests",
        "input_tokens",
        "output_tokens",
        "cache_write_5m",
        "cache_write_1h",
        "cache_read",
        "cost_micro_usd",
    ]
    .map(sqlite_exact_sum)
    .join(", ");
    let sql = format!(
        "SELECT bucket_start, agent, count(DISTINCT CASE WHEN NOT ({inside}) THEN developer END), {sums}
         FROM rollups_day WHERE bucket_start >= ?{since}
         GROUP BY bucket_start, agent ORDER BY bucket_start DESC, agent"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let outside: i64 = r.get(2)?;
        if !org.allows(filter, outside) {
            continue;
        }
        let sum = |i: usize| -> rusqlite::Result<i128> {
            Ok(join_halves(r.get(3 + 2 * i)?, r.get(4 + 2 * i)?))
        };
        let tokens = (1..=5).map(sum).sum::<rusqlite::Result<i128>>()?;
        out.push(OrgDay {
            day_start_ms: r.get(0)?,
            agent: r.get(1)?,
            requests: clamp(sum(0)?),
            total_tokens: clamp(tokens),
            cost_micro_usd: clamp(sum(6)?),
        });
    }
    Ok(out)
}
