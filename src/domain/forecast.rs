//! Month-end spend forecasts. `seasonal` (used wherever daily history exists): the recent
//! daily level with a weekday pattern, projected over the rest of the month, with an 80 %
//! band from the history's residuals. `month_end`: linear by elapsed time, the fallback
//! with too little history. Estimates, and labelled as such wherever they are shown.

use super::Money;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

/// A month-end projection of spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    pub month_to_date: Money,
    /// Projected spend for the whole month (estimate).
    pub month_end: Money,
    /// Days elapsed since the month began, fractional (at least 1.0).
    pub elapsed_days: f64,
    pub days_in_month: u32,
    /// The 80 % band around `month_end` (equal to it for the linear fallback).
    pub low: Money,
    pub high: Money,
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
    let month_end = Money::from_micro_usd(projected.round() as i64).max(month_to_date);
    Forecast {
        month_to_date,
        month_end,
        elapsed_days: elapsed,
        days_in_month: days,
        low: month_end,
        high: month_end,
    }
}

/// Days of history `seasonal` reads (eight weeks: every weekday eight times).
pub const HISTORY_DAYS: i64 = 56;
/// Fewer full days of history than this and `seasonal` falls back to `month_end`.
pub const MIN_HISTORY_DAYS: usize = 14;
/// z for a two-sided 80 % interval of a normal distribution.
const Z80: f64 = 1.2816;

/// The seasonal forecast at `now_ms` from daily spend rows, whatever store summed them:
/// `daily` holds (UTC day start in ms, spend) for days of the `HISTORY_DAYS` whole UTC days
/// before `now_ms`'s (rows outside are ignored, rows of one day add up). History starts with
/// the first day that has any spend: a new team is not judged on weeks of zeros it never had.
pub fn seasonal_from_days(
    daily: impl IntoIterator<Item = (i64, Money)>,
    month_to_date: Money,
    now_ms: i64,
    tz: chrono_tz::Tz,
) -> Forecast {
    let (first, today) = history_range_ms(now_ms);
    let mut days = vec![Money::ZERO; HISTORY_DAYS as usize];
    let mut oldest: Option<usize> = None;
    for (day_ms, spend) in daily {
        if day_ms < first || day_ms >= today {
            continue;
        }
        let i = ((day_ms - first) / 86_400_000) as usize;
        if let Some(d) = days.get_mut(i) {
            *d += spend;
            oldest = Some(oldest.map_or(i, |o| o.min(i)));
        }
    }
    let history = &days[oldest.unwrap_or(days.len())..];
    let (local_now, utc_yesterday) = chrono::DateTime::from_timestamp_millis(now_ms)
        .map(|d| {
            (
                d.with_timezone(&tz).naive_local(),
                d.date_naive() - Duration::days(1),
            )
        })
        .unwrap_or_default();
    // The rows are UTC days: their weekdays are those of their UTC dates, whatever the
    // local date is now (a day behind UTC in the Americas' evenings, ahead in Asia's mornings).
    seasonal_ending(history, utc_yesterday, month_to_date, local_now)
}

/// `[first, today)`: the UTC day starts (ms) the history of [`seasonal_from_days`] covers.
pub fn history_range_ms(now_ms: i64) -> (i64, i64) {
    let today = now_ms - now_ms.rem_euclid(86_400_000);
    (today - HISTORY_DAYS * 86_400_000, today)
}

/// A seasonal month-end forecast. `history` holds the spend of each full local day before
/// `now`'s date (oldest first, the last entry being yesterday; days without spend as zero),
/// `month_to_date` the spend since the 1st including today so far.
///
/// Weekday factors are each weekday's mean over the history divided by the overall mean;
/// the level is the mean of the last 28 days with the weekday pattern taken out. The rest
/// of today (by its elapsed fraction) and every later day of the month add level × factor.
/// The band adds ±z·√(n·σ² + (n·σ/√m)²) for n days left, σ being the history's residual
/// standard deviation and m the days the level was estimated from.
pub fn seasonal(history: &[Money], month_to_date: Money, now: NaiveDateTime) -> Forecast {
    seasonal_ending(history, now.date() - Duration::days(1), month_to_date, now)
}

/// [`seasonal`] with `history`'s last entry being the day `last_day` (not necessarily the
/// day before `now`'s local date).
fn seasonal_ending(
    history: &[Money],
    last_day: NaiveDate,
    month_to_date: Money,
    now: NaiveDateTime,
) -> Forecast {
    if history.len() < MIN_HISTORY_DAYS {
        return month_end(month_to_date, now);
    }
    let today = now.date();
    let day_of = |i: usize| last_day - Duration::days((history.len() - 1 - i) as i64);
    let usd: Vec<f64> = history.iter().map(|m| m.as_usd()).collect();
    let mean = usd.iter().sum::<f64>() / usd.len() as f64;
    let mut sums = [0.0f64; 7];
    let mut counts = [0usize; 7];
    for (i, v) in usd.iter().enumerate() {
        let w = day_of(i).weekday().num_days_from_monday() as usize;
        sums[w] += v;
        counts[w] += 1;
    }
    let factor: Vec<f64> = (0..7)
        .map(|w| {
            if mean <= 0.0 || counts[w] == 0 {
                1.0
            } else {
                sums[w] / counts[w] as f64 / mean
            }
        })
        .collect();
    let weekday = |d: NaiveDate| factor[d.weekday().num_days_from_monday() as usize];
    let recent = usd.len().saturating_sub(28);
    // A weekday whose factor is 0 (never any spend on it) says nothing about the level.
    let deseasoned: Vec<f64> = (recent..usd.len())
        .filter_map(|i| {
            let f = weekday(day_of(i));
            (f > 0.0).then(|| usd[i] / f)
        })
        .collect();
    let level = deseasoned.iter().sum::<f64>() / deseasoned.len().max(1) as f64;
    let residuals: Vec<f64> = (0..usd.len())
        .map(|i| usd[i] - level * weekday(day_of(i)))
        .collect();
    let sigma = (residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len() as f64).sqrt();

    let days = days_in_month(today);
    let rest_of_today = 1.0 - now.time().num_seconds_from_midnight() as f64 / 86_400.0;
    let mut expected = level * weekday(today) * rest_of_today;
    let mut days_left = rest_of_today;
    for d in today.day() + 1..=days {
        if let Some(date) = today.with_day(d) {
            expected += level * weekday(date);
            days_left += 1.0;
        }
    }
    // Day-to-day noise over the days left, plus the uncertainty of the level itself
    // (estimated from `deseasoned.len()` days), which every remaining day shares.
    let level_sigma = sigma / (deseasoned.len().max(1) as f64).sqrt();
    let spread = Z80 * (days_left * sigma * sigma + (days_left * level_sigma).powi(2)).sqrt();
    let usd_money = |v: f64| Money::from_usd(v.max(0.0));
    let month_end = month_to_date + usd_money(expected);
    Forecast {
        month_to_date,
        month_end,
        elapsed_days: today.day() as f64 - rest_of_today,
        days_in_month: days,
        low: month_to_date + usd_money(expected - spread),
        high: month_to_date + usd_money(expected + spread),
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

    /// A synthetic spend series with a known weekly pattern (weekdays $100, Saturday $25,
    /// Sunday $15) and ±20 % deterministic noise, forecast at noon on every day from the
    /// 2nd to the 28th: the seasonal forecast stays within 5 % of the month's actual total,
    /// beats the linear one, and its 80 % band holds the actual total on most days.
    /// (Measured numbers: docs/outcomes.md.)
    #[test]
    fn seasonal_forecast_accuracy_on_a_known_weekly_pattern() {
        let mut state: u64 = 42;
        let mut noise = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64) * 0.4 - 0.2
        };
        let spend_on = |d: NaiveDate, n: f64| {
            let base = match d.weekday().num_days_from_monday() {
                5 => 25.0,
                6 => 15.0,
                _ => 100.0,
            };
            Money::from_usd(base * (1.0 + n))
        };
        let first = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let days_total = 56 + 31;
        let series: Vec<(NaiveDate, Money)> = (0..days_total)
            .map(|i| {
                let d = first - Duration::days(56) + Duration::days(i);
                (d, spend_on(d, noise()))
            })
            .collect();
        let mut worst_seasonal: f64 = 0.0;
        let mut worst_linear: f64 = 0.0;
        let mut inside = 0;
        let days = 2u32..=28;
        let n = days.clone().count();
        for day in days {
            let now = NaiveDate::from_ymd_opt(2026, 3, day)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap();
            let today_idx = 56 + day as usize - 1;
            let history: Vec<Money> = series[..today_idx].iter().map(|(_, m)| *m).collect();
            let today_half = Money::from_usd(series[today_idx].1.as_usd() / 2.0);
            let mtd: Money =
                series[56..today_idx].iter().map(|(_, m)| *m).sum::<Money>() + today_half;
            let actual: f64 = series[56..56 + 31].iter().map(|(_, m)| m.as_usd()).sum();
            let f = seasonal(&history, mtd, now);
            let err = (f.month_end.as_usd() - actual).abs() / actual;
            let lin = (month_end(mtd, now).month_end.as_usd() - actual).abs() / actual;
            inside += usize::from(f.low.as_usd() <= actual && actual <= f.high.as_usd());
            worst_seasonal = worst_seasonal.max(err);
            worst_linear = worst_linear.max(lin);
        }
        let coverage = inside as f64 / n as f64;
        assert!(
            coverage >= 0.7,
            "the 80 % band held the actual on {inside} of {n} days"
        );
        eprintln!(
            "worst error: seasonal {:.2}%, linear {:.2}%; band coverage {inside}/{n}",
            worst_seasonal * 100.0,
            worst_linear * 100.0
        );
        assert!(worst_seasonal < 0.05, "seasonal error {worst_seasonal}");
        assert!(
            worst_seasonal < worst_linear,
            "{worst_seasonal} vs linear {worst_linear}"
        );
    }

    /// A team that never works weekends: those days say nothing about the level. Exact
    /// history (no noise), so the forecast is exact: 11 weekdays left at $100 each.
    #[test]
    fn days_without_spend_by_pattern_do_not_drag_the_level_down() {
        let now = at(2026, 11, 16, 0); // a Monday
        let history: Vec<Money> = (0..28)
            .map(|i| {
                let d = now.date() - Duration::days(28 - i);
                let weekend = d.weekday().num_days_from_monday() >= 5;
                Money::from_usd(if weekend { 0.0 } else { 100.0 })
            })
            .collect();
        let f = seasonal(&history, Money::ZERO, now);
        assert!(
            (f.month_end.as_usd() - 1100.0).abs() < 0.01,
            "{}",
            f.month_end.as_usd()
        );
        assert_eq!((f.low, f.high), (f.month_end, f.month_end));
    }

    /// The daily rows are UTC days; at 20:00 on a Monday in Los Angeles it is already
    /// Tuesday in UTC, and Monday's row is still Monday's (weekdays $100, weekends $0).
    #[test]
    fn utc_day_rows_keep_their_weekdays_whatever_the_local_date() {
        let now = NaiveDate::from_ymd_opt(2026, 7, 28)
            .and_then(|d| d.and_hms_opt(3, 0, 0))
            .map(|d| d.and_utc().timestamp_millis())
            .unwrap_or_default();
        let (first, today) = history_range_ms(now);
        let rows = (first..today).step_by(86_400_000).map(|ms| {
            let d = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .date_naive();
            let weekend = d.weekday().num_days_from_monday() >= 5;
            (ms, Money::from_usd(if weekend { 0.0 } else { 100.0 }))
        });
        let tz: chrono_tz::Tz = "America/Los_Angeles".parse().unwrap();
        let f = seasonal_from_days(rows, Money::ZERO, now, tz);
        // The rest of Monday the 27th (4 of 24 hours), then Tuesday to Friday the 31st.
        let want = 100.0 * 4.0 / 24.0 + 400.0;
        assert!(
            (f.month_end.as_usd() - want).abs() < 0.01,
            "{} vs {want}",
            f.month_end.as_usd()
        );
    }

    #[test]
    fn seasonal_falls_back_to_linear_without_history() {
        let now = at(2026, 11, 11, 0);
        let short = vec![Money::from_usd(10.0); 5];
        assert_eq!(
            seasonal(&short, Money::from_usd(100.0), now),
            month_end(Money::from_usd(100.0), now)
        );
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

    #[test]
    fn daily_rows_become_history_from_the_first_day_with_spend() {
        let now = NaiveDate::from_ymd_opt(2026, 3, 20)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|d| d.and_utc().timestamp_millis())
            .unwrap_or_default();
        let (first, today) = history_range_ms(now);
        assert_eq!(today - first, HISTORY_DAYS * 86_400_000);
        let day = |i: i64| first + i * 86_400_000;
        let usd = Money::from_usd;
        // Two rows of one day add up; rows outside the range are ignored; 20 days of
        // history (36 .. 55), so the seasonal model runs over exactly those.
        let rows = vec![
            (day(-1), usd(1000.0)),
            (day(36), usd(1.0)),
            (day(36), usd(1.0)),
            (day(50), usd(2.0)),
            (today, usd(1000.0)),
        ];
        let mut history = vec![Money::ZERO; 20];
        history[0] = usd(2.0);
        history[14] = usd(2.0);
        let local = chrono::DateTime::from_timestamp_millis(now)
            .map(|d| d.naive_utc())
            .unwrap_or_default();
        assert_eq!(
            seasonal_from_days(rows, usd(10.0), now, chrono_tz::UTC),
            seasonal(&history, usd(10.0), local)
        );
    }
}
