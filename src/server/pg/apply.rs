//! The PostgreSQL side of the write pipeline: each [`RowBackend`] step as bulk statements
//! (UNNEST over column arrays) inside the batch's transaction, pipelined so a batch costs
//! five round trips. No rule lives here; `store::pipeline` and `store::plan` decide. Writers
//! of several `serve` instances serialise only on the owners (developers) their batches
//! share (one advisory lock per owner, taken in one order), never on a global lock.

use super::bulk;
use super::{PgError, PgStore, Stmt, Tx};
use crate::domain::counter::SeriesState;
use crate::domain::{CounterRecord, EventRecord, SessionRecord};
use crate::store::pipeline::{RowBackend, apply_rows};
use crate::store::plan::{Probe, RequestPlan, StoredRequest};
use crate::store::row::{Columns, REQUEST_COLUMNS, RowError, decode_request};
use crate::store::{DeveloperRow, WriteBatch};
use std::collections::HashMap;

pub(super) struct PgRows<'t, 'c> {
    pub tx: Tx<'t, 'c>,
    /// Sessions committed before (the connection's memory).
    known: &'t HashMap<super::SessionCacheKey, i64>,
    /// Sessions this transaction inserted or read, remembered once it commits.
    learned: Vec<(super::SessionCacheKey, i64)>,
    /// Owner locks not sent yet: they go out with the batch's first statement.
    locks: Option<Vec<i64>>,
    /// Spans of the batch's sessions, merged with their totals by the plan's statements.
    spans: Vec<bulk::SessionSpan>,
}

/// A transaction PostgreSQL aborted because of another writer (deadlock victim,
/// serialization failure, a key inserted concurrently) is run again, a few times.
fn retryable(e: &PgError) -> bool {
    use tokio_postgres::error::SqlState;
    let PgError::Sql(e) = e else { return false };
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::UNIQUE_VIOLATION
    )
}

impl PgStore {
    /// Applies a batch in one transaction through the write pipeline.
    pub async fn apply(&self, batch: &WriteBatch) -> Result<(), PgError> {
        let mut attempt = 0;
        loop {
            match self.apply_once(batch).await {
                Err(e) if retryable(&e) && attempt < 4 => {
                    attempt += 1;
                    tracing::debug!("retrying a batch another writer aborted: {e}");
                }
                other => return other,
            }
        }
    }

    async fn apply_once(&self, batch: &WriteBatch) -> Result<(), PgError> {
        let mut conn = self.writer().await?;
        let super::WriteConn {
            client,
            statements,
            sessions,
        } = &mut *conn;
        let tx = client.transaction().await?;
        let mut rows = PgRows {
            tx: Tx {
                tx: &tx,
                statements,
            },
            known: sessions,
            learned: Vec::new(),
            locks: None,
            spans: Vec::new(),
        };
        bulk::insert_developers(&mut rows.tx, &batch.developers, true).await?;
        for p in &batch.projects {
            rows.tx
                .execute(
                    "INSERT INTO projects (id, display_name) VALUES ($1, $2)
                     ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name",
                    &[&p.id, &p.display_name],
                )
                .await?;
        }
        apply_rows(&mut rows, batch).await?;
        if !rows.spans.is_empty() {
            let spans = std::mem::take(&mut rows.spans);
            let deltas = crate::store::rollup::Deltas::default();
            // Owner locks still unsent (every session was known, no other row): with it.
            let mut stmts: Vec<Stmt<'_>> = rows.take_locks().into_iter().collect();
            stmts.extend(bulk::flush(&deltas, &spans));
            rows.tx.pipeline(&stmts).await?;
        }
        let learned = std::mem::take(&mut rows.learned);
        drop(rows);
        tx.commit().await?;
        conn.learn_sessions(learned);
        Ok(())
    }
}

fn bad(column: &'static str, e: tokio_postgres::Error) -> RowError {
    RowError {
        column,
        detail: e.to_string(),
    }
}

impl Columns for tokio_postgres::Row {
    fn int(&self, i: usize, column: &'static str) -> Result<i64, RowError> {
        self.try_get(i).map_err(|e| bad(column, e))
    }
    fn opt_int(&self, i: usize, column: &'static str) -> Result<Option<i64>, RowError> {
        self.try_get(i).map_err(|e| bad(column, e))
    }
    fn text(&self, i: usize, column: &'static str) -> Result<String, RowError> {
        self.try_get(i).map_err(|e| bad(column, e))
    }
    fn opt_text(&self, i: usize, column: &'static str) -> Result<Option<String>, RowError> {
        self.try_get(i).map_err(|e| bad(column, e))
    }
    fn flag(&self, i: usize, column: &'static str) -> Result<bool, RowError> {
        self.try_get(i).map_err(|e| bad(column, e))
    }
}

/// Every stored request matching one of a probe's owner-scoped identities: key (its own or
/// its telemetry copy's), request id of transcript rows, Claude message id (a row may come
/// more than once; the plan counts it once). Each identity is looked up by its
/// index one at a time (LATERAL … OFFSET 0), so the prepared statement's cached plan never
/// turns into a scan of the whole table, whatever size the table had when it was planned.
const PROBE: &str = "SELECT r.* FROM unnest($1::text[], $2::text[]) AS p(owner, id),
        LATERAL (SELECT * FROM requests WHERE developer = p.owner AND dedupe_key = p.id OFFSET 0) r
    UNION ALL
    SELECT r.* FROM unnest($3::text[], $4::text[]) AS p(owner, id),
        LATERAL (SELECT * FROM requests WHERE developer = p.owner AND request_id = p.id OFFSET 0) r
    UNION ALL
    SELECT r.* FROM unnest($5::text[], $6::text[]) AS p(owner, id),
        LATERAL (SELECT * FROM requests WHERE developer = p.owner AND message_id = p.id OFFSET 0) r";

fn owners_and_ids<'a>(pairs: &[(&'a str, &'a str)]) -> (Vec<&'a str>, Vec<&'a str>) {
    pairs.iter().copied().unzip()
}

impl PgRows<'_, '_> {
    /// The owner-lock statement, if not sent yet.
    fn take_locks(&mut self) -> Option<Stmt<'static>> {
        self.locks.take().map(|keys| {
            Stmt::new("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS l(k)")
                .bind(keys)
        })
    }

    /// Sends the owner locks if no statement has taken them along yet.
    async fn locked(&mut self) -> Result<(), PgError> {
        if let Some(lock) = self.take_locks() {
            self.tx.pipeline(&[lock]).await?;
        }
        Ok(())
    }
}

impl RowBackend for PgRows<'_, '_> {
    type Error = PgError;

    /// Kept until the next statement, which carries them in its round trip.
    async fn lock(&mut self, keys: &[i64]) -> Result<(), PgError> {
        self.locks = Some(keys.to_vec());
        Ok(())
    }

    /// Sessions the connection knows need no statement; the others are inserted or read
    /// (with the owner locks in the same round trip).
    async fn upsert_sessions(&mut self, sessions: &[SessionRecord]) -> Result<Vec<i64>, PgError> {
        let keys: Vec<super::SessionCacheKey> =
            sessions.iter().map(super::session_cache_key).collect();
        let mut ids: Vec<Option<i64>> = keys.iter().map(|k| self.known.get(k).copied()).collect();
        let missing: Vec<SessionRecord> = sessions
            .iter()
            .zip(&ids)
            .filter(|(_, id)| id.is_none())
            .map(|(s, _)| s.clone())
            .collect();
        if !missing.is_empty() {
            let locks = self.take_locks();
            let mut found = bulk::upsert_sessions(&mut self.tx, &missing, locks)
                .await?
                .into_iter();
            for (slot, key) in ids.iter_mut().zip(keys) {
                if slot.is_none() {
                    *slot = found.next();
                    if let Some(id) = *slot {
                        self.learned.push((key, id));
                    }
                }
            }
        }
        let ids = ids
            .into_iter()
            .collect::<Option<Vec<i64>>>()
            .ok_or(PgError::Missing("an upserted session returned no id"))?;
        self.spans
            .extend(sessions.iter().zip(&ids).map(|(s, id)| bulk::SessionSpan {
                id: *id,
                started_at: s.started_at,
                last_activity_at: s.last_activity_at,
                project_id: s.project_id.clone(),
                branch: s.branch.clone(),
                title: s.title.clone(),
            }));
        Ok(ids)
    }

    async fn stored_requests(&mut self, probe: &Probe<'_>) -> Result<Vec<StoredRequest>, PgError> {
        // Only transcript rows carry a request id (see `bulk::insert_requests`): a telemetry
        // row's transcript copies are found by that id, a transcript row's telemetry copy by
        // its key, which the id determines.
        let (mut key_owners, mut keys) = owners_and_ids(&probe.keys);
        for (owner, key) in &probe.telemetry_keys {
            key_owners.push(*owner);
            keys.push(key.as_str());
        }
        let (cross_owners, cross) = owners_and_ids(&probe.transcript_cross_ids);
        let (message_owners, messages) = owners_and_ids(&probe.message_ids);
        let mut stmts: Vec<Stmt<'_>> = self.take_locks().into_iter().collect();
        stmts.push(
            Stmt::new(format!(
                "SELECT {REQUEST_COLUMNS} FROM ({PROBE}) q,
                     LATERAL (SELECT session_key FROM sessions WHERE id = q.session_id OFFSET 0) s"
            ))
            .bind(key_owners)
            .bind(keys)
            .bind(cross_owners)
            .bind(cross)
            .bind(message_owners)
            .bind(messages),
        );
        let rows = self.tx.pipeline(&stmts).await?.pop().unwrap_or_default();
        rows.iter()
            .map(|r| decode_request(r).map_err(PgError::from))
            .collect()
    }

    /// Every statement of the plan in one round trip.
    async fn apply_plan(&mut self, plan: &RequestPlan<'_>) -> Result<(), PgError> {
        let spans = std::mem::take(&mut self.spans);
        let mut stmts: Vec<Stmt<'_>> = self.take_locks().into_iter().collect();
        if !plan.remove.is_empty() {
            // Each id through the primary key (LATERAL … OFFSET 0, as in the probe): a cached
            // plan of `id = ANY($1)` made while the table was small scans the whole table.
            stmts.push(
                Stmt::new(
                    "DELETE FROM requests WHERE id IN (SELECT q.id FROM unnest($1::bigint[]) AS d(id),
                         LATERAL (SELECT id FROM requests WHERE id = d.id OFFSET 0) q)",
                )
                .bind(plan.remove.clone()),
            );
        }
        stmts.extend(plan.insert.chunks(2_000).map(bulk::insert_requests));
        stmts.extend(bulk::flush(&plan.deltas, &spans));
        if !stmts.is_empty() {
            self.tx.pipeline(&stmts).await?;
        }
        Ok(())
    }

    async fn insert_events(&mut self, events: &[(i64, &EventRecord)]) -> Result<u64, PgError> {
        self.locked().await?;
        let mut added = 0;
        for chunk in events.chunks(2_000) {
            added += bulk::insert_events(&mut self.tx, chunk).await?;
        }
        Ok(added)
    }

    async fn series(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), SeriesState>, PgError> {
        self.locked().await?;
        let owners: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let series: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
        let rows = self
            .tx
            .query(
                "SELECT m.developer, m.series, m.start_nanos, m.time_nanos, m.value
                 FROM metric_series m JOIN unnest($1::text[], $2::text[]) AS p(owner, series)
                   ON m.developer = p.owner AND m.series = p.series",
                &[&owners, &series],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    (r.get(0), r.get(1)),
                    SeriesState {
                        start_nanos: r.get::<_, i64>(2) as u64,
                        time_nanos: r.get::<_, i64>(3) as u64,
                        value: r.get(4),
                    },
                )
            })
            .collect())
    }

    async fn store_series(
        &mut self,
        rows: &[((String, String), SeriesState)],
    ) -> Result<(), PgError> {
        self.locked().await?;
        if rows.is_empty() {
            return Ok(());
        }
        let nanos = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let owners: Vec<&str> = rows.iter().map(|r| r.0.0.as_str()).collect();
        let series: Vec<&str> = rows.iter().map(|r| r.0.1.as_str()).collect();
        let starts: Vec<i64> = rows.iter().map(|r| nanos(r.1.start_nanos)).collect();
        let times: Vec<i64> = rows.iter().map(|r| nanos(r.1.time_nanos)).collect();
        let values: Vec<i64> = rows.iter().map(|r| r.1.value).collect();
        self.tx
            .execute(
                "INSERT INTO metric_series (developer, series, start_nanos, time_nanos, value)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
                 ON CONFLICT (developer, series) DO UPDATE SET start_nanos = excluded.start_nanos,
                     time_nanos = excluded.time_nanos, value = excluded.value",
                &[&owners, &series, &starts, &times, &values],
            )
            .await?;
        Ok(())
    }

    async fn insert_counters(&mut self, counters: &[CounterRecord]) -> Result<u64, PgError> {
        self.locked().await?;
        bulk::insert_counters(&mut self.tx, counters).await
    }

    async fn insert_seen_developers(&mut self, rows: &[DeveloperRow]) -> Result<(), PgError> {
        self.locked().await?;
        bulk::insert_developers(&mut self.tx, rows, false).await
    }
}
