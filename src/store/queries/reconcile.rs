//! Facts for `agentdeck report reconcile`: per UTC day, the vendors' bills and estimates
//! (`vendor_usage`), what local files and telemetry computed per agent (the daily rollup),
//! who the vendor saw and who reported locally, and paid seats without usage.

use super::wide_sum::wide_sum;
use crate::domain::bounds::add_to_total;
use crate::domain::reconcile::DayFacts;
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::BTreeMap;

/// The vendor a bill comes from, its `vendor_usage` sources and the agent whose local
/// requests it is compared with.
pub const VENDORS: [(&str, &[&str], &str); 4] = [
    (
        "anthropic",
        &["anthropic_admin", "anthropic_claude_code"],
        "claude_code",
    ),
    ("openai", &["openai_admin"], "codex"),
    ("cursor", &["cursor"], "cursor"),
    ("copilot", &["copilot"], "copilot"),
];

/// A seat with no recorded usage in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleSeat {
    pub vendor: String,
    pub developer: String,
    pub last_activity_at: Option<i64>,
}

impl Reader {
    /// One [`DayFacts`] per vendor and day from `first_day` to `last_day` (inclusive, UTC)
    /// where the vendor billed or estimated something or local data exists.
    pub fn reconcile_facts(&self, first_day: &str, last_day: &str) -> Result<Vec<DayFacts>> {
        let mut out: BTreeMap<(String, String), DayFacts> = BTreeMap::new();
        for (vendor, sources, agent) in VENDORS {
            for source in sources {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT day, {}, {},
                            group_concat(DISTINCT CASE WHEN developer <> '' THEN developer END)
                     FROM vendor_usage WHERE source = ?1 AND day BETWEEN ?2 AND ?3
                       AND model <> '(billing cycle)'
                     GROUP BY day",
                    wide_sum("billed_micro_usd"),
                    wide_sum("estimated_micro_usd")
                ))?;
                let rows = stmt.query_map(rusqlite::params![source, first_day, last_day], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })?;
                for row in rows {
                    let (day, billed, estimated, devs) = row?;
                    let f = entry(&mut out, vendor, &day);
                    // Claude Code analytics say who was active; the bill and the usage
                    // report's estimate come from the organisation-wide rows.
                    if *source != "anthropic_claude_code" {
                        f.billed = add(f.billed, billed);
                        f.vendor_estimated = add(f.vendor_estimated, estimated);
                    }
                    f.vendor_developers.extend(split(devs));
                }
            }
            // Requests the vendor itself reported with its charge (Cursor usage events).
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT date(r.ts / 1000, 'unixepoch'), {}, group_concat(DISTINCT r.developer)
                 FROM requests r JOIN sessions s ON s.id = r.session_id
                 WHERE r.agent = ?1 AND s.source = ?2 AND r.cost_source = 'reported'
                   AND date(r.ts / 1000, 'unixepoch') BETWEEN ?3 AND ?4 GROUP BY 1",
                wide_sum("r.cost_micro_usd")
            ))?;
            let rows =
                stmt.query_map(rusqlite::params![agent, vendor, first_day, last_day], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                })?;
            for row in rows {
                let (day, billed, devs) = row?;
                let f = entry(&mut out, vendor, &day);
                f.billed = add(f.billed, billed);
                f.vendor_developers.extend(split(devs));
            }
            // Local files and telemetry: every source but the vendor's own poller.
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT date(r.ts / 1000, 'unixepoch'), {},
                        {},
                        group_concat(DISTINCT r.developer)
                 FROM requests r JOIN sessions s ON s.id = r.session_id
                 WHERE r.agent = ?1 AND s.source <> ?2
                   AND r.ts >= strftime('%s', ?3) * 1000 AND r.ts < (strftime('%s', ?4) + 86400) * 1000
                 GROUP BY 1",
                wide_sum("r.cost_micro_usd"),
                wide_sum(
                    "CASE WHEN r.cost_source = 'unpriced' THEN r.input_tokens + r.output_tokens + r.cache_write_5m + r.cache_write_1h + r.cache_read ELSE 0 END"
                )
            ))?;
            let rows =
                stmt.query_map(rusqlite::params![agent, vendor, first_day, last_day], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })?;
            for row in rows {
                let (day, cost, unpriced, devs) = row?;
                let f = entry(&mut out, vendor, &day);
                f.local_computed = add_to_total(f.local_computed, cost);
                f.local_unpriced_tokens = add_to_total(f.local_unpriced_tokens, unpriced);
                f.local_developers.extend(split(devs));
            }
        }
        Ok(out.into_values().collect())
    }

    /// Seats (Copilot, Cursor) whose holder has no vendor usage and no requests of that
    /// vendor's agent from `first_day` on.
    pub fn idle_seats(&self, first_day: &str) -> Result<Vec<IdleSeat>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.source, s.developer, s.last_activity_at FROM vendor_seats s
             WHERE NOT EXISTS (SELECT 1 FROM daily_usage d WHERE d.source = s.source
                                 AND d.developer = s.developer AND d.day >= ?1
                                 AND (d.suggestions > 0 OR d.requests > 0))
               AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.agent = s.source
                                 AND r.developer = s.developer
                                 AND r.ts >= strftime('%s', ?1) * 1000)
             ORDER BY s.source, s.developer",
        )?;
        let rows = stmt.query_map([first_day], |r| {
            Ok(IdleSeat {
                vendor: r.get(0)?,
                developer: r.get(1)?,
                last_activity_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn entry<'a>(
    out: &'a mut BTreeMap<(String, String), DayFacts>,
    vendor: &str,
    day: &str,
) -> &'a mut DayFacts {
    out.entry((day.to_string(), vendor.to_string()))
        .or_insert_with(|| DayFacts {
            day: day.to_string(),
            vendor: vendor.to_string(),
            ..DayFacts::default()
        })
}

fn add(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(add_to_total(a.unwrap_or(0), b.unwrap_or(0))),
    }
}

fn split(list: Option<String>) -> Vec<String> {
    list.map(|l| l.split(',').map(str::to_string).collect())
        .unwrap_or_default()
}

impl Reader {
    /// The vendors' organisation-wide bills (`vendor_usage.billed_micro_usd`, cycle spend
    /// excluded) over the UTC days that overlap `[since_ms, until_ms)`.
    pub fn vendor_billed(&self, since_ms: i64, until_ms: i64) -> Result<crate::domain::Money> {
        let day = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|d| d.date_naive().to_string())
                .unwrap_or_default()
        };
        let micro: Option<i64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM vendor_usage
                 WHERE day >= ?1 AND day <= ?2 AND model <> '(billing cycle)'",
                wide_sum("billed_micro_usd")
            ))?
            .query_row([day(since_ms), day(until_ms.saturating_sub(1))], |r| {
                r.get(0)
            })?;
        Ok(crate::domain::Money::from_micro_usd(micro.unwrap_or(0)))
    }
}

/// What one vendor reported organisation-wide over a period: rows with no developer (the
/// admin usage and cost reports, not attributable to anyone), kept as their own line so
/// they are never lost between the per-developer figures. `attributed_tokens` is what the
/// same vendor did attribute to developers, for comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgVendorTotals {
    pub vendor: String,
    pub source: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_write_tokens: i64,
    pub cache_read_tokens: i64,
    pub requests: i64,
    pub billed_micro_usd: Option<i64>,
    pub estimated_micro_usd: Option<i64>,
    pub attributed_tokens: i64,
}

impl OrgVendorTotals {
    pub fn tokens(&self) -> i64 {
        self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens
    }
}

impl Reader {
    /// Organisation-wide vendor totals per source from `first_day` to `last_day` (UTC,
    /// inclusive; billing-cycle spend excluded), for `report reconcile` and the console's
    /// Costs view. Sources without organisation-wide rows are left out.
    pub fn vendor_org_totals(
        &self,
        first_day: &str,
        last_day: &str,
    ) -> Result<Vec<OrgVendorTotals>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source,
                    sum(CASE WHEN developer = '' THEN input_tokens ELSE 0 END),
                    sum(CASE WHEN developer = '' THEN output_tokens ELSE 0 END),
                    sum(CASE WHEN developer = '' THEN cache_write_tokens ELSE 0 END),
                    sum(CASE WHEN developer = '' THEN cache_read_tokens ELSE 0 END),
                    sum(CASE WHEN developer = '' THEN requests ELSE 0 END),
                    sum(CASE WHEN developer = '' THEN billed_micro_usd END),
                    sum(CASE WHEN developer = '' THEN estimated_micro_usd END),
                    sum(CASE WHEN developer <> '' THEN input_tokens + output_tokens
                             + cache_write_tokens + cache_read_tokens ELSE 0 END),
                    count(CASE WHEN developer = '' THEN 1 END)
             FROM vendor_usage WHERE day BETWEEN ?1 AND ?2 AND model <> '(billing cycle)'
             GROUP BY source ORDER BY source",
        )?;
        let rows = stmt.query_map([first_day, last_day], |r| {
            let source: String = r.get(0)?;
            let vendor = VENDORS
                .iter()
                .find(|(_, sources, _)| sources.contains(&source.as_str()))
                .map_or(source.clone(), |(v, _, _)| v.to_string());
            Ok((
                OrgVendorTotals {
                    vendor,
                    source,
                    input_tokens: r.get(1)?,
                    output_tokens: r.get(2)?,
                    cache_write_tokens: r.get(3)?,
                    cache_read_tokens: r.get(4)?,
                    requests: r.get(5)?,
                    billed_micro_usd: r.get(6)?,
                    estimated_micro_usd: r.get(7)?,
                    attributed_tokens: r.get(8)?,
                },
                r.get::<_, i64>(9)?,
            ))
        })?;
        let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        // What the vendor attributed to developers, whichever of its sources did (Anthropic's
        // organisation rows are `anthropic_admin`, its per-developer ones Claude Code's).
        let mut attributed: BTreeMap<String, i64> = BTreeMap::new();
        for (totals, _) in &rows {
            let sum = attributed.entry(totals.vendor.clone()).or_insert(0);
            *sum = add_to_total(*sum, totals.attributed_tokens);
        }
        Ok(rows
            .into_iter()
            .filter(|(_, org_rows)| *org_rows > 0)
            .map(|(totals, _)| OrgVendorTotals {
                attributed_tokens: attributed[&totals.vendor],
                ..totals
            })
            .collect())
    }
}
