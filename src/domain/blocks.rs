//! Claude's 5-hour usage windows (docs/accounting.md#time): a block starts at the first request's
//! time floored to the UTC hour and holds every request until 5 h after its start or a 5 h
//! gap; gaps are reported as their own zero-usage blocks.

use super::{Money, TokenUsage, UnixMillis};
use std::collections::BTreeSet;

pub const BLOCK_MS: i64 = 5 * 60 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;

/// One request as blocks need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub ts: UnixMillis,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced: bool,
    /// The model as reports name it (`<model>-fast` in fast mode).
    pub model: &'a str,
}

/// Claude Code's placeholder model of lines it wrote itself (no API call): never listed.
const SYNTHETIC_MODEL: &str = "<synthetic>";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub start: UnixMillis,
    pub end: UnixMillis,
    /// Time of the last request in the block (None for gaps).
    pub actual_end: Option<UnixMillis>,
    /// Time of the first request in the block (None for gaps).
    pub first_entry: Option<UnixMillis>,
    pub is_gap: bool,
    pub is_active: bool,
    pub entries: usize,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced_tokens: i64,
    /// The models of the block's requests, `<synthetic>` and unknown left out.
    pub models: BTreeSet<String>,
}

/// Entries must be sorted by time. `now` decides which block is active.
pub fn identify(entries: &[Entry<'_>], now: UnixMillis) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    let mut last_ts: Option<UnixMillis> = None;
    for e in entries {
        let starts_new = match (&current, last_ts) {
            (Some(b), Some(prev)) => e.ts - b.start > BLOCK_MS || e.ts - prev > BLOCK_MS,
            _ => true,
        };
        if starts_new {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            if let Some(prev) = last_ts.filter(|prev| e.ts - prev > BLOCK_MS) {
                blocks.push(Block {
                    start: prev + BLOCK_MS,
                    end: e.ts,
                    actual_end: None,
                    first_entry: None,
                    is_gap: true,
                    is_active: false,
                    entries: 0,
                    usage: TokenUsage::default(),
                    cost: Money::ZERO,
                    unpriced_tokens: 0,
                    models: BTreeSet::new(),
                });
            }
            let start = e.ts.div_euclid(HOUR_MS) * HOUR_MS;
            current = Some(Block {
                start,
                end: start + BLOCK_MS,
                actual_end: None,
                first_entry: Some(e.ts),
                is_gap: false,
                is_active: false,
                entries: 0,
                usage: TokenUsage::default(),
                cost: Money::ZERO,
                unpriced_tokens: 0,
                models: BTreeSet::new(),
            });
        }
        if let Some(b) = current.as_mut() {
            b.entries += 1;
            b.usage += e.usage;
            if e.unpriced {
                b.unpriced_tokens = b.unpriced_tokens.saturating_add(e.usage.total());
            } else {
                b.cost += e.cost;
            }
            b.actual_end = Some(e.ts);
            if !e.model.is_empty() && e.model != SYNTHETIC_MODEL && !b.models.contains(e.model) {
                b.models.insert(e.model.to_string());
            }
        }
        last_ts = Some(e.ts);
    }
    if let Some(mut b) = current.take() {
        let last = b.actual_end.unwrap_or(b.start);
        b.is_active = now - last < BLOCK_MS && now < b.end;
        blocks.push(b);
    }
    blocks
}

/// How fast the active block is being used and where it ends up at this pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnRate {
    /// All tokens per minute between the block's first and last request.
    pub tokens_per_minute: f64,
    /// Priced cost per hour over the same span (USD).
    pub usd_per_hour: f64,
    /// Tokens and cost at the block's end if the pace holds.
    pub projected_tokens: i64,
    pub projected_cost: Money,
    pub minutes_left: i64,
    pub tokens: i64,
    pub cost: Money,
}

/// The burn rate of an active block (sources' blocks rule: rate over first→last request,
/// projection = so far + rate × minutes until the block ends). `None` for inactive blocks
/// and for a block whose requests span less than a minute.
pub fn burn(block: &Block, now: UnixMillis) -> Option<BurnRate> {
    let (first, last) = (block.first_entry?, block.actual_end?);
    if !block.is_active || last - first < 60_000 {
        return None;
    }
    let minutes = (last - first) as f64 / 60_000.0;
    let tokens = block.usage.total();
    let tokens_per_minute = tokens as f64 / minutes;
    let usd_per_hour = block.cost.as_usd() / minutes * 60.0;
    let minutes_left = ((block.end - now).max(0) as f64 / 60_000.0).round() as i64;
    Some(BurnRate {
        tokens_per_minute,
        usd_per_hour,
        projected_tokens: tokens + (tokens_per_minute * minutes_left as f64).round() as i64,
        projected_cost: block.cost + Money::from_usd(usd_per_hour / 60.0 * minutes_left as f64),
        minutes_left,
        tokens,
        cost: block.cost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn burn_rate_projects_to_the_block_end() {
        let e = |m: i64| Entry {
            ts: DateTime::parse_from_rfc3339("2026-01-09T10:00:00Z")
                .unwrap()
                .timestamp_millis()
                + m * 60_000,
            usage: TokenUsage {
                input: 1_000,
                ..Default::default()
            },
            cost: Money::from_usd(0.5),
            unpriced: false,
            model: "claude-sonnet-4-5",
        };
        let entries = [e(0), e(30), e(60)]; // 3,000 tokens and $1.50 over 60 minutes
        let now = entries[2].ts + 60_000;
        let blocks = identify(&entries, now);
        let b = burn(&blocks[0], now).unwrap();
        assert_eq!(b.tokens_per_minute, 50.0);
        assert!((b.usd_per_hour - 1.5).abs() < 1e-9);
        assert_eq!(b.minutes_left, 239); // the block ends at 15:00, now is 11:01
        assert_eq!(b.projected_tokens, 3_000 + 50 * 239);
        assert!((b.projected_cost.as_usd() - (1.5 + 1.5 * 239.0 / 60.0)).abs() < 1e-5);
        let after = blocks[0].end + 1;
        assert!(
            burn(&identify(&entries, after)[0], after).is_none(),
            "an ended block has no pace"
        );
    }

    fn at(s: &str) -> Entry<'static> {
        Entry {
            ts: DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis(),
            usage: TokenUsage {
                input: 10,
                ..Default::default()
            },
            cost: Money(1),
            unpriced: false,
            model: "claude-sonnet-4-5",
        }
    }

    #[test]
    fn a_block_lists_its_models_once_without_synthetic_or_unknown_ones() {
        let with = |s: &str, model: &'static str| Entry { model, ..at(s) };
        let entries = [
            with("2026-01-09T10:15:00Z", "claude-opus-4-7-fast"),
            with("2026-01-09T10:20:00Z", "<synthetic>"),
            with("2026-01-09T10:25:00Z", ""),
            with("2026-01-09T11:00:00Z", "claude-sonnet-4-5"),
            with("2026-01-09T11:30:00Z", "claude-opus-4-7-fast"),
            with("2026-01-10T09:15:00Z", "claude-haiku-4-5"),
        ];
        let blocks = identify(&entries, entries[5].ts);
        let names = |b: &Block| b.models.iter().cloned().collect::<Vec<_>>();
        assert_eq!(
            names(&blocks[0]),
            ["claude-opus-4-7-fast", "claude-sonnet-4-5"]
        );
        assert_eq!(
            blocks[0].entries, 5,
            "a synthetic line still counts as an entry"
        );
        assert!(blocks[1].is_gap && blocks[1].models.is_empty());
        assert_eq!(names(&blocks[2]), ["claude-haiku-4-5"]);
    }

    #[test]
    fn splits_on_five_hours_from_start_and_emits_gaps() {
        let entries = [
            at("2026-01-09T10:15:00Z"),
            at("2026-01-09T12:30:00Z"),
            at("2026-01-10T09:15:00Z"),
        ];
        let blocks = identify(&entries, entries[2].ts + 10 * BLOCK_MS);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].start, at("2026-01-09T10:00:00Z").ts);
        assert_eq!(blocks[0].entries, 2);
        assert_eq!(blocks[0].actual_end, Some(at("2026-01-09T12:30:00Z").ts));
        assert!(blocks[1].is_gap);
        assert_eq!(blocks[1].start, at("2026-01-09T17:30:00Z").ts);
        assert_eq!(blocks[1].end, at("2026-01-10T09:15:00Z").ts);
        assert_eq!(blocks[2].start, at("2026-01-10T09:00:00Z").ts);
        assert!(!blocks[2].is_active);
    }

    #[test]
    fn the_last_block_is_active_while_inside_its_window() {
        let e = at("2026-01-09T10:15:00Z");
        let blocks = identify(&[e], e.ts + 60_000);
        assert!(blocks[0].is_active);
    }
}
