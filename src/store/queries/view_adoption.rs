//! The console's Adoption question: which developers were active on which local days
//! (from the rollup tiers and vendor day rows), and who belongs to which team.

use super::rollup_scan::{Bins, Grain, Requests, RollupRow};
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFacts {
    /// (developer, agent, day index) with at least one request, indices into the caller's
    /// day edges.
    pub agent_days: Vec<(String, String, usize)>,
    /// (developer, source, `YYYY-MM-DD`) vendor days with any suggestions or requests.
    pub vendor_days: Vec<(String, String, String)>,
    /// (developer id, display label, team).
    pub developers: Vec<(String, String, String)>,
}

impl Reader {
    /// The first local day with any activity on record (a request in the rollups or a
    /// vendor day row) when it comes after `day`, else `None` (there is data on or before
    /// `day`, or none at all). Days before it have no data, which is not the same as no
    /// activity. Cheap on a large store: the rollups' first key, and a vendor row on or
    /// before `day` found by the first rows scanned; only a store whose data is all newer
    /// (a new one, small) is read further.
    pub fn data_begins_after(
        &self,
        day: chrono::NaiveDate,
        tz: chrono_tz::Tz,
    ) -> Result<Option<chrono::NaiveDate>> {
        let first_request: Option<i64> =
            self.conn
                .query_row("SELECT min(bucket_start) FROM rollups", [], |r| r.get(0))?;
        let request_day = first_request
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.with_timezone(&tz).date_naive());
        if request_day.is_some_and(|d| d <= day) {
            return Ok(None);
        }
        const ACTIVE: &str = "developer <> '' AND (suggestions > 0 OR requests > 0)";
        let day_text = day.format("%Y-%m-%d").to_string();
        let earlier: bool = self.conn.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM daily_usage WHERE day <= ?1 AND {ACTIVE})"),
            [&day_text],
            |r| r.get(0),
        )?;
        if earlier {
            return Ok(None);
        }
        let first_vendor: Option<String> = self.conn.query_row(
            &format!("SELECT min(day) FROM daily_usage WHERE {ACTIVE}"),
            [],
            |r| r.get(0),
        )?;
        let vendor_day =
            first_vendor.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        Ok(match (request_day, vendor_day) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    /// `day_edges` are the local day starts (plus the next day's); `since_day` and
    /// `until_day` are the first and last day as `YYYY-MM-DD`, for vendor day rows.
    pub fn activity_facts(
        &self,
        day_edges: &[i64],
        since_day: &str,
        until_day: &str,
    ) -> Result<ActivityFacts> {
        let mut f = ActivityFacts::default();
        let mut requests: HashMap<(String, String), Vec<i64>> = HashMap::new();
        let bins = Bins::new(day_edges.iter().copied());
        let grain = Grain {
            developer: true,
            agent: true,
            ..Grain::default()
        };
        self.scan_rollups(&bins, grain, |bin, row: &RollupRow<Requests>, sign| {
            let key = (row.developer.to_string(), row.agent.to_string());
            let slot = &mut requests.entry(key).or_insert_with(|| vec![0; bins.len()])[bin];
            *slot = crate::domain::bounds::add_to_total(*slot, sign * row.m.0);
        })?;
        for ((developer, agent), days) in requests {
            for (i, n) in days.into_iter().enumerate() {
                if n > 0 {
                    f.agent_days.push((developer.clone(), agent.clone(), i));
                }
            }
        }
        f.agent_days.sort();
        let mut stmt = self.conn.prepare_cached(
            "SELECT developer, source, day FROM daily_usage
             WHERE day >= ?1 AND day <= ?2 AND developer <> ''
               AND (suggestions > 0 OR requests > 0)",
        )?;
        let rows = stmt.query_map([since_day, until_day], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        f.vendor_days = rows.collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, coalesce(display_name, handle, id), team FROM developers ORDER BY team, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        f.developers = rows.collect::<rusqlite::Result<_>>()?;
        Ok(f)
    }
}
