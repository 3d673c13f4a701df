//! The PostgreSQL side of the write pipeline: each [`RowBackend`] step as one or two bulk
//! statements (UNNEST over column arrays) inside the batch's transaction. No rule lives
//! here; `store::pipeline` and `store::plan` decide. Writers of several `serve` instances
//! serialise only on the owners (developers) their batches share (one advisory lock per
//! owner, taken in one order), never on a global lock.

use super::bulk;
use super::{PgError, PgStore, Tx};
use crate::domain::counter::SeriesState;
use crate::domain::{CounterRecord, EventRecord, SessionRecord};
use crate::store::pipeline::{RowBackend, apply_rows};
use crate::store::plan::{Probe, RequestPlan, StoredRequest};
use crate::store::row::{Columns, REQUEST_COLUMNS, RowError, decode_request};
use crate::store::{DeveloperRow, WriteBatch};
use std::collections::HashMap;
use tokio_postgres::types::ToSql;

pub(super) struct PgRows<'t, 'c> {
    pub tx: Tx<'t, 'c>,
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
        let super::WriteConn { client, statements } = &mut *conn;
        let tx = client.transaction().await?;
        let mut rows = PgRows {
            tx: Tx {
                tx: &tx,
                statements,
            },
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
        tx.commit().await?;
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

impl PgRows<'_, '_> {
    async fn requests(
        &mut self,
        join: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<StoredRequest>, PgError> {
        let rows = self
            .tx
            .query(
                &format!(
                    "SELECT {REQUEST_COLUMNS} FROM requests q JOIN sessions s ON s.id = q.session_id {join}"
                ),
                params,
            )
            .await?;
        rows.iter()
            .map(|r| decode_request(r).map_err(PgError::from))
            .collect()
    }

    async fn pairs(
        &mut self,
        column: &str,
        pairs: &[(&str, &str)],
    ) -> Result<Vec<StoredRequest>, PgError> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let owners: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        let ids: Vec<&str> = pairs.iter().map(|p| p.1).collect();
        self.requests(
            &format!(
                "JOIN unnest($1::text[], $2::text[]) AS p(owner, id)
                 ON q.developer = p.owner AND q.{column} = p.id"
            ),
            &[&owners, &ids],
        )
        .await
    }
}

impl RowBackend for PgRows<'_, '_> {
    type Error = PgError;

    async fn lock(&mut self, keys: &[i64]) -> Result<(), PgError> {
        self.tx
            .execute(
                "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS l(k)",
                &[&keys],
            )
            .await?;
        Ok(())
    }

    async fn upsert_sessions(&mut self, sessions: &[SessionRecord]) -> Result<Vec<i64>, PgError> {
        bulk::upsert_sessions(&mut self.tx, sessions).await
    }

    async fn stored_requests(&mut self, probe: &Probe<'_>) -> Result<Vec<StoredRequest>, PgError> {
        let mut out = self.pairs("dedupe_key", &probe.keys).await?;
        out.extend(self.pairs("request_id", &probe.cross_ids).await?);
        out.extend(self.pairs("message_id", &probe.message_ids).await?);
        Ok(out)
    }

    async fn apply_plan(&mut self, plan: &RequestPlan<'_>) -> Result<(), PgError> {
        if !plan.remove.is_empty() {
            self.tx
                .execute("DELETE FROM requests WHERE id = ANY($1)", &[&plan.remove])
                .await?;
        }
        for chunk in plan.insert.chunks(2_000) {
            bulk::insert_requests(&mut self.tx, chunk).await?;
        }
        bulk::flush(&mut self.tx, &plan.deltas).await
    }

    async fn insert_events(&mut self, events: &[(i64, &EventRecord)]) -> Result<u64, PgError> {
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
        bulk::insert_counters(&mut self.tx, counters).await
    }

    async fn insert_seen_developers(&mut self, rows: &[DeveloperRow]) -> Result<(), PgError> {
        bulk::insert_developers(&mut self.tx, rows, false).await
    }
}
