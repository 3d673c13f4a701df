//! Per-session totals (kept by the writer on the `sessions` row) and the raw request
//! timeline that 5-hour blocks are computed from.

use super::usage::UsageFilter;
use super::usage_at;
use super::wide_sum::wide_sum;
use crate::domain::{Money, TokenUsage};
use crate::store::Reader;
use crate::store::error::Result;
use rusqlite::types::Value;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub agent: String,
    pub session_key: String,
    pub developer: String,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    pub started_at: i64,
    pub last_activity_at: i64,
    pub requests: i64,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced_tokens: i64,
    pub models: BTreeSet<String>,
}

/// One request on the timeline (for blocks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedUsage {
    pub ts: i64,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced: bool,
    /// The model as reports name it (`<model>-fast` in fast mode).
    pub model: String,
}

/// A request's model as reports name it, in SQL over `requests q` (store/rollup.rs
/// `report_model` for rows not yet stored). A macro, so that constant queries can
/// `concat!` it.
macro_rules! report_model_sql {
    () => {
        "CASE WHEN q.fast THEN q.model || '-fast' ELSE q.model END"
    };
}
const REPORT_MODEL_SQL: &str = report_model_sql!();

const RECENT_REQUESTS_SQL: &str = concat!(
    "SELECT q.developer, q.ts, q.input_tokens, q.output_tokens,
        q.cache_write_5m, q.cache_write_1h, q.cache_read, q.reasoning_tokens, q.cost_micro_usd,
        q.cost_source = 'unpriced', ",
    report_model_sql!(),
    " FROM requests q
     WHERE q.developer IN (SELECT value FROM json_each(?1)) AND q.ts >= ?2
     ORDER BY q.developer, q.ts"
);

/// WHERE clause over `requests q` joined with developers `d` and projects `p`.
fn request_filter(filter: &UsageFilter, sql: &mut String, args: &mut Vec<Value>) {
    if let Some(since) = filter.since_ms {
        sql.push_str(" AND q.ts >= ?");
        args.push(Value::Integer(since));
    }
    if let Some(until) = filter.until_ms {
        sql.push_str(" AND q.ts < ?");
        args.push(Value::Integer(until));
    }
    if let Some(agent) = &filter.agent {
        sql.push_str(" AND q.agent = ?");
        args.push(Value::Text(agent.clone()));
    }
    if let Some(project) = &filter.project {
        sql.push_str(" AND (q.project_id = ? OR p.display_name = ?)");
        args.push(Value::Text(project.clone()));
        args.push(Value::Text(project.clone()));
    }
    if let Some(developer) = &filter.developer {
        sql.push_str(" AND (q.developer = ? OR d.handle = ? OR d.email = ?)");
        for _ in 0..3 {
            args.push(Value::Text(developer.clone()));
        }
    }
    if let Some(team) = &filter.team {
        sql.push_str(" AND coalesce(d.team, 'unassigned') = ?");
        args.push(Value::Text(team.clone()));
    }
}

impl Reader {
    /// Sessions with requests in the filter's range, newest activity first. Totals cover
    /// the requests inside the range.
    pub fn session_usage(&self, filter: &UsageFilter) -> Result<Vec<SessionRow>> {
        let mut sql = format!(
            "SELECT s.agent, s.session_key, s.developer, s.project_id, p.display_name, s.branch,
                    s.title, s.started_at, s.last_activity_at, count(*), {}, {}, {}, {}, {}, {}, {}, {},
                    group_concat(DISTINCT {REPORT_MODEL_SQL})
             FROM requests q
             JOIN sessions s ON s.id = q.session_id
             LEFT JOIN developers d ON d.id = q.developer
             LEFT JOIN projects p ON p.id = q.project_id
             WHERE 1 = 1",
            // Overflow-free sums: no stored value can make this report fail.
            wide_sum("q.input_tokens"),
            wide_sum("q.output_tokens"),
            wide_sum("q.cache_write_5m"),
            wide_sum("q.cache_write_1h"),
            wide_sum("q.cache_read"),
            wide_sum("q.reasoning_tokens"),
            wide_sum("CASE WHEN q.cost_source <> 'unpriced' THEN q.cost_micro_usd ELSE 0 END"),
            wide_sum(
                "CASE WHEN q.cost_source = 'unpriced'
                 THEN q.input_tokens + q.output_tokens + q.cache_write_5m + q.cache_write_1h + q.cache_read
                 ELSE 0 END"
            ),
        );
        let mut args = Vec::new();
        request_filter(filter, &mut sql, &mut args);
        sql.push_str(" GROUP BY s.id ORDER BY s.last_activity_at DESC, s.session_key");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            let models: Option<String> = r.get(18)?;
            Ok(SessionRow {
                agent: r.get(0)?,
                session_key: r.get(1)?,
                developer: r.get(2)?,
                project_id: r.get(3)?,
                project_name: r.get(4)?,
                branch: r.get(5)?,
                title: r.get(6)?,
                started_at: r.get(7)?,
                last_activity_at: r.get(8)?,
                requests: r.get(9)?,
                usage: usage_at(r, 10)?,
                cost: Money::from_micro_usd(r.get(16)?),
                unpriced_tokens: r.get(17)?,
                models: models
                    .map(|m| m.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The named developers' requests since `since_ms`, each developer's oldest first: the
    /// input of Live's burn rates, in one statement over the `(developer, ts)` index.
    pub fn recent_requests_of(
        &self,
        developers: &[&str],
        since_ms: i64,
    ) -> Result<HashMap<String, Vec<TimedUsage>>> {
        let mut out: HashMap<String, Vec<TimedUsage>> = HashMap::new();
        if developers.is_empty() {
            return Ok(out);
        }
        let names = serde_json::to_string(developers).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(RECENT_REQUESTS_SQL)?;
        let mut rows = stmt.query(rusqlite::params![names, since_ms])?;
        while let Some(r) = rows.next()? {
            let unpriced: bool = r.get(9)?;
            let timed = TimedUsage {
                ts: r.get(1)?,
                usage: usage_at(r, 2)?,
                cost: Money::from_micro_usd(if unpriced { 0 } else { r.get(8)? }),
                unpriced,
                model: r.get(10)?,
            };
            let developer = r.get_ref(0)?.as_str().unwrap_or_default();
            match out.get_mut(developer) {
                Some(list) => list.push(timed),
                None => {
                    out.insert(developer.to_string(), vec![timed]);
                }
            }
        }
        Ok(out)
    }

    /// Every request in the filter, oldest first, for block and burn-rate arithmetic.
    pub fn request_timeline(&self, filter: &UsageFilter) -> Result<Vec<TimedUsage>> {
        let mut sql = format!(
            "SELECT q.ts, q.input_tokens, q.output_tokens, q.cache_write_5m, q.cache_write_1h,
                    q.cache_read, q.reasoning_tokens, q.cost_micro_usd, q.cost_source = 'unpriced',
                    {REPORT_MODEL_SQL}
             FROM requests q
             LEFT JOIN developers d ON d.id = q.developer
             LEFT JOIN projects p ON p.id = q.project_id
             WHERE 1 = 1",
        );
        let mut args = Vec::new();
        request_filter(filter, &mut sql, &mut args);
        sql.push_str(" ORDER BY q.ts");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            let unpriced: bool = r.get(8)?;
            Ok(TimedUsage {
                ts: r.get(0)?,
                usage: usage_at(r, 1)?,
                cost: Money::from_micro_usd(if unpriced { 0 } else { r.get(7)? }),
                unpriced,
                model: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Agent, Cost, KeyKind, RequestKey, RequestRecord};
    use crate::store::{Store, WriteBatch};

    fn request(developer: &str, n: i64, ts: i64) -> RequestRecord {
        RequestRecord {
            dedupe_key: RequestKey::new(KeyKind::ClaudeLine {
                uuid: format!("{developer}-{n}"),
            }),
            agent: Agent::ClaudeCode,
            session_key: format!("s-{developer}"),
            ts,
            model: Some("claude-sonnet-4-5".into()),
            usage: TokenUsage {
                output: n,
                ..TokenUsage::default()
            },
            cost: Cost::reported(Money::from_micro_usd(n)),
            developer: developer.into(),
            project_id: None,
            sidechain: false,
            message_id: None,
            fast: false,
            ord: 0,
        }
    }

    /// Live's burn rates read a few hours of a few developers: only theirs, from the
    /// `(developer, ts)` index (until migration 17 the unique key index, which also started
    /// with the developer, made that a walk over every request a developer ever made).
    #[test]
    fn recent_requests_are_the_named_developers_since_the_instant() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let requests = (0..30)
            .flat_map(|n| {
                ["ana@x.dev", "bo@x.dev", "cy@x.dev"].map(|d| request(d, n, 1_000_000 + n * 60_000))
            })
            .collect();
        store
            .writer()
            .apply_blocking(WriteBatch {
                requests,
                ..WriteBatch::default()
            })
            .unwrap();
        let reader = store.reader().unwrap();
        let since = 1_000_000 + 20 * 60_000;
        let got = reader
            .recent_requests_of(&["ana@x.dev", "cy@x.dev", "nobody@x.dev"], since)
            .unwrap();
        let mut names: Vec<&String> = got.keys().collect();
        names.sort();
        assert_eq!(names, ["ana@x.dev", "cy@x.dev"]);
        let ana: Vec<(i64, i64)> = got["ana@x.dev"]
            .iter()
            .map(|t| (t.ts, t.usage.output))
            .collect();
        assert_eq!(
            ana,
            (20..30)
                .map(|n| (1_000_000 + n * 60_000, n))
                .collect::<Vec<_>>()
        );

        let plan: Vec<String> = reader
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {RECENT_REQUESTS_SQL}"))
            .unwrap()
            .query_map(rusqlite::params!["[]", 0], |r| r.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|p| p.contains("requests_by_developer_ts")),
            "{plan:?}"
        );
    }
}
