//! The limits every number, timestamp and string is checked against where it enters
//! agentdeck: file parsers, OTLP, push, vendor APIs. A value outside them is refused with the
//! field named — never clamped or zeroed silently. docs/accounting.md ("Bounds") gives the
//! reasons for each limit.

use super::UnixMillis;
use std::fmt;

/// Largest token count one request may carry in any single field (10^12). The biggest
/// context windows are ~10^6 tokens, so anything near this is corrupt input; summing 10^7
/// such requests still fits an i128 and the store's split sums.
pub const MAX_TOKENS_PER_REQUEST: i64 = 1_000_000_000_000;

/// Largest cost one request may state, in USD ($100,000). A single model call costing more
/// than this is corrupt input.
pub const MAX_COST_USD_PER_REQUEST: f64 = 100_000.0;

/// Earliest accepted timestamp: 2020-01-01T00:00:00Z (no coding agent logged before it).
pub const EARLIEST_TS: UnixMillis = 1_577_836_800_000;

/// The calendar day of [`EARLIEST_TS`] (reports start their default window there).
pub fn earliest_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default()
}

/// How far ahead of the receiving machine's clock a timestamp may be (clock skew): 1 day.
pub const MAX_FUTURE_SKEW_MS: i64 = 86_400_000;

/// Longest identifier accepted (session, message and request ids, emails, model names,
/// branch names, project ids), in bytes. Longer values are refused, not truncated.
pub const MAX_ID_BYTES: usize = 512;

/// Most attributes one telemetry record may carry.
pub const MAX_ATTRIBUTES_PER_RECORD: usize = 256;

/// The one rule for totals: every sum of stored values (tokens, micro-USD, counts), in
/// Rust and in SQL, saturates at ±`TOTAL_CEILING` instead of wrapping, turning negative or
/// failing with "integer overflow". Single requests are bounded above, but a computed cost
/// is tokens × price, and enough in-bounds rows (about 84,000 requests of 10^12 tokens at
/// Opus 4 prices) pass 2^63 micro-USD. A saturated total reads as ~$9.2 trillion.
pub const TOTAL_CEILING: i64 = i64::MAX;

/// Where SQL sums saturate: SQL tests the sum as a float, so a little under 2^63 keeps the
/// float comparison exact.
pub const TOTAL_SQL_SATURATION: i64 = 9_200_000_000_000_000_000;

/// `total + delta` under the rule above.
pub fn add_to_total(total: i64, delta: i64) -> i64 {
    total
        .saturating_add(delta)
        .clamp(-TOTAL_CEILING, TOTAL_CEILING)
}

/// The sum of `values` under the rule above (use instead of `Iterator::sum` on `i64`).
pub fn sum_totals(values: impl IntoIterator<Item = i64>) -> i64 {
    values.into_iter().fold(0, add_to_total)
}

/// Largest stated cost of one request in integer micro-USD (the [`MAX_COST_USD_PER_REQUEST`]).
pub const MAX_COST_MICRO_USD_PER_REQUEST: i64 = 100_000_000_000;

/// Largest increment one telemetry counter point may carry (lines of code, commits, pull
/// requests in one export interval): 10^9. A point is stored as one number, never one row
/// per unit.
pub const MAX_COUNTER_INCREMENT: i64 = 1_000_000_000;

/// Longest duration a timeline event may state: one year, in milliseconds.
pub const MAX_DURATION_MS: i64 = 366 * 86_400_000;

/// Largest status code an event may carry (HTTP codes are three digits).
pub const MAX_STATUS_CODE: i64 = 999;

/// Why a value was refused: which field, and what was wrong with it. Never carries the
/// value itself when it could be content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutOfBounds {
    pub field: &'static str,
    pub why: Violation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Violation {
    Negative,
    TooLarge,
    NotANumber,
    NotFinite,
    TooEarly,
    TooLate,
    TooLong,
    /// A key whose kind belongs to another agent than the row says.
    WrongAgent,
    /// Empty where a value is required, or not in the expected form (a calendar day).
    Malformed,
}

impl Violation {
    /// A stable short label for summaries that count refusals by kind.
    pub fn label(self) -> &'static str {
        match self {
            Violation::Negative => "negative_value",
            Violation::TooLarge => "value_too_large",
            Violation::NotANumber | Violation::NotFinite => "not_a_number",
            Violation::TooEarly | Violation::TooLate => "timestamp_out_of_range",
            Violation::TooLong => "id_too_long",
            Violation::WrongAgent => "key_of_another_agent",
            Violation::Malformed => "malformed",
        }
    }
}

impl fmt::Display for OutOfBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field;
        match self.why {
            Violation::Negative => write!(f, "`{field}` is negative"),
            Violation::TooLarge => write!(f, "`{field}` is larger than agentdeck accepts"),
            Violation::NotANumber => write!(f, "`{field}` is not a number"),
            Violation::NotFinite => write!(f, "`{field}` is not a finite number"),
            Violation::TooEarly => write!(f, "`{field}` is before 2020-01-01"),
            Violation::TooLate => write!(f, "`{field}` is more than a day in the future"),
            Violation::TooLong => write!(f, "`{field}` is longer than {MAX_ID_BYTES} bytes"),
            Violation::WrongAgent => write!(f, "`{field}` belongs to another agent than the row"),
            Violation::Malformed => write!(f, "`{field}` is missing or malformed"),
        }
    }
}

impl std::error::Error for OutOfBounds {}

fn refuse<T>(field: &'static str, why: Violation) -> Result<T, OutOfBounds> {
    Err(OutOfBounds { field, why })
}

/// A token count as an integer in `0..=MAX_TOKENS_PER_REQUEST`.
pub fn tokens(field: &'static str, n: i64) -> Result<i64, OutOfBounds> {
    if n < 0 {
        refuse(field, Violation::Negative)
    } else if n > MAX_TOKENS_PER_REQUEST {
        refuse(field, Violation::TooLarge)
    } else {
        Ok(n)
    }
}

/// A token count that arrived as a float (JSON `1e3`, OTLP doubles): must be a whole,
/// finite number within bounds.
pub fn tokens_f64(field: &'static str, x: f64) -> Result<i64, OutOfBounds> {
    if !x.is_finite() {
        return refuse(field, Violation::NotFinite);
    }
    if x < 0.0 {
        return refuse(field, Violation::Negative);
    }
    if x > MAX_TOKENS_PER_REQUEST as f64 {
        return refuse(field, Violation::TooLarge);
    }
    if x.fract() != 0.0 {
        return refuse(field, Violation::NotANumber);
    }
    Ok(x as i64)
}

/// A stated cost in USD: finite, `>= 0`, at most [`MAX_COST_USD_PER_REQUEST`].
pub fn cost_usd(field: &'static str, usd: f64) -> Result<f64, OutOfBounds> {
    if !usd.is_finite() {
        refuse(field, Violation::NotFinite)
    } else if usd < 0.0 {
        refuse(field, Violation::Negative)
    } else if usd > MAX_COST_USD_PER_REQUEST {
        refuse(field, Violation::TooLarge)
    } else {
        Ok(usd)
    }
}

/// A timestamp between [`EARLIEST_TS`] and `now + MAX_FUTURE_SKEW_MS`.
pub fn timestamp(
    field: &'static str,
    ts: UnixMillis,
    now: UnixMillis,
) -> Result<UnixMillis, OutOfBounds> {
    if ts < EARLIEST_TS {
        refuse(field, Violation::TooEarly)
    } else if ts > now.saturating_add(MAX_FUTURE_SKEW_MS) {
        refuse(field, Violation::TooLate)
    } else {
        Ok(ts)
    }
}

/// An identifier of at most [`MAX_ID_BYTES`] bytes.
pub fn id<'a>(field: &'static str, s: &'a str) -> Result<&'a str, OutOfBounds> {
    if s.len() > MAX_ID_BYTES {
        refuse(field, Violation::TooLong)
    } else {
        Ok(s)
    }
}

/// An optional identifier: absent is fine, present must be within [`MAX_ID_BYTES`].
pub fn opt_id(field: &'static str, s: Option<&str>) -> Result<(), OutOfBounds> {
    s.map_or(Ok(()), |s| id(field, s).map(|_| ()))
}

/// A stated cost in integer micro-USD: `0..=MAX_COST_MICRO_USD_PER_REQUEST`.
pub fn cost_micro_usd(field: &'static str, n: i64) -> Result<i64, OutOfBounds> {
    count(field, n, MAX_COST_MICRO_USD_PER_REQUEST)
}

/// A non-negative integer of at most `max` (durations, status codes, counter increments).
pub fn count(field: &'static str, n: i64, max: i64) -> Result<i64, OutOfBounds> {
    if n < 0 {
        refuse(field, Violation::Negative)
    } else if n > max {
        refuse(field, Violation::TooLarge)
    } else {
        Ok(n)
    }
}

/// A counter increment that arrived as a float: whole, finite, `0..=MAX_COUNTER_INCREMENT`.
pub fn counter_f64(field: &'static str, x: f64) -> Result<i64, OutOfBounds> {
    if !x.is_finite() {
        return refuse(field, Violation::NotFinite);
    }
    if x < 0.0 {
        return refuse(field, Violation::Negative);
    }
    if x > MAX_COUNTER_INCREMENT as f64 {
        return refuse(field, Violation::TooLarge);
    }
    Ok(x.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_accept_the_range_and_name_the_field_outside_it() {
        assert_eq!(tokens("input_tokens", 0), Ok(0));
        assert_eq!(
            tokens("input_tokens", MAX_TOKENS_PER_REQUEST),
            Ok(MAX_TOKENS_PER_REQUEST)
        );
        let err = tokens("input_tokens", -1).unwrap_err();
        assert_eq!(err.why, Violation::Negative);
        assert_eq!(err.to_string(), "`input_tokens` is negative");
        assert_eq!(
            tokens("output_tokens", i64::MAX).unwrap_err().why,
            Violation::TooLarge
        );
    }

    #[test]
    fn float_tokens_must_be_whole_finite_and_in_range() {
        assert_eq!(tokens_f64("t", 1e3), Ok(1000));
        assert_eq!(tokens_f64("t", 1e300).unwrap_err().why, Violation::TooLarge);
        assert_eq!(
            tokens_f64("t", f64::NAN).unwrap_err().why,
            Violation::NotFinite
        );
        assert_eq!(tokens_f64("t", 1.5).unwrap_err().why, Violation::NotANumber);
        assert_eq!(tokens_f64("t", -2.0).unwrap_err().why, Violation::Negative);
    }

    #[test]
    fn totals_saturate_instead_of_wrapping() {
        assert_eq!(sum_totals([1, 2, 3]), 6);
        assert_eq!(sum_totals([i64::MAX, 1, 1]), TOTAL_CEILING);
        assert_eq!(
            sum_totals(std::iter::repeat_n(i64::MAX / 3, 7)),
            TOTAL_CEILING
        );
        assert_eq!(add_to_total(i64::MIN, -1), -TOTAL_CEILING);
        assert_eq!(add_to_total(TOTAL_CEILING, -5), TOTAL_CEILING - 5);
    }

    #[test]
    fn costs_and_timestamps_and_ids() {
        assert_eq!(cost_usd("costUSD", 0.25), Ok(0.25));
        assert_eq!(
            cost_usd("costUSD", 1e13).unwrap_err().why,
            Violation::TooLarge
        );
        assert_eq!(
            cost_usd("costUSD", -0.1).unwrap_err().why,
            Violation::Negative
        );
        let now = 1_800_000_000_000;
        assert!(timestamp("timestamp", now, now).is_ok());
        assert_eq!(
            timestamp("timestamp", 0, now).unwrap_err().why,
            Violation::TooEarly
        );
        assert_eq!(
            timestamp("timestamp", now + MAX_FUTURE_SKEW_MS + 1, now)
                .unwrap_err()
                .why,
            Violation::TooLate
        );
        assert!(id("session.id", "abc").is_ok());
        assert_eq!(
            cost_micro_usd("cost", -1).unwrap_err().why,
            Violation::Negative
        );
        assert_eq!(
            count("duration_ms", MAX_DURATION_MS + 1, MAX_DURATION_MS)
                .unwrap_err()
                .why,
            Violation::TooLarge
        );
        assert_eq!(
            counter_f64("commits", 1e300).unwrap_err().why,
            Violation::TooLarge
        );
        assert_eq!(counter_f64("commits", 2.6), Ok(3));
        assert!(opt_id("model", None).is_ok());
        assert_eq!(
            id("session.id", &"x".repeat(MAX_ID_BYTES + 1))
                .unwrap_err()
                .why,
            Violation::TooLong
        );
    }
}
