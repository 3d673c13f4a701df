//! The team directory as the Adoption view and reports read it: every developer with team,
//! role and start date (from config, a CSV, GitHub teams or a vendor's member list), and
//! tenure in days; a developer in no team is `unassigned`.

use crate::store::Reader;
use crate::store::error::Result;
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub id: String,
    pub display_name: Option<String>,
    pub handle: Option<String>,
    pub team: String,
    pub role: Option<String>,
    pub started_on: Option<NaiveDate>,
}

impl DirectoryEntry {
    /// Whole days since the start date (0 on the first day); `None` when unknown.
    pub fn tenure_days(&self, today: NaiveDate) -> Option<i64> {
        self.started_on.map(|d| (today - d).num_days().max(0))
    }
}

impl Reader {
    /// Every known developer, by team then id.
    pub fn directory(&self) -> Result<Vec<DirectoryEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, display_name, handle, team, role, started_on FROM developers ORDER BY team, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DirectoryEntry {
                id: r.get(0)?,
                display_name: r.get(1)?,
                handle: r.get(2)?,
                team: r.get(3)?,
                role: r.get(4)?,
                started_on: r
                    .get::<_, Option<String>>(5)?
                    .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
