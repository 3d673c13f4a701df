//! The SQLite side of the write pipeline: plain statements inside the writer's transaction.
//! No rule lives here; `pipeline` and `plan` decide, this file only executes.

use super::batch::DeveloperRow;
use super::pipeline::RowBackend;
use super::plan::{Probe, RequestPlan, StoredRequest};
use super::rollup::{
    Deltas, MEASURES, QUARTER, SESSION_MEASURES, TIERS, Tier, Totals, model_name,
    saturating_add_sql,
};
use super::row::{REQUEST_COLUMNS, RowError, decode_request};
use crate::domain::counter::SeriesState;
use crate::domain::{CounterRecord, EventRecord, SessionRecord};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum SqliteRowsError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Row(#[from] RowError),
}

impl From<SqliteRowsError> for rusqlite::Error {
    fn from(e: SqliteRowsError) -> rusqlite::Error {
        match e {
            SqliteRowsError::Sql(e) => e,
            SqliteRowsError::Row(e) => rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        }
    }
}

type R<T> = Result<T, SqliteRowsError>;

pub struct SqliteRows<'t, 'c> {
    pub tx: &'t Transaction<'c>,
}

/// Runs one lookup per (owner, value) pair on one prepared statement.
fn requests_where<'k>(
    tx: &Transaction<'_>,
    condition: &str,
    pairs: impl IntoIterator<Item = &'k (&'k str, &'k str)>,
    out: &mut Vec<StoredRequest>,
) -> R<()> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests q JOIN sessions s ON s.id = q.session_id
         WHERE {condition}"
    ))?;
    for (owner, value) in pairs {
        let mut rows = stmt.query(params![owner, value])?;
        while let Some(row) = rows.next()? {
            out.push(decode_request(row)?);
        }
    }
    Ok(())
}

fn flush_tier(
    tx: &Transaction<'_>,
    tier: Tier,
    rows: &[(super::rollup::RollupKey, Totals)],
) -> R<()> {
    let table = tier.table;
    let updates: Vec<String> = MEASURES
        .iter()
        .map(|m| {
            format!(
                "{m} = {}",
                saturating_add_sql(m, &format!("excluded.{m}"), false)
            )
        })
        .collect();
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (bucket_start, developer, project_id, agent, model, {})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (bucket_start, developer, project_id, agent, model) DO UPDATE SET {}",
        MEASURES.join(", "),
        updates.join(", ")
    ))?;
    let mut prune = tx.prepare_cached(&format!(
        "DELETE FROM {table} WHERE bucket_start = ?1 AND developer = ?2 AND project_id = ?3
           AND agent = ?4 AND model = ?5 AND requests <= 0"
    ))?;
    for ((bucket, developer, project, agent, model), t) in rows {
        let c = t.columns();
        upsert.execute(params![
            bucket, developer, project, agent, model, c[0], c[1], c[2], c[3], c[4], c[5], c[6],
            c[7], c[8], c[9], c[10]
        ])?;
        // Buckets emptied by removals (rewinds, replaced copies) disappear.
        if t.requests < 0 {
            prune.execute(params![bucket, developer, project, agent, model])?;
        }
    }
    Ok(())
}

fn flush(tx: &Transaction<'_>, deltas: &Deltas) -> R<()> {
    let quarter: Vec<_> = deltas
        .quarter()
        .into_iter()
        .map(|(k, t)| (k.clone(), *t))
        .collect();
    flush_tier(tx, QUARTER, &quarter)?;
    for &tier in &TIERS[1..] {
        flush_tier(tx, tier, &deltas.folded(tier))?;
    }
    let sets: Vec<String> = SESSION_MEASURES
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.map(|m| {
                format!(
                    "{m} = {}",
                    saturating_add_sql(m, &format!("?{}", i + 2), false)
                )
            })
        })
        .collect();
    let mut session = tx.prepare_cached(&format!(
        "UPDATE sessions SET {} WHERE id = ?1",
        sets.join(", ")
    ))?;
    for (id, t) in deltas.sessions() {
        let c = t.columns();
        session.execute(params![
            id, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]
        ])?;
    }
    Ok(())
}

impl RowBackend for SqliteRows<'_, '_> {
    type Error = SqliteRowsError;

    async fn lock(&mut self, _keys: &[i64]) -> R<()> {
        Ok(()) // the single writer thread is the lock
    }

    /// Looks each session up first: most batches only move a known session's last activity
    /// (or change nothing), and a plain update by id costs a fraction of an upsert with
    /// `RETURNING` (which needs a statement journal and a scratch table per row).
    async fn upsert_sessions(&mut self, sessions: &[SessionRecord]) -> R<Vec<i64>> {
        let mut find = self.tx.prepare_cached(
            "SELECT id, started_at, last_activity_at, project_id, branch, title FROM sessions
             WHERE developer = ?1 AND agent = ?2 AND session_key = ?3",
        )?;
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO sessions (agent, session_key, source, developer, project_id, branch,
                 started_at, last_activity_at, title)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut update = self.tx.prepare_cached(
            "UPDATE sessions SET started_at = ?2, last_activity_at = ?3, project_id = ?4,
                 branch = ?5, title = ?6
             WHERE id = ?1",
        )?;
        let mut ids = Vec::with_capacity(sessions.len());
        for s in sessions {
            let stored = find
                .query_row(
                    params![s.developer, s.agent.as_str(), s.session_key],
                    |row| {
                        let mut stored = s.clone();
                        stored.started_at = row.get(1)?;
                        stored.last_activity_at = row.get(2)?;
                        stored.project_id = row.get(3)?;
                        stored.branch = row.get(4)?;
                        stored.title = row.get(5)?;
                        Ok((row.get::<_, i64>(0)?, stored))
                    },
                )
                .optional()?;
            match stored {
                None => {
                    insert.execute(params![
                        s.agent.as_str(),
                        s.session_key,
                        s.source,
                        s.developer,
                        s.project_id,
                        s.branch,
                        s.started_at,
                        s.last_activity_at,
                        s.title
                    ])?;
                    ids.push(self.tx.last_insert_rowid());
                }
                Some((id, mut stored)) => {
                    if stored.absorb(s) {
                        update.execute(params![
                            id,
                            stored.started_at,
                            stored.last_activity_at,
                            stored.project_id,
                            stored.branch,
                            stored.title
                        ])?;
                    }
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    async fn stored_requests(&mut self, probe: &Probe<'_>) -> R<Vec<StoredRequest>> {
        let mut out = Vec::new();
        let condition = "q.developer = ?1 AND q.dedupe_key = ?2";
        requests_where(self.tx, condition, &probe.keys, &mut out)?;
        let condition = "q.developer = ?1 AND q.request_id = ?2";
        requests_where(self.tx, condition, &probe.cross_ids, &mut out)?;
        let condition = "q.developer = ?1 AND q.message_id = ?2";
        requests_where(self.tx, condition, &probe.message_ids, &mut out)?;
        Ok(out)
    }

    async fn apply_plan(&mut self, plan: &RequestPlan<'_>) -> R<()> {
        let mut delete = self
            .tx
            .prepare_cached("DELETE FROM requests WHERE id = ?1")?;
        for id in &plan.remove {
            delete.execute([id])?;
        }
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO requests (dedupe_key, request_id, session_id, ts, agent, model, developer,
                 project_id, input_tokens, output_tokens, cache_write_5m, cache_write_1h,
                 cache_read, reasoning_tokens, cost_micro_usd, cost_source, sidechain, fast,
                 message_id, ord)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20)",
        )?;
        for (sid, r) in &plan.insert {
            let u = &r.usage;
            insert.execute(params![
                r.dedupe_key.as_str(),
                r.dedupe_key.cross_source_id(),
                sid,
                r.ts,
                r.agent.as_str(),
                model_name(r),
                r.developer,
                r.project_id,
                u.input,
                u.output,
                u.cache_write_5m,
                u.cache_write_1h,
                u.cache_read,
                u.reasoning,
                r.cost.amount.micro_usd(),
                r.cost.source.as_str(),
                r.sidechain,
                r.fast,
                r.message_id,
                r.ord
            ])?;
        }
        flush(self.tx, &plan.deltas)
    }

    async fn insert_events(&mut self, events: &[(i64, &EventRecord)]) -> R<u64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO events (dedupe_key, session_id, ts, kind, tool_name, decision,
                 status_code, duration_ms, detail, ord)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (session_id, dedupe_key) DO NOTHING",
        )?;
        let mut added = 0;
        for (sid, e) in events {
            added += stmt.execute(params![
                e.dedupe_key,
                sid,
                e.ts,
                e.kind.as_str(),
                e.tool_name,
                e.decision,
                e.status_code,
                e.duration_ms,
                e.detail,
                e.ord
            ])? as u64;
        }
        Ok(added)
    }

    async fn series(
        &mut self,
        keys: &[(String, String)],
    ) -> R<HashMap<(String, String), SeriesState>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT start_nanos, time_nanos, value FROM metric_series
             WHERE developer = ?1 AND series = ?2",
        )?;
        let mut out = HashMap::new();
        for key in keys {
            let found = stmt
                .query_row(params![key.0, key.1], |r| {
                    Ok(SeriesState {
                        start_nanos: r.get::<_, i64>(0)? as u64,
                        time_nanos: r.get::<_, i64>(1)? as u64,
                        value: r.get(2)?,
                    })
                })
                .optional()?;
            if let Some(state) = found {
                out.insert(key.clone(), state);
            }
        }
        Ok(out)
    }

    async fn store_series(&mut self, rows: &[((String, String), SeriesState)]) -> R<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO metric_series (developer, series, start_nanos, time_nanos, value)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (developer, series) DO UPDATE SET start_nanos = excluded.start_nanos,
                 time_nanos = excluded.time_nanos, value = excluded.value",
        )?;
        for ((developer, series), s) in rows {
            stmt.execute(params![
                developer,
                series,
                i64::try_from(s.start_nanos).unwrap_or(i64::MAX),
                i64::try_from(s.time_nanos).unwrap_or(i64::MAX),
                s.value
            ])?;
        }
        Ok(())
    }

    async fn insert_counters(&mut self, counters: &[CounterRecord]) -> R<u64> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO telemetry_counters (dedupe_key, ts, developer, agent, session_key, metric, value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (developer, dedupe_key) DO NOTHING",
        )?;
        let mut added = 0;
        for c in counters {
            added += stmt.execute(params![
                c.dedupe_key,
                c.ts,
                c.developer,
                c.agent.as_str(),
                c.session_key,
                c.metric,
                c.value
            ])? as u64;
        }
        Ok(added)
    }

    async fn insert_seen_developers(&mut self, rows: &[DeveloperRow]) -> R<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO developers (id, email, handle, display_name, team, role, started_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
        )?;
        for d in rows {
            stmt.execute(params![
                d.id,
                d.email,
                d.handle,
                d.display_name,
                d.team,
                d.role,
                d.started_on
            ])?;
        }
        Ok(())
    }
}
