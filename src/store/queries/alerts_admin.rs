//! Alerts as `agentdeck alerts` and scripts see them: every stored alert with its id and
//! lifecycle, newest first, optionally filtered by state; or one alert by id.

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
    acked_at, acked_by, note, snoozed_until, resolved_at";

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
