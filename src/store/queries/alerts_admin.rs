//! Alerts as `agentdeck alerts` and scripts see them: every stored alert with its id and
//! lifecycle, newest first, optionally filtered by state; one alert by id; webhook
//! deliveries waiting or dead.

use crate::domain::alert_rules::Unit;
use crate::domain::alerts::{AlertState, Severity};
use crate::store::Reader;
use crate::store::error::Result;
use crate::store::ops::AlertRow;
use rusqlite::{OptionalExtension, Row};

/// A stored alert with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub id: i64,
    pub row: AlertRow,
}

const COLUMNS: &str = "id, rule, subject, severity, state, value, threshold, message, fired_at,
    acked_at, acked_by, note, snoozed_until, resolved_at, unit, resolved_by, resolve_note";

fn stored(r: &Row<'_>) -> rusqlite::Result<StoredAlert> {
    let severity: String = r.get(3)?;
    let state: String = r.get(4)?;
    Ok(StoredAlert {
        id: r.get(0)?,
        row: AlertRow {
            rule: r.get(1)?,
            subject: r.get(2)?,
            severity: Severity::parse(&severity).unwrap_or(Severity::Warning),
            state: AlertState::parse(&state).unwrap_or(AlertState::Firing),
            value: r.get(5)?,
            threshold: r.get(6)?,
            message: r.get(7)?,
            fired_at: r.get(8)?,
            acked_at: r.get(9)?,
            acked_by: r.get(10)?,
            note: r.get(11)?,
            snoozed_until: r.get(12)?,
            resolved_at: r.get(13)?,
            unit: r
                .get::<_, Option<String>>(14)?
                .as_deref()
                .and_then(Unit::parse),
            resolved_by: r.get(15)?,
            resolve_note: r.get(16)?,
        },
    })
}

impl Reader {
    /// Alerts in `states` (all when empty), newest first.
    pub fn alerts(&self, states: &[AlertState]) -> Result<Vec<StoredAlert>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM alerts ORDER BY fired_at DESC, id DESC"
        ))?;
        let mut out = Vec::new();
        for a in stmt.query_map([], stored)? {
            let a = a?;
            if states.is_empty() || states.contains(&a.row.state) {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// One alert by id.
    pub fn alert(&self, id: i64) -> Result<Option<StoredAlert>> {
        Ok(self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"))?
            .query_row([id], stored)
            .optional()?)
    }
}

/// A webhook notification waiting to be sent (or given up on).
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub target: String,
    pub event: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub alert: StoredAlert,
}

impl Reader {
    /// Deliveries in `state` (`pending`, `delivered`, `dead`), oldest first.
    pub fn deliveries(&self, state: &str) -> Result<Vec<Delivery>> {
        let cols: String = COLUMNS
            .split(',')
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {cols}, d.id, d.target, d.event, d.state, d.attempts, d.last_error
             FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE d.state = ?1 ORDER BY d.id"
        ))?;
        let rows = stmt.query_map([state], |r| {
            Ok(Delivery {
                alert: stored(r)?,
                id: r.get(17)?,
                target: r.get(18)?,
                event: r.get(19)?,
                state: r.get(20)?,
                attempts: r.get(21)?,
                last_error: r.get(22)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest resolution time per (rule, subject), for cooldowns.
    pub fn last_resolutions(&self) -> Result<std::collections::HashMap<(String, String), i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rule, subject, max(resolved_at) FROM alerts
             WHERE state = 'resolved' AND resolved_at IS NOT NULL GROUP BY 1, 2",
        )?;
        let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// An alert action waiting to be sent to the team server that owns the alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub origin: String,
    pub remote_id: i64,
    pub action: String,
    pub note: Option<String>,
    pub until_ms: Option<i64>,
}

impl Reader {
    /// Alerts changed at or after `since` (by `updated_at`), oldest change first.
    pub fn alerts_changed_since(
        &self,
        since: i64,
        limit: usize,
    ) -> Result<Vec<(StoredAlert, i64)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, updated_at FROM alerts WHERE updated_at >= ?1 AND origin = 'local'
             ORDER BY updated_at, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(rusqlite::params![since, limit as i64], |r| {
            Ok((stored(r)?, r.get(17)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Actions waiting for `origin`, oldest first.
    pub fn outbox(&self, origin: &str) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, origin, remote_id, action, note, until_ms FROM alert_outbox
             WHERE origin = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([origin], |r| {
            Ok(OutboxItem {
                id: r.get(0)?,
                origin: r.get(1)?,
                remote_id: r.get(2)?,
                action: r.get(3)?,
                note: r.get(4)?,
                until_ms: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
