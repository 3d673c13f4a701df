//! The SQLite side of the write pipeline: plain statements inside the writer's transaction.
//! No rule lives here; `pipeline` and `plan` decide, this file only executes.

use super::batch::DeveloperRow;
use super::identity::{Identity, IdentityHash};
use super::pipeline::RowBackend;
use super::plan::{Probe, RequestPlan, StoredRequest};
use super::rollup::{
    Deltas, MEASURES, QUARTER, TIERS, Tier, Totals, model_name, saturating_add_sql,
};
use super::row::{REQUEST_COLUMNS, RowError, decode_request};
use super::sqlite_sessions;
use super::writer_cache::WriterCache;
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
    pub cache: &'t mut WriterCache,
    /// The store's identity hash (store/identity.rs).
    pub hash: IdentityHash,
    /// Sessions changed by `upsert_sessions`, written with the totals in `apply_plan`.
    pub pending: sqlite_sessions::Pending,
}

impl SqliteRows<'_, '_> {
    /// Writes whatever session change is still pending (none after `apply_plan`).
    pub fn finish(&mut self) -> rusqlite::Result<()> {
        sqlite_sessions::write_pending(self.tx, &mut self.pending)
    }
}

/// The look-up of stored requests by one identity of theirs (`?2`) and their owner (`?1`),
/// through the identity's hash (`?3`, store/identity.rs): the index gives the rows with that
/// hash, and the owner and value are compared on them.
fn lookup_sql(what: Identity) -> String {
    let filter = match what {
        Identity::Key => "q.key_hash = ?3 AND q.dedupe_key = ?2",
        Identity::RequestId => "q.request_hash = ?3 AND q.request_id = ?2",
        Identity::MessageId => "q.message_hash = ?3 AND q.message_id = ?2",
    };
    format!(
        "SELECT {REQUEST_COLUMNS} FROM requests q JOIN sessions s ON s.id = q.session_id
         WHERE {filter} AND +q.developer = ?1"
    )
}

/// Runs one lookup per (owner, value) pair on one prepared statement, skipping the values
/// the writer's cache knows are not stored.
fn requests_where<'k>(
    tx: &Transaction<'_>,
    cache: &WriterCache,
    hash: IdentityHash,
    what: Identity,
    pairs: impl IntoIterator<Item = (&'k str, &'k str)>,
    out: &mut Vec<StoredRequest>,
) -> R<()> {
    let mut stmt = tx.prepare_cached(&lookup_sql(what))?;
    for (owner, value) in pairs {
        let h = hash.of(owner, what, value);
        if !cache.may_be_stored(h) {
            continue;
        }
        let mut rows = stmt.query(params![owner, value, h])?;
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
    Ok(())
}

impl RowBackend for SqliteRows<'_, '_> {
    type Error = SqliteRowsError;

    async fn lock(&mut self, _keys: &[i64]) -> R<()> {
        Ok(()) // the single writer thread is the lock
    }

    async fn upsert_sessions(&mut self, sessions: &[SessionRecord]) -> R<Vec<i64>> {
        Ok(sqlite_sessions::upsert(
            self.tx,
            self.cache,
            &mut self.pending,
            sessions,
        )?)
    }

    async fn stored_requests(&mut self, probe: &Probe<'_>) -> R<Vec<StoredRequest>> {
        let mut out = Vec::new();
        let (tx, cache, hash) = (self.tx, &*self.cache, self.hash);
        let keys = probe.keys.iter().copied();
        requests_where(tx, cache, hash, Identity::Key, keys, &mut out)?;
        // Only transcript rows carry a request id (see `apply_plan`): a telemetry row's
        // transcript copies are found by it, a transcript row's telemetry copy by its key.
        let ids = probe.transcript_cross_ids.iter().copied();
        requests_where(tx, cache, hash, Identity::RequestId, ids, &mut out)?;
        let copies = probe.telemetry_keys.iter().map(|(o, k)| (*o, k.as_str()));
        requests_where(tx, cache, hash, Identity::Key, copies, &mut out)?;
        let messages = probe.message_ids.iter().copied();
        requests_where(tx, cache, hash, Identity::MessageId, messages, &mut out)?;
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
                 message_id, ord, key_hash, request_hash, message_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23)",
        )?;
        for (sid, r) in &plan.insert {
            let u = &r.usage;
            let request_id = r.dedupe_key.indexed_request_id();
            let owner = r.developer.as_str();
            let key_hash = self.hash.of(owner, Identity::Key, &r.dedupe_key);
            let request_hash = request_id.map(|id| self.hash.of(owner, Identity::RequestId, id));
            let message_hash =
                (r.message_id.as_deref()).map(|m| self.hash.of(owner, Identity::MessageId, m));
            insert.execute(params![
                r.dedupe_key.as_str(),
                request_id,
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
                r.ord,
                key_hash,
                request_hash,
                message_hash
            ])?;
            for h in [Some(key_hash), request_hash, message_hash]
                .into_iter()
                .flatten()
            {
                self.cache.stored(h);
            }
        }
        flush(self.tx, &plan.deltas)?;
        Ok(sqlite_sessions::write(
            self.tx,
            &plan.deltas.sessions(),
            &mut self.pending,
        )?)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each look-up searches its own index: a plan that fell back to one of the owner's
    /// indexes would read every request the owner ever made.
    #[test]
    fn each_lookup_searches_its_own_index() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::schema::open_writer(&dir.path().join("s.db"), false).unwrap();
        for (what, index) in [
            (Identity::Key, "requests_by_key"),
            (Identity::MessageId, "requests_by_message"),
            (Identity::RequestId, "requests_by_request_id"),
        ] {
            let sql = format!("EXPLAIN QUERY PLAN {}", lookup_sql(what));
            let mut stmt = conn.prepare(&sql).unwrap();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params!["o", "v", 1], |r| r.get(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let requests = plan.iter().find(|d| d.contains(" q ")).unwrap();
            assert!(
                requests.starts_with("SEARCH") && requests.contains(index),
                "{what:?}: {plan:?}"
            );
        }
    }
}
