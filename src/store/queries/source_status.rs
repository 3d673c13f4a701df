//! Health of every source for `agentdeck sources`: kind, last success, last error, rows.
//! Lag (now − last success) is computed by the caller, which owns the clock.

use crate::domain::UnixMillis;
use crate::store::Reader;
use crate::store::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub source: String,
    pub kind: String,
    pub last_success: Option<UnixMillis>,
    pub last_error_at: Option<UnixMillis>,
    pub last_error: Option<String>,
    pub rows: i64,
}

impl SourceStatus {
    /// The latest error is newer than the latest success.
    pub fn is_failing(&self) -> bool {
        match (self.last_error_at, self.last_success) {
            (Some(e), Some(s)) => e > s,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

impl Reader {
    /// Every source with a health row, by name.
    pub fn source_status(&self) -> Result<Vec<SourceStatus>> {
        let mut stmt = self.conn.prepare(
            "SELECT source, kind, last_success, last_error_at, last_error, rows
             FROM source_health ORDER BY source",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceStatus {
                source: r.get(0)?,
                kind: r.get(1)?,
                last_success: r.get(2)?,
                last_error_at: r.get(3)?,
                last_error: r.get(4)?,
                rows: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
