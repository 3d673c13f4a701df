//! Month-end spend forecast from month-to-date spend. Linear by elapsed time: the spend so far
//! divided by the days elapsed (today counted by its elapsed fraction, at least one day in
//! all) times the days in the month. An estimate, and labelled as one wherever it is shown.

use super::Money;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

/// A month-end projection of spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    pub month_to_date: Money,
    /// Projected spend for the whole month (estimate).
    pub month_end: Money,
    /// Days elapsed since the month began, fractional (at least 1.0).
    pub elapsed_days: f64,
    pub days_in_month: u32,
}

impl Forecast {
    /// The share of `budget` the projection uses (1.0 = exactly on budget).
    pub fn budget_ratio(&self, budget: Money) -> Option<f64> {
        (budget.micro_usd() > 0)
            .then(|| self.month_end.micro_usd() as f64 / budget.micro_usd() as f64)
    }
}

/// Days in the month that contains `day`.
pub fn days_in_month(day: NaiveDate) -> u32 {
    let (y, m) = (day.year(), day.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    let first = NaiveDate::from_ymd_opt(y, m, 1);
    match (first, next) {
        (Some(a), Some(b)) => (b - a).num_days() as u32,
        _ => 30,
    }
}

/// Projects `month_to_date` (spend since the 1st, 00:00 local) to the end of the month that
/// contains `now` (local wall-clock time). Linear: `mtd / elapsed_days × days_in_month`, where
/// `elapsed_days = (day − 1) + seconds_today / 86400`, floored at one day so the first hours
/// of a month do not extrapolate a handful of requests into a fortune.
pub fn month_end(month_to_date: Money, now: NaiveDateTime) -> Forecast {
    let days = days_in_month(now.date());
    let seconds_today = now.time().num_seconds_from_midnight() as f64;
    let elapsed = ((now.day() - 1) as f64 + seconds_today / 86_400.0).max(1.0);
    let projected = month_to_date.micro_usd() as f64 / elapsed * days as f64;
    Forecast {
        month_to_date,
        month_end: Money::from_micro_usd(projected.round() as i64).max(month_to_date),
        elapsed_days: elapsed,
        days_in_month: days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn projects_linearly_by_elapsed_days() {
        let cases = [
            // (mtd $, now, expected month-end $, days in month)
            (100.0, at(2026, 11, 11, 0), 300.0, 30), // 10 days elapsed of 30
            (100.0, at(2026, 11, 11, 12), 285.714286, 30), // 10.5 days
            (50.0, at(2026, 2, 15, 0), 100.0, 28),   // 14 of 28
            (31.0, at(2026, 1, 31, 0), 32.033333, 31), // 30 of 31
            (5.0, at(2026, 3, 1, 6), 155.0, 31),     // floored at one day
            (0.0, at(2026, 3, 20, 0), 0.0, 31),
        ];
        for (mtd, now, want, days) in cases {
            let f = month_end(Money::from_usd(mtd), now);
            assert_eq!(f.days_in_month, days, "{now}");
            assert!(
                (f.month_end.as_usd() - want).abs() < 0.01,
                "{now}: {} vs {want}",
                f.month_end.as_usd()
            );
        }
    }

    #[test]
    fn never_projects_below_what_is_already_spent() {
        let f = month_end(Money::from_usd(10.0), at(2026, 4, 30, 23));
        assert!(f.month_end >= f.month_to_date);
    }

    #[test]
    fn budget_ratio_needs_a_budget() {
        let f = month_end(Money::from_usd(100.0), at(2026, 11, 11, 0));
        assert_eq!(f.budget_ratio(Money::ZERO), None);
        assert!((f.budget_ratio(Money::from_usd(200.0)).unwrap() - 1.5).abs() < 1e-9);
        assert_eq!(
            days_in_month(NaiveDate::from_ymd_opt(2028, 2, 3).unwrap()),
            29
        );
        assert_eq!(
            days_in_month(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()),
            31
        );
    }
}
