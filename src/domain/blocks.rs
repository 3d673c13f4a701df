//! Claude's 5-hour usage windows (docs/accounting.md#time): a block starts at the first request's
//! time floored to the UTC hour and holds every request until 5 h after its start or a 5 h
//! gap; gaps are reported as their own zero-usage blocks.

use super::{Money, TokenUsage, UnixMillis};

pub const BLOCK_MS: i64 = 5 * 60 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;

/// One request as blocks need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub ts: UnixMillis,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub start: UnixMillis,
    pub end: UnixMillis,
    /// Time of the last request in the block (None for gaps).
    pub actual_end: Option<UnixMillis>,
    pub is_gap: bool,
    pub is_active: bool,
    pub entries: usize,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced_tokens: i64,
}

/// Entries must be sorted by time. `now` decides which block is active.
pub fn identify(entries: &[Entry], now: UnixMillis) -> Vec<Block> {
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
                    is_gap: true,
                    is_active: false,
                    entries: 0,
                    usage: TokenUsage::default(),
                    cost: Money::ZERO,
                    unpriced_tokens: 0,
                });
            }
            let start = e.ts.div_euclid(HOUR_MS) * HOUR_MS;
            current = Some(Block {
                start,
                end: start + BLOCK_MS,
                actual_end: None,
                is_gap: false,
                is_active: false,
                entries: 0,
                usage: TokenUsage::default(),
                cost: Money::ZERO,
                unpriced_tokens: 0,
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn at(s: &str) -> Entry {
        Entry {
            ts: DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis(),
            usage: TokenUsage {
                input: 10,
                ..Default::default()
            },
            cost: Money(1),
            unpriced: false,
        }
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
