//! Calendar arithmetic in the user's time zone: which day, week or month a UTC instant
//! belongs to, and the UTC range of a local date span. Weeks start on Monday (ISO 8601).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Week,
    Month,
}

/// The local date of a UTC instant (milliseconds).
pub fn local_date(ts_ms: i64, tz: Tz) -> NaiveDate {
    let utc = DateTime::<Utc>::from_timestamp_millis(ts_ms).unwrap_or_default();
    utc.with_timezone(&tz).date_naive()
}

/// The first local date of the period containing `date`.
pub fn period_start(date: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Day => date,
        Granularity::Week => date - Duration::days(date.weekday().num_days_from_monday() as i64),
        Granularity::Month => date.with_day(1).unwrap_or(date),
    }
}

/// `2026-01-09` for days and weeks (the week's Monday), `2026-01` for months.
pub fn period_label(date: NaiveDate, granularity: Granularity) -> String {
    let start = period_start(date, granularity);
    match granularity {
        Granularity::Month => start.format("%Y-%m").to_string(),
        _ => start.format("%Y-%m-%d").to_string(),
    }
}

/// UTC milliseconds of local midnight starting `date` (the first valid instant of the day
/// when midnight falls in a DST gap).
/// The starts of `days` consecutive local days from `first`, plus the start of the day after:
/// bin edges for a per-day series.
pub fn local_day_edges(first: NaiveDate, days: i64, tz: Tz) -> Vec<i64> {
    (0..=days)
        .map(|i| local_day_start_ms(first + Duration::days(i), tz))
        .collect()
}

pub fn local_day_start_ms(date: NaiveDate, tz: Tz) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut probe = midnight;
    for _ in 0..=4 {
        if let Some(dt) = tz.from_local_datetime(&probe).earliest() {
            return dt.with_timezone(&Utc).timestamp_millis();
        }
        probe += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&midnight).timestamp_millis()
}

/// The first local date of the period after the one starting at `start`.
pub fn next_period_start(start: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Day => start + Duration::days(1),
        Granularity::Week => start + Duration::days(7),
        Granularity::Month => start
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(start + Duration::days(31)),
    }
}

/// Bin edges for `[since, until)` split at local period starts: `since`, every period start
/// strictly inside, `until`.
pub fn period_edges(since_ms: i64, until_ms: i64, granularity: Granularity, tz: Tz) -> Vec<i64> {
    let mut edges = vec![since_ms];
    let mut start = period_start(local_date(since_ms, tz), granularity);
    loop {
        start = next_period_start(start, granularity);
        let ms = local_day_start_ms(start, tz);
        if ms >= until_ms {
            break;
        }
        edges.push(ms);
    }
    edges.push(until_ms);
    edges
}

/// UTC range `[start, end)` covering local dates `since..=until`; either side may be open.
pub fn local_range_ms(
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    tz: Tz,
) -> (Option<i64>, Option<i64>) {
    (
        since.map(|d| local_day_start_ms(d, tz)),
        until.map(|d| local_day_start_ms(d + Duration::days(1), tz)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn an_instant_near_midnight_lands_on_different_days_by_zone() {
        let t = ms("2026-01-09T23:30:00Z");
        assert_eq!(local_date(t, chrono_tz::UTC).to_string(), "2026-01-09");
        assert_eq!(
            local_date(t, chrono_tz::Europe::Berlin).to_string(),
            "2026-01-10"
        );
        assert_eq!(
            local_date(t, chrono_tz::America::New_York).to_string(),
            "2026-01-09"
        );
        let early = ms("2026-01-10T03:00:00Z");
        assert_eq!(
            local_date(early, chrono_tz::America::Los_Angeles).to_string(),
            "2026-01-09"
        );
        // Half-hour and 45-minute zones.
        assert_eq!(
            local_date(ms("2026-01-09T18:29:00Z"), chrono_tz::Asia::Kolkata).to_string(),
            "2026-01-09"
        );
        assert_eq!(
            local_date(ms("2026-01-09T18:30:00Z"), chrono_tz::Asia::Kolkata).to_string(),
            "2026-01-10"
        );
        assert_eq!(
            local_date(ms("2026-01-09T18:15:00Z"), chrono_tz::Asia::Kathmandu).to_string(),
            "2026-01-10"
        );
    }

    #[test]
    fn weeks_start_monday_and_months_on_the_first() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 9).unwrap(); // a Friday
        assert_eq!(period_label(d, Granularity::Week), "2026-01-05");
        assert_eq!(period_label(d, Granularity::Month), "2026-01");
        assert_eq!(period_label(d, Granularity::Day), "2026-01-09");
    }

    #[test]
    fn local_ranges_follow_the_zone_and_dst() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 9).unwrap();
        let (s, e) = local_range_ms(Some(d), Some(d), chrono_tz::Europe::Berlin);
        assert_eq!(s, Some(ms("2026-01-08T23:00:00Z")));
        assert_eq!(e, Some(ms("2026-01-09T23:00:00Z")));
        // São Paulo had midnight DST gaps; Havana still starts DST at midnight.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let start = local_day_start_ms(gap, chrono_tz::America::Havana);
        assert_eq!(local_date(start, chrono_tz::America::Havana), gap);
    }
}
