//! Vendor daily usage as stored (`daily_usage`), read back for the console that sends it on
//! to the team server (`collect::sources::vendor_push`).

use crate::store::Reader;
use crate::store::error::Result;
use crate::store::ops::DailyUsageRow;

impl Reader {
    /// Every vendor day from `since_day` (`YYYY-MM-DD`; `None`: every day), in key order.
    pub fn vendor_days_since(&self, since_day: Option<&str>) -> Result<Vec<DailyUsageRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, day, developer, team, suggestions, acceptances, lines_suggested,
                    lines_accepted, requests, spend_micro_usd
             FROM daily_usage WHERE ?1 IS NULL OR day >= ?1
             ORDER BY source, day, developer, team",
        )?;
        let rows = stmt.query_map([since_day], |r| {
            Ok(DailyUsageRow {
                source: r.get(0)?,
                day: r.get(1)?,
                developer: r.get(2)?,
                team: r.get(3)?,
                suggestions: r.get(4)?,
                acceptances: r.get(5)?,
                lines_suggested: r.get(6)?,
                lines_accepted: r.get(7)?,
                requests: r.get(8)?,
                spend_micro_usd: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
