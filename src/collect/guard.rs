//! The last check before parsed rows leave the file pipeline: every row a line produced is
//! held against `crate::domain::bounds` (timestamps in the accepted window, token counts
//! and costs in range). A row outside is refused with the line and the field named, so
//! every parser, present or future, is held to the same limits in one place.

use super::parse::{LineLoc, ParsedRows, SkipReason};
use crate::domain::RequestRecord;
use crate::domain::bounds::{self, OutOfBounds};

/// How many rows of each kind existed before a line was parsed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Marks {
    requests: usize,
    events: usize,
    sessions: usize,
    skipped: usize,
}

impl Marks {
    pub fn of(rows: &ParsedRows) -> Marks {
        Marks {
            requests: rows.requests.len(),
            events: rows.events.len(),
            sessions: rows.sessions.len(),
            skipped: rows.skipped.len(),
        }
    }

    /// True when the parser skipped (or refused) something since the mark.
    pub fn skipped_since(&self, rows: &ParsedRows) -> bool {
        rows.skipped.len() > self.skipped
    }
}

/// Refuses the rows added since `marks` that break a bound; one skip per line.
pub fn enforce(rows: &mut ParsedRows, marks: Marks, loc: LineLoc, now_ms: i64) {
    let mut first: Option<OutOfBounds> = None;
    let mut note = |e: OutOfBounds| {
        first.get_or_insert(e);
        false
    };
    // Only the rows this line added are checked (the batch before them already was).
    retain_from(&mut rows.requests, marks.requests, |r| {
        check_request(r, now_ms).map_or_else(&mut note, |_| true)
    });
    retain_from(&mut rows.events, marks.events, |e| {
        bounds::timestamp("timestamp", e.ts, now_ms).map_or_else(&mut note, |_| true)
    });
    retain_from(&mut rows.sessions, marks.sessions, |s| {
        bounds::timestamp("timestamp", s.started_at, now_ms)
            .and_then(|_| bounds::timestamp("timestamp", s.last_activity_at, now_ms))
            .map_or_else(&mut note, |_| true)
    });
    if let Some(e) = first {
        rows.skip(loc, SkipReason::OutOfBounds(e), None);
    }
}

/// `Vec::retain` over `v[from..]` only, in order: a line's few rows are checked without
/// walking the whole batch gathered before them (that walk made a file's pass quadratic).
fn retain_from<T>(v: &mut Vec<T>, from: usize, mut keep: impl FnMut(&T) -> bool) {
    let start = from.min(v.len());
    let mut kept = start;
    for i in start..v.len() {
        if keep(&v[i]) {
            v.swap(kept, i);
            kept += 1;
        }
    }
    v.truncate(kept);
}

/// A request's timestamp, every token count and its cost, against the bounds (one rule
/// for files and pushes: `RequestRecord::check_numbers`).
fn check_request(r: &RequestRecord, now_ms: i64) -> Result<(), OutOfBounds> {
    r.check_numbers(now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bounds::Violation;
    use crate::domain::{Agent, Cost, KeyKind, Money, RequestKey, TokenUsage};

    fn request(ts: i64, input: i64, cost: i64) -> RequestRecord {
        RequestRecord {
            dedupe_key: RequestKey::new(KeyKind::CodexRollout {
                session: "s".into(),
                ts,
                position: input.to_string(),
            }),
            agent: Agent::Codex,
            session_key: "s".into(),
            ts,
            model: None,
            usage: TokenUsage {
                input,
                ..TokenUsage::default()
            },
            cost: Cost::computed(Money::from_micro_usd(cost)),
            developer: "d".into(),
            project_id: None,
            sidechain: false,
            message_id: None,
            fast: false,
            ord: 0,
        }
    }

    #[test]
    fn rows_outside_the_bounds_are_refused_and_earlier_rows_untouched() {
        let now = 1_800_000_000_000;
        let ok = 1_767_952_800_000;
        let mut rows = ParsedRows::default();
        rows.requests.push(request(0, 1, 0)); // from an earlier line: not re-checked
        let marks = Marks::of(&rows);
        rows.requests.push(request(ok, 5, 10));
        rows.requests.push(request(-62_135_596_800_000, 5, 10)); // year 0001
        rows.requests.push(request(now + 2 * 86_400_000, 5, 10)); // two days ahead
        rows.requests.push(request(ok, 2_000_000_000_000, 10));
        rows.requests.push(request(ok, 5, i64::MAX));
        let loc = LineLoc { offset: 0, line: 7 };
        enforce(&mut rows, marks, loc, now);
        assert_eq!(rows.requests.len(), 2);
        assert_eq!(rows.requests[1].usage.input, 5);
        assert_eq!(rows.skipped.len(), 1, "one skip for the line");
        assert_eq!(rows.skipped[0].line, 7);
        assert_eq!(
            rows.skipped[0].reason,
            SkipReason::OutOfBounds(OutOfBounds {
                field: "timestamp",
                why: Violation::TooEarly
            })
        );
    }

    #[test]
    fn only_the_rows_after_the_mark_are_checked_and_kept_in_order() {
        // Rows before the mark stay even when they would fail (they were checked with
        // their own line); after it, failing rows go and the others keep their order.
        let mut v = vec![-1, 2, -3, 4, -5, 6, 7];
        retain_from(&mut v, 2, |x| *x > 0);
        assert_eq!(v, vec![-1, 2, 4, 6, 7]);
        let mut all = vec![1, -2, 3];
        retain_from(&mut all, 0, |x| *x > 0);
        assert_eq!(all, vec![1, 3]);
        let mut past_end = vec![-1];
        retain_from(&mut past_end, 5, |x| *x > 0);
        assert_eq!(past_end, vec![-1]);
    }
}
