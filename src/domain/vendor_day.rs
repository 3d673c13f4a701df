//! One vendor-reported day of organisation usage (Cursor, Copilot, Claude Code analytics:
//! suggestions shown and accepted, lines, requests, spend) as the pollers store it
//! (`store::ops::DailyUsageRow`) and a console pushes it to the team server, and the bounds
//! every pushed day is held to (docs/server.md, "Vendor daily usage").

use super::UnixMillis;
use super::bounds::{self, MAX_COST_MICRO_USD_PER_REQUEST, MAX_COUNTER_INCREMENT, OutOfBounds};
use serde::{Deserialize, Serialize};

/// A vendor day. The key is (source, day, developer, team): a day pushed again replaces
/// the stored one (vendors restate recent days), it is never added to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorDayRecord {
    /// `cursor`, `copilot`, `claude_code`, …
    pub source: String,
    /// `YYYY-MM-DD` as the vendor reports it (UTC).
    pub day: String,
    /// `''` when the row is per team.
    #[serde(default)]
    pub developer: String,
    /// `''` when the row is per developer.
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub suggestions: i64,
    #[serde(default)]
    pub acceptances: i64,
    #[serde(default)]
    pub lines_suggested: i64,
    #[serde(default)]
    pub lines_accepted: i64,
    #[serde(default)]
    pub requests: i64,
    #[serde(default)]
    pub spend_micro_usd: i64,
}

impl VendorDayRecord {
    /// The key as shown in a refusal (`cursor/2026-01-09/ana@x.io`).
    pub fn key(&self) -> String {
        let who = if self.developer.is_empty() {
            &self.team
        } else {
            &self.developer
        };
        format!("{}/{}/{who}", self.source, self.day)
    }

    /// Every field within the bounds: identifiers of at most `MAX_ID_BYTES`, a source and
    /// an owner (developer or team), a calendar day between 2020-01-01 and a day after
    /// `now`, counts in `0..=MAX_COUNTER_INCREMENT`, spend in
    /// `0..=MAX_COST_MICRO_USD_PER_REQUEST` (a day of one developer's vendor spend above
    /// $100,000 is corrupt input).
    pub fn check_bounds(&self, now: UnixMillis) -> Result<(), OutOfBounds> {
        let missing = |field| OutOfBounds {
            field,
            why: bounds::Violation::Malformed,
        };
        bounds::id("source", &self.source)?;
        if self.source.trim().is_empty() {
            return Err(missing("source"));
        }
        bounds::id("developer", &self.developer)?;
        bounds::id("team", &self.team)?;
        if self.developer.is_empty() && self.team.is_empty() {
            return Err(missing("developer"));
        }
        let day =
            chrono::NaiveDate::parse_from_str(&self.day, "%Y-%m-%d").map_err(|_| missing("day"))?;
        let midnight = day
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis());
        bounds::timestamp("day", midnight, now)?;
        for (field, n) in [
            ("suggestions", self.suggestions),
            ("acceptances", self.acceptances),
            ("lines_suggested", self.lines_suggested),
            ("lines_accepted", self.lines_accepted),
            ("requests", self.requests),
        ] {
            bounded(field, n, MAX_COUNTER_INCREMENT)?;
        }
        bounded(
            "spend_micro_usd",
            self.spend_micro_usd,
            MAX_COST_MICRO_USD_PER_REQUEST,
        )?;
        Ok(())
    }
}

fn bounded(field: &'static str, n: i64, max: i64) -> Result<(), OutOfBounds> {
    let why = if n < 0 {
        bounds::Violation::Negative
    } else if n > max {
        bounds::Violation::TooLarge
    } else {
        return Ok(());
    };
    Err(OutOfBounds { field, why })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> VendorDayRecord {
        VendorDayRecord {
            source: "cursor".into(),
            day: "2026-01-09".into(),
            developer: "ana@x.io".into(),
            suggestions: 300,
            acceptances: 30,
            ..VendorDayRecord::default()
        }
    }

    #[test]
    fn every_field_is_bounded_and_named() {
        let now = 1_770_000_000_000; // 2026-02-02
        assert_eq!(day().check_bounds(now), Ok(()));
        let cases: Vec<(VendorDayRecord, &str)> = vec![
            (
                VendorDayRecord {
                    suggestions: -1,
                    ..day()
                },
                "suggestions",
            ),
            (
                VendorDayRecord {
                    acceptances: MAX_COUNTER_INCREMENT + 1,
                    ..day()
                },
                "acceptances",
            ),
            (
                VendorDayRecord {
                    spend_micro_usd: MAX_COST_MICRO_USD_PER_REQUEST + 1,
                    ..day()
                },
                "spend_micro_usd",
            ),
            (
                VendorDayRecord {
                    day: "2019-12-31".into(),
                    ..day()
                },
                "day",
            ),
            (
                VendorDayRecord {
                    day: "2026-03-01".into(),
                    ..day()
                },
                "day",
            ),
            (
                VendorDayRecord {
                    day: "yesterday".into(),
                    ..day()
                },
                "day",
            ),
            (
                VendorDayRecord {
                    developer: "x".repeat(bounds::MAX_ID_BYTES + 1),
                    ..day()
                },
                "developer",
            ),
            (
                VendorDayRecord {
                    developer: String::new(),
                    ..day()
                },
                "developer",
            ),
            (
                VendorDayRecord {
                    source: " ".into(),
                    ..day()
                },
                "source",
            ),
        ];
        for (row, field) in cases {
            assert_eq!(
                row.check_bounds(now).map_err(|e| e.field),
                Err(field),
                "{row:?}"
            );
        }
    }
}
