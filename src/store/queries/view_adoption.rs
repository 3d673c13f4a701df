//! The console's Adoption question: which developers were active on which local days
//! (from hourly rollups and vendor day rows), and who belongs to which team.

use crate::store::Reader;
use crate::store::error::Result;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFacts {
    /// (developer, agent, hour start ms) with at least one request.
    pub agent_hours: Vec<(String, String, i64)>,
    /// (developer, source, `YYYY-MM-DD`) vendor days with any suggestions or requests.
    pub vendor_days: Vec<(String, String, String)>,
    /// (developer id, display label, team).
    pub developers: Vec<(String, String, String)>,
}

impl Reader {
    pub fn activity_facts(&self, since_ms: i64, since_day: &str) -> Result<ActivityFacts> {
        let mut f = ActivityFacts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT developer, agent, (bucket_start / 3600000) * 3600000 FROM rollups
             WHERE bucket_start >= ?1 AND requests > 0 GROUP BY 1, 2, 3",
        )?;
        let rows = stmt.query_map([since_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        f.agent_hours = rows.collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT developer, source, day FROM daily_usage
             WHERE day >= ?1 AND developer <> '' AND (suggestions > 0 OR requests > 0)",
        )?;
        let rows = stmt.query_map([since_day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        f.vendor_days = rows.collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, coalesce(display_name, handle, id), team FROM developers ORDER BY team, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        f.developers = rows.collect::<rusqlite::Result<_>>()?;
        Ok(f)
    }
}
