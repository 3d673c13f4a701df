//! Alert state the team server owns, on PostgreSQL: the store ops that change it (fire,
//! update, ack, snooze, wake, resolve, webhook notifications) and deploys/incidents, run with
//! the same meaning as the SQLite store's (`store::ops`), each state change also written to
//! `alert_history`; the reads the alerts API needs; one engine evaluation under a lock.

use super::alert_inputs::observations;
use super::{PgError, PgStore, Tx};
use crate::alerting::{Engine, Evaluation, Inputs};
use crate::domain::alert_rules::Unit;
use crate::domain::alerts::{AlertState, Severity};
use crate::store::ops::{AlertRow, Op, OpError};
use crate::store::queries::alerts_admin::StoredAlert;
use std::collections::HashMap;
use tokio_postgres::Row;

pub(super) const COLUMNS: &str =
    "id, rule, subject, severity, state, value, threshold, message, fired_at,
    acked_at, acked_by, note, snoozed_until, resolved_at, unit, resolved_by, resolve_note";

/// Engine evaluations of every `serve` sharing the database take turns (one fires, the
/// next sees the alert open).
const ENGINE_LOCK_KEY: i64 = 0x4167_416c;

pub(super) fn stored(r: &Row) -> Result<StoredAlert, PgError> {
    let severity: String = r.try_get(3)?;
    let state: String = r.try_get(4)?;
    let unit: Option<String> = r.try_get(14)?;
    Ok(StoredAlert {
        id: r.try_get(0)?,
        row: AlertRow {
            rule: r.try_get(1)?,
            subject: r.try_get(2)?,
            severity: Severity::parse(&severity).unwrap_or(Severity::Warning),
            state: AlertState::parse(&state).unwrap_or(AlertState::Firing),
            value: r.try_get(5)?,
            threshold: r.try_get(6)?,
            message: r.try_get(7)?,
            fired_at: r.try_get(8)?,
            acked_at: r.try_get(9)?,
            acked_by: r.try_get(10)?,
            note: r.try_get(11)?,
            snoozed_until: r.try_get(12)?,
            resolved_at: r.try_get(13)?,
            unit: unit.as_deref().and_then(Unit::parse),
            resolved_by: r.try_get(15)?,
            resolve_note: r.try_get(16)?,
        },
    })
}

impl PgStore {
    /// Alerts changed at or after `since` (by `updated_at`), oldest change first.
    pub async fn alerts_changed_since(
        &self,
        since: i64,
        limit: usize,
    ) -> Result<Vec<(StoredAlert, i64)>, PgError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .reader()
            .await?
            .query(
                &format!(
                    "SELECT {COLUMNS}, updated_at FROM alerts WHERE updated_at >= $1
                     ORDER BY updated_at, id LIMIT $2"
                ),
                &[&since, &limit],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((stored(r)?, r.try_get(17)?)))
            .collect()
    }

    /// Changes whenever rows the rules read are added (by any `serve` on this database).
    pub async fn data_version(&self) -> Result<(i64, i64, i64, i64), PgError> {
        let row = self
            .reader()
            .await?
            .query_one(
                "SELECT (SELECT coalesce(max(id), 0) FROM requests),
                        (SELECT coalesce(max(id), 0) FROM events),
                        (SELECT count(*) FROM developers),
                        (SELECT coalesce(max(version), 0) FROM daily_usage)",
                &[],
            )
            .await?;
        Ok((
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        ))
    }

    /// One alert by id.
    pub async fn alert(&self, id: i64) -> Result<Option<StoredAlert>, PgError> {
        let row = self
            .reader()
            .await?
            .query_opt(
                &format!("SELECT {COLUMNS} FROM alerts WHERE id = $1"),
                &[&id],
            )
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Applies alert and outcome-event ops in one transaction; an op refused (unknown or
    /// resolved alert) rolls back the whole batch with [`PgError::Refused`].
    pub async fn apply_ops(&self, ops: &[Op]) -> Result<(), PgError> {
        let mut conn = self.writer().await?;
        let super::WriteConn {
            client, statements, ..
        } = &mut *conn;
        let tx = client.transaction().await?;
        let mut t = Tx {
            tx: &tx,
            statements,
        };
        for op in ops {
            apply_op(&mut t, op).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One evaluation of `engine`'s rules over the team's data at `now_ms`: reads, decides
    /// (`Engine::plan`, the same decision as on SQLite) and, with `record`, writes, all in
    /// one transaction that other servers' evaluations wait for.
    pub async fn evaluate_alerts(
        &self,
        engine: &Engine,
        now_ms: i64,
        record: bool,
    ) -> Result<Evaluation, PgError> {
        let mut conn = self.writer().await?;
        let super::WriteConn {
            client, statements, ..
        } = &mut *conn;
        let tx = client.transaction().await?;
        let mut t = Tx {
            tx: &tx,
            statements,
        };
        t.execute("SELECT pg_advisory_xact_lock($1)", &[&ENGINE_LOCK_KEY])
            .await?;
        let open = t
            .query(
                &format!("SELECT {COLUMNS} FROM alerts WHERE state <> 'resolved'"),
                &[],
            )
            .await?
            .iter()
            .map(stored)
            .collect::<Result<Vec<_>, _>>()?;
        let mut resolutions = HashMap::new();
        for r in t
            .query(
                "SELECT rule, subject, max(resolved_at) FROM alerts
                 WHERE state = 'resolved' AND resolved_at IS NOT NULL GROUP BY 1, 2",
                &[],
            )
            .await?
        {
            resolutions.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
        }
        let clock = engine.input_clock(now_ms);
        let mut measured = Vec::new();
        for rule in engine.rules.iter().filter(|r| r.enabled) {
            measured.push(Ok(observations(&mut t, rule, &clock).await?));
        }
        let inputs = Inputs {
            open,
            resolutions,
            observations: measured,
        };
        let (ops, evaluation) = engine.plan(inputs, now_ms);
        if record {
            for op in &ops {
                apply_op(&mut t, op).await?;
            }
        }
        tx.commit().await?;
        Ok(evaluation)
    }
}

/// The alert exists and is not resolved (locked for the rest of the transaction).
async fn open_alert(t: &mut Tx<'_, '_>, id: i64, verb: &'static str) -> Result<(), PgError> {
    match state_of(t, id).await?.as_deref() {
        None => Err(OpError::UnknownAlert(id).into()),
        Some("resolved") => Err(OpError::AlertResolved(id, verb).into()),
        Some(_) => Ok(()),
    }
}

async fn state_of(t: &mut Tx<'_, '_>, id: i64) -> Result<Option<String>, PgError> {
    let rows = t
        .query("SELECT state FROM alerts WHERE id = $1 FOR UPDATE", &[&id])
        .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
}

async fn history(
    t: &mut Tx<'_, '_>,
    id: i64,
    at: i64,
    action: &str,
    by: Option<&str>,
    note: Option<&str>,
    until: Option<i64>,
) -> Result<(), PgError> {
    t.execute(
        "INSERT INTO alert_history (alert_id, at, action, by_whom, note, until_ms)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&id, &at, &action, &by, &note, &until],
    )
    .await?;
    Ok(())
}

async fn apply_op(t: &mut Tx<'_, '_>, op: &Op) -> Result<(), PgError> {
    match op {
        Op::FireAlert(a) => {
            let rows = t
                .query(
                    "INSERT INTO alerts (rule, subject, severity, state, value, threshold, message,
                         fired_at, acked_at, acked_by, note, snoozed_until, resolved_at, unit,
                         resolved_by, resolve_note, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $8)
                     ON CONFLICT (rule, subject, fired_at) DO NOTHING RETURNING id",
                    &[
                        &a.rule,
                        &a.subject,
                        &a.severity.as_str(),
                        &a.state.as_str(),
                        &a.value,
                        &a.threshold,
                        &a.message,
                        &a.fired_at,
                        &a.acked_at,
                        &a.acked_by,
                        &a.note,
                        &a.snoozed_until,
                        &a.resolved_at,
                        &a.unit.map(Unit::as_str),
                        &a.resolved_by,
                        &a.resolve_note,
                    ],
                )
                .await?;
            if let Some(r) = rows.first() {
                let id: i64 = r.try_get(0)?;
                history(t, id, a.fired_at, "fired", None, Some(&a.message), None).await?;
            }
        }
        Op::AckAlert { id, by, note, at } => {
            open_alert(t, *id, "acknowledged").await?;
            let note = (!note.is_empty()).then_some(note.as_str());
            t.execute(
                "UPDATE alerts SET state = 'acked', acked_at = $2, acked_by = $3, note = $4,
                     snoozed_until = NULL, updated_at = GREATEST(updated_at + 1, $2) WHERE id = $1",
                &[id, at, by, &note],
            )
            .await?;
            history(t, *id, *at, "acked", Some(by), note, None).await?;
        }
        Op::SnoozeAlert { id, until, by } => {
            open_alert(t, *id, "snoozed").await?;
            let now = chrono::Utc::now().timestamp_millis();
            t.execute(
                "UPDATE alerts SET state = 'snoozed', snoozed_until = $2, acked_by = $3,
                     updated_at = GREATEST(updated_at + 1, $4) WHERE id = $1",
                &[id, until, by, &now],
            )
            .await?;
            history(t, *id, now, "snoozed", Some(by), None, Some(*until)).await?;
        }
        Op::ResolveAlert { id, at, by, note } => {
            let before = state_of(t, *id).await?.ok_or(OpError::UnknownAlert(*id))?;
            t.execute(
                "UPDATE alerts SET state = 'resolved', resolved_at = coalesce(resolved_at, $2),
                     resolved_by = coalesce(resolved_by, $3), resolve_note = coalesce(resolve_note, $4),
                     snoozed_until = NULL, updated_at = GREATEST(updated_at + 1, $2) WHERE id = $1",
                &[id, at, by, note],
            )
            .await?;
            if before != "resolved" {
                history(
                    t,
                    *id,
                    *at,
                    "resolved",
                    by.as_deref(),
                    note.as_deref(),
                    None,
                )
                .await?;
            }
        }
        Op::UpdateAlert {
            id,
            value,
            threshold,
            message,
            at,
        } => {
            t.execute(
                "UPDATE alerts SET value = $2, threshold = $3, message = $4,
                     updated_at = GREATEST(updated_at + 1, $5)
                 WHERE id = $1 AND state <> 'resolved'",
                &[id, value, threshold, message, at],
            )
            .await?;
        }
        Op::WakeSnoozed { now } => {
            // Unlike a local store, consoles pull this state: the change moves `updated_at`.
            t.execute(
                "WITH woke AS (
                     UPDATE alerts SET state = 'firing', snoozed_until = NULL,
                         updated_at = GREATEST(updated_at + 1, $1)
                     WHERE state = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= $1
                     RETURNING id)
                 INSERT INTO alert_history (alert_id, at, action) SELECT id, $1, 'woke' FROM woke",
                &[now],
            )
            .await?;
        }
        Op::QueueDeliveries {
            rule,
            subject,
            fired_at,
            event,
            targets,
            at,
        } => {
            for target in targets {
                t.execute(
                    "INSERT INTO alert_deliveries (alert_id, target, event, state, created_at, updated_at)
                     SELECT id, $4, $5, 'pending', $6, $6 FROM alerts
                     WHERE rule = $1 AND subject = $2 AND fired_at = $3
                     ON CONFLICT (alert_id, target, event) DO NOTHING",
                    &[rule, subject, fired_at, target, event, at],
                )
                .await?;
            }
        }
        Op::RecordDelivery {
            id,
            state,
            attempts,
            error,
            at,
        } => {
            t.execute(
                "UPDATE alert_deliveries SET state = $2, attempts = $3, last_error = $4, updated_at = $5
                 WHERE id = $1",
                &[id, state, attempts, error, at],
            )
            .await?;
        }
        Op::RecordOutcomeEvent {
            event,
            source,
            received_at,
        } => super::outcome_events::record(t, event, source, *received_at).await?,
        Op::UpsertDailyUsage(day) => super::vendor_days::upsert(t, day).await?,
        _ => return Err(PgError::NotKept),
    }
    Ok(())
}
