//! Reading the rollup tiers over any bins (local days, a period) with the fewest rows.
//!
//! Every UTC day that overlaps the bins is read once from `rollups_day` (or, when the
//! question needs neither project nor model, the narrow `rollups_day_dev`) and credited to
//! the bin that holds most of it. The parts of that day that belong to another bin (or to none)
//! are then moved with signed corrections read from the finer tiers: whole hours from
//! `rollups_hour`, the rest from the 15-minute `rollups`. The result is exact for any edges
//! on the 15-minute grid (every real time zone's midnight is), and a 30-day window reads
//! ~30 days of daily rows plus at most half a day of finer rows per day boundary.

use crate::store::Reader;
use crate::store::error::Result;
use crate::store::queries::usage_at;
use crate::store::rollup::{DAY, DAY_DEV, HOUR, QUARTER, Tier, Totals};

/// Consecutive half-open bins `[edges[i], edges[i + 1])` in UTC milliseconds. A 15-minute
/// bucket belongs to the bin holding its start, so edges are rounded up to the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bins {
    edges: Vec<i64>,
}

/// Edges are clamped to about 1900–2109, so an open range stays a bounded walk over days.
const EARLIEST_MS: i64 = -(1 << 41);
const LATEST_MS: i64 = 1 << 42;

impl Bins {
    /// Bins from ascending edges; unordered or repeated edges are dropped.
    pub fn new(edges: impl IntoIterator<Item = i64>) -> Bins {
        let mut out: Vec<i64> = Vec::new();
        for e in edges {
            let e = QUARTER.ceil(e.clamp(EARLIEST_MS, LATEST_MS));
            if out.last().is_none_or(|last| e > *last) {
                out.push(e);
            }
        }
        Bins { edges: out }
    }

    /// One bin: `[since, until)`.
    pub fn range(since_ms: i64, until_ms: i64) -> Bins {
        Bins::new([since_ms, until_ms])
    }

    pub fn len(&self) -> usize {
        self.edges.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The start of bin `i` (`i < len()`).
    pub fn start(&self, i: usize) -> i64 {
        self.edges[i]
    }

    /// The bin holding `ts`, if any.
    pub fn bin_of(&self, ts: i64) -> Option<usize> {
        let (first, last) = (*self.edges.first()?, *self.edges.last()?);
        if ts < first || ts >= last {
            return None;
        }
        Some(self.edges.partition_point(|e| *e <= ts) - 1)
    }

    /// `[a, b)` split at the edges, each part with its bin.
    fn split(&self, a: i64, b: i64) -> Vec<(i64, i64, Option<usize>)> {
        let mut cuts = vec![a];
        cuts.extend(self.edges.iter().copied().filter(|e| *e > a && *e < b));
        cuts.push(b);
        cuts.windows(2)
            .map(|w| (w[0], w[1], self.bin_of(w[0])))
            .collect()
    }
}

/// Which key columns a scan needs; the others are summed away in SQL (and read as `""`).
/// The coarse tiers are keyed (bucket, developer, agent, project, model), so a grain that is
/// a prefix of that order aggregates without a sort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grain {
    pub developer: bool,
    pub agent: bool,
    pub project: bool,
    pub model: bool,
}

impl Grain {
    pub const ALL: Grain = Grain {
        developer: true,
        agent: true,
        project: true,
        model: true,
    };

    /// The select list for the key: each column or an empty string in its place.
    fn select(self) -> String {
        [
            (self.developer, "developer"),
            (self.project, "project_id"),
            (self.agent, "agent"),
            (self.model, "model"),
        ]
        .map(|(on, col)| if on { col } else { "''" })
        .join(", ")
    }

    fn group_by(self) -> String {
        let mut cols = vec!["bucket_start"];
        for (on, col) in [
            (self.developer, "developer"),
            (self.agent, "agent"),
            (self.project, "project_id"),
            (self.model, "model"),
        ] {
            if on {
                cols.push(col);
            }
        }
        cols.join(", ")
    }
}

/// One rollup row as read: borrowed key columns and its measures.
#[derive(Debug)]
pub struct RollupRow<'a, M = Spend> {
    pub developer: &'a str,
    pub project_id: &'a str,
    pub agent: &'a str,
    pub model: &'a str,
    pub m: M,
}

/// What a scan sums per row: SQL expressions over one rollup row, and how to read them back.
pub trait Measures: Sized {
    const COLUMNS: &'static [&'static str];
    fn read(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Self>;
}

/// The measures the console shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spend {
    pub requests: i64,
    /// Input + output + cache writes + cache reads (reasoning is inside output).
    pub tokens: i64,
    pub output_tokens: i64,
    /// Priced spend; unpriced requests add nothing here.
    pub cost_micro_usd: i64,
    pub unpriced_requests: i64,
    /// The part of `cost_micro_usd` a vendor or agent stated (billed), not computed.
    pub reported_micro_usd: i64,
}

impl Measures for Spend {
    const COLUMNS: &'static [&'static str] = &[
        "requests",
        "input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read",
        "output_tokens",
        "cost_micro_usd",
        "unpriced_requests",
        "reported_micro_usd",
    ];

    fn read(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Spend> {
        Ok(Spend {
            requests: r.get(i)?,
            tokens: r.get(i + 1)?,
            output_tokens: r.get(i + 2)?,
            cost_micro_usd: r.get(i + 3)?,
            unpriced_requests: r.get(i + 4)?,
            reported_micro_usd: r.get(i + 5)?,
        })
    }
}

/// Just the request count (activity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests(pub i64);

impl Measures for Requests {
    const COLUMNS: &'static [&'static str] = &["requests"];

    fn read(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Requests> {
        Ok(Requests(r.get(i)?))
    }
}

/// Every measure a rollup row has (reports).
impl Measures for Totals {
    const COLUMNS: &'static [&'static str] = &[
        "requests",
        "input_tokens",
        "output_tokens",
        "cache_write_5m",
        "cache_write_1h",
        "cache_read",
        "reasoning_tokens",
        "cost_micro_usd",
        "reported_micro_usd",
        "unpriced_requests",
        "unpriced_tokens",
    ];

    fn read(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Totals> {
        Ok(Totals {
            requests: r.get(i)?,
            usage: usage_at(r, i + 1)?,
            cost_micro_usd: r.get(i + 7)?,
            reported_micro_usd: r.get(i + 8)?,
            unpriced_requests: r.get(i + 9)?,
            unpriced_tokens: r.get(i + 10)?,
        })
    }
}

/// Which rows to read for a set of bins.
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    /// Consecutive UTC days `[first, first + bins.len() days)`, each credited to a bin.
    days: Option<(i64, Vec<usize>)>,
    /// Finer reads: rows of `tier` in `[lo, hi)` are added to `add` and taken from `sub`.
    corrections: Vec<Correction>,
}

#[derive(Debug, PartialEq, Eq)]
struct Correction {
    tier: Tier,
    lo: i64,
    hi: i64,
    add: Option<usize>,
    sub: Option<usize>,
}

fn plan(bins: &Bins) -> Plan {
    let mut plan = Plan::default();
    let (Some(&lo), Some(&hi)) = (bins.edges.first(), bins.edges.last()) else {
        return plan;
    };
    if bins.is_empty() {
        return plan;
    }
    let mut day = DAY.floor(lo);
    while day < hi {
        let parts = bins.split(day, day + DAY.width_ms);
        let owner = parts
            .iter()
            .max_by_key(|(a, b, bin)| (b - a, std::cmp::Reverse(*bin)))
            .and_then(|p| p.2);
        if let Some(bin) = owner {
            let (first, owners) = plan.days.get_or_insert_with(|| (day, Vec::new()));
            debug_assert_eq!(*first + owners.len() as i64 * DAY.width_ms, day);
            owners.push(bin);
        }
        for &(a, b, bin) in parts.iter().filter(|p| p.2 != owner) {
            for (tier, lo, hi) in pieces(a, b) {
                plan.corrections.push(Correction {
                    tier,
                    lo,
                    hi,
                    add: bin,
                    sub: owner,
                });
            }
        }
        day += DAY.width_ms;
    }
    plan
}

/// `[a, b)` as whole hours plus 15-minute remainders.
fn pieces(a: i64, b: i64) -> Vec<(Tier, i64, i64)> {
    let (ha, hb) = (HOUR.ceil(a), HOUR.floor(b));
    let spans = if ha < hb {
        vec![(QUARTER, a, ha), (HOUR, ha, hb), (QUARTER, hb, b)]
    } else {
        vec![(QUARTER, a, b)]
    };
    spans.into_iter().filter(|(_, lo, hi)| lo < hi).collect()
}

impl Reader {
    /// Calls `visit(bin, row, sign)` for every rollup contribution to `bins`; summing
    /// `sign × measures` per bin (and key) gives the exact totals. A key whose summed
    /// `requests` is zero had no requests in that bin.
    pub fn scan_rollups<M: Measures>(
        &self,
        bins: &Bins,
        grain: Grain,
        mut visit: impl FnMut(usize, &RollupRow<'_, M>, i64),
    ) -> Result<()> {
        let plan = plan(bins);
        if let Some((first, owners)) = &plan.days {
            let until = first + owners.len() as i64 * DAY.width_ms;
            // Without project and model, the narrow daily tier has the same sums in fewer rows.
            let days = if grain.project || grain.model {
                DAY
            } else {
                DAY_DEV
            };
            self.read_tier(days, grain, *first, until, |bucket, row| {
                let i = ((bucket - first) / DAY.width_ms) as usize;
                if let Some(bin) = owners.get(i) {
                    visit(*bin, row, 1);
                }
            })?;
        }
        for c in &plan.corrections {
            self.read_tier(c.tier, grain, c.lo, c.hi, |_, row| {
                if let Some(bin) = c.add {
                    visit(bin, row, 1);
                }
                if let Some(bin) = c.sub {
                    visit(bin, row, -1);
                }
            })?;
        }
        Ok(())
    }

    fn read_tier<M: Measures>(
        &self,
        tier: Tier,
        grain: Grain,
        lo: i64,
        hi: i64,
        mut f: impl FnMut(i64, &RollupRow<'_, M>),
    ) -> Result<()> {
        let table = tier.table;
        // A narrow tier's rows are already one per (day, developer, agent).
        let one_row_per_key = grain == Grain::ALL
            || (tier.narrow && grain.developer && grain.agent && !grain.project && !grain.model);
        let sql = if one_row_per_key {
            format!(
                "SELECT bucket_start, {}, {} FROM {table}
                 WHERE bucket_start >= ?1 AND bucket_start < ?2",
                grain.select(),
                M::COLUMNS.join(", ")
            )
        } else {
            format!(
                "SELECT bucket_start, {}, {} FROM {table}
                 WHERE bucket_start >= ?1 AND bucket_start < ?2 GROUP BY {}",
                grain.select(),
                M::COLUMNS
                    .iter()
                    .map(|m| super::wide_sum::wide_sum(m))
                    .collect::<Vec<_>>()
                    .join(", "),
                grain.group_by()
            )
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            let row = RollupRow {
                developer: text(r, 1)?,
                project_id: text(r, 2)?,
                agent: text(r, 3)?,
                model: text(r, 4)?,
                m: M::read(r, 5)?,
            };
            f(r.get(0)?, &row);
        }
        Ok(())
    }
}

/// A text column borrowed from the row (no allocation per row).
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const D: i64 = 86_400_000;
    const Q: i64 = 900_000;

    #[test]
    fn edges_round_up_to_the_grid_and_bins_are_found() {
        let bins = Bins::new([D + 1, D + 2, 2 * D, D]);
        assert_eq!(bins.edges, vec![D + Q, 2 * D]);
        assert_eq!(bins.bin_of(D), None);
        assert_eq!(bins.bin_of(D + Q), Some(0));
        assert_eq!(bins.bin_of(2 * D), None);
        assert!(Bins::new([5]).is_empty());
    }

    #[test]
    fn whole_utc_days_need_no_corrections() {
        let p = plan(&Bins::new([10 * D, 11 * D, 12 * D]));
        assert_eq!(p.days, Some((10 * D, vec![0, 1])));
        assert!(p.corrections.is_empty());
    }

    #[test]
    fn local_days_move_the_minority_hours() {
        // UTC-5: local midnights at 05:00 UTC. Day 10 is mostly local day 0 (05:00→24:00),
        // day 11 mostly local day 1, and day 12 mostly after the last bin.
        let p = plan(&Bins::new([10 * D + 5 * H, 11 * D + 5 * H, 12 * D + 5 * H]));
        assert_eq!(p.days, Some((10 * D, vec![0, 1])));
        assert_eq!(
            p.corrections,
            vec![
                // 00:00–05:00 of day 10 is before the first bin: take it out of bin 0.
                Correction {
                    tier: HOUR,
                    lo: 10 * D,
                    hi: 10 * D + 5 * H,
                    add: None,
                    sub: Some(0)
                },
                // 00:00–05:00 of day 11 belongs to bin 0, not bin 1.
                Correction {
                    tier: HOUR,
                    lo: 11 * D,
                    hi: 11 * D + 5 * H,
                    add: Some(0),
                    sub: Some(1)
                },
                // 00:00–05:00 of day 12 belongs to bin 1; the rest of day 12 is never read.
                Correction {
                    tier: HOUR,
                    lo: 12 * D,
                    hi: 12 * D + 5 * H,
                    add: Some(1),
                    sub: None
                },
            ]
        );
    }

    #[test]
    fn half_hour_offsets_use_quarter_rows_for_the_split_hour() {
        // UTC+5:30: local midnight at 18:30 UTC the day before.
        let p = plan(&Bins::new([
            10 * D - 5 * H - 30 * 60_000,
            11 * D - 5 * H - 30 * 60_000,
        ]));
        assert_eq!(p.days, Some((10 * D, vec![0])));
        let tiers: Vec<(Tier, i64, i64)> =
            p.corrections.iter().map(|c| (c.tier, c.lo, c.hi)).collect();
        assert_eq!(
            tiers,
            vec![
                (QUARTER, 10 * D - 5 * H - 2 * Q, 10 * D - 5 * H),
                (HOUR, 10 * D - 5 * H, 10 * D),
                (QUARTER, 11 * D - 5 * H - 2 * Q, 11 * D - 5 * H),
                (HOUR, 11 * D - 5 * H, 11 * D),
            ]
        );
    }

    #[test]
    fn a_short_range_inside_one_day_reads_only_fine_rows() {
        let p = plan(&Bins::range(10 * D + 3 * H + Q, 10 * D + 5 * H));
        assert_eq!(p.days, None);
        let tiers: Vec<(Tier, i64, i64, Option<usize>)> = p
            .corrections
            .iter()
            .map(|c| (c.tier, c.lo, c.hi, c.add))
            .collect();
        assert_eq!(
            tiers,
            vec![
                (QUARTER, 10 * D + 3 * H + Q, 10 * D + 4 * H, Some(0)),
                (HOUR, 10 * D + 4 * H, 10 * D + 5 * H, Some(0)),
            ]
        );
    }
}
