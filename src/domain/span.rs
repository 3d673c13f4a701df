//! The period a user looks at — today, the last N days, this or last month, a calendar month,
//! a date range — and the local dates it covers. The console (`p`, `[` / `]`, `:since 90d`,
//! `:range A..B`) and `report` (`--since 90d`, `--last month`) read the same words.
//! See docs/console.md#periods.

use super::period::local_day_start_ms;
use chrono::{Datelike, Duration, Months, NaiveDate};
use chrono_tz::Tz;
use std::fmt;

/// The longest span a period may cover (about ten years): beyond it a typo, not a question.
pub const MAX_DAYS: i64 = 3_660;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Today,
    /// The last `n` days, today included (`7d` is today and the six days before).
    LastDays(u32),
    ThisMonth,
    LastMonth,
    /// A calendar month, by its first day.
    Month(NaiveDate),
    /// From a date through today.
    Since(NaiveDate),
    /// Local dates `first..=last`.
    Range(NaiveDate, NaiveDate),
}

/// Local dates `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DateSpan {
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// UTC `[since, until)` in milliseconds: local midnight of `first` to that after `last`.
    pub fn range_ms(&self, tz: Tz) -> (i64, i64) {
        (
            local_day_start_ms(self.first, tz),
            local_day_start_ms(self.last + Duration::days(1), tz),
        )
    }

    /// Every date of the span, oldest first.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let first = self.first;
        (0..self.days()).map(move |i| first + Duration::days(i))
    }
}

/// A period that cannot be read, with what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}`: {why} (use {HELP})")]
pub struct PeriodError {
    pub given: String,
    pub why: String,
}

/// The forms every period parser accepts, for messages and help.
pub const HELP: &str = "today, yesterday, 7d, 30d, 90d, 2w, 1y, this-month, last-month, \
                        2026-09 (a month), 2026-09-01 (since), 2026-09-01..2026-09-30";

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn add_months(month_first: NaiveDate, n: i32) -> NaiveDate {
    let shifted = if n >= 0 {
        month_first.checked_add_months(Months::new(n.unsigned_abs()))
    } else {
        month_first.checked_sub_months(Months::new(n.unsigned_abs()))
    };
    shifted.unwrap_or(month_first)
}

fn last_of_month(month_first: NaiveDate) -> NaiveDate {
    add_months(month_first, 1) - Duration::days(1)
}

/// `2026-01-09` or `20260109`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
        .ok()
}

/// `7d`, `2w`, `1y` (and `3m`, thirty days a month) as a number of days.
fn parse_span_days(s: &str) -> Option<i64> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().ok()?;
    let per = match unit {
        "d" | "day" | "days" => 1,
        "w" | "week" | "weeks" => 7,
        "m" | "mo" => 30,
        "y" | "year" | "years" => 365,
        _ => return None,
    };
    n.checked_mul(per)
}

impl Period {
    /// What `p` cycles through, in order.
    pub const CYCLE: [Period; 6] = [
        Period::Today,
        Period::LastDays(7),
        Period::LastDays(30),
        Period::ThisMonth,
        Period::LastMonth,
        Period::LastDays(90),
    ];

    /// The next period of [`Period::CYCLE`]; a period outside it starts the cycle over.
    pub fn next(self) -> Period {
        let at = Period::CYCLE.iter().position(|p| *p == self);
        match at {
            Some(i) => Period::CYCLE[(i + 1) % Period::CYCLE.len()],
            None => Period::CYCLE[0],
        }
    }

    /// The local dates covered when today is `today`.
    pub fn span(self, today: NaiveDate) -> DateSpan {
        let (first, last) = match self {
            Period::Today => (today, today),
            Period::LastDays(n) => (today - Duration::days(i64::from(n.max(1)) - 1), today),
            Period::ThisMonth => (first_of_month(today), today),
            Period::LastMonth => {
                let first = add_months(first_of_month(today), -1);
                (first, last_of_month(first))
            }
            Period::Month(first) => (first, last_of_month(first)),
            Period::Since(first) => (first, today.max(first)),
            Period::Range(first, last) => (first, last.max(first)),
        };
        DateSpan { first, last }
    }

    /// UTC `[since, until)` of [`Period::span`] in `tz`.
    pub fn range_ms(self, today: NaiveDate, tz: Tz) -> (i64, i64) {
        self.span(today).range_ms(tz)
    }

    /// Reads a period word (see [`HELP`]). A date alone means "since that date".
    pub fn parse(s: &str, today: NaiveDate) -> Result<Period, PeriodError> {
        let given = s.trim().to_ascii_lowercase();
        let err = |why: &str| PeriodError {
            given: s.trim().to_string(),
            why: why.to_string(),
        };
        let p = match given.as_str() {
            "" => return Err(err("empty")),
            "today" | "1d" | "day" => Period::Today,
            "yesterday" => {
                let y = today - Duration::days(1);
                Period::Range(y, y)
            }
            "week" => Period::LastDays(7),
            "month" | "mtd" | "this-month" | "thismonth" | "this_month" | "this month" => {
                Period::ThisMonth
            }
            "last-month" | "lastmonth" | "last_month" | "last month" | "prev-month" => {
                Period::LastMonth
            }
            w => {
                if let Some((a, b)) = w.split_once("..") {
                    let first = parse_date(a.trim()).ok_or_else(|| err("not a date range"))?;
                    let last = parse_date(b.trim()).ok_or_else(|| err("not a date range"))?;
                    if first > last {
                        return Err(err("the range ends before it starts"));
                    }
                    Period::Range(first, last)
                } else if let Some(d) = parse_date(w) {
                    if d > today {
                        return Err(err("that date is in the future"));
                    }
                    Period::Since(d)
                } else if let Ok(m) = NaiveDate::parse_from_str(&format!("{w}-01"), "%Y-%m-%d") {
                    Period::Month(m)
                } else if let Some(days) = parse_span_days(w) {
                    if !(1..=MAX_DAYS).contains(&days) {
                        return Err(err("a span of 1 day to 10 years"));
                    }
                    if days == 1 {
                        Period::Today
                    } else {
                        Period::LastDays(days as u32)
                    }
                } else {
                    return Err(err("not a period"));
                }
            }
        };
        let span = p.span(today);
        if span.days() > MAX_DAYS {
            return Err(err("longer than 10 years"));
        }
        Ok(p.normalized(today))
    }

    /// `--last X` / `:last X`: the previous calendar month or week, or the last N days.
    pub fn parse_last(s: &str, today: NaiveDate) -> Result<Period, PeriodError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "month" => Ok(Period::LastMonth),
            "week" => {
                let monday =
                    today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                Ok(Period::Range(
                    monday - Duration::days(7),
                    monday - Duration::days(1),
                ))
            }
            "day" => Ok(Period::parse("yesterday", today)?),
            other => match Period::parse(other, today)? {
                p @ (Period::LastDays(_) | Period::Today) => Ok(p),
                _ => Err(PeriodError {
                    given: s.trim().to_string(),
                    why: "use month, week, day or a span such as 90d".into(),
                }),
            },
        }
    }

    /// `:until D`: the period ending at `last`. A period with a start of its own (a date, a
    /// range, a month) keeps it; the last N days stay N days long.
    pub fn until(self, last: NaiveDate, today: NaiveDate) -> Result<Period, PeriodError> {
        let span = self.span(today);
        let first = match self {
            Period::Today | Period::LastDays(_) => last - Duration::days(span.days() - 1),
            _ => span.first,
        };
        if first > last {
            return Err(PeriodError {
                given: last.to_string(),
                why: format!("the period starts on {first}, after that date"),
            });
        }
        Ok(Period::Range(first, last).normalized(today))
    }

    /// The period as long as this one just before (`dir < 0`) or after it. `None` when the
    /// step would start after today.
    pub fn step(self, dir: i32, today: NaiveDate) -> Option<Period> {
        let dir = dir.signum();
        let month = match self {
            Period::ThisMonth => Some(first_of_month(today)),
            Period::LastMonth => Some(add_months(first_of_month(today), -1)),
            Period::Month(m) => Some(m),
            _ => None,
        };
        let next = match month {
            Some(m) => Period::Month(add_months(m, dir)),
            None => {
                let span = self.span(today);
                let shift = Duration::days(span.days() * i64::from(dir));
                Period::Range(span.first + shift, span.last + shift)
            }
        };
        (next.span(today).first <= today).then(|| next.normalized(today))
    }

    /// The canonical name of the same dates: a range that ends today is "the last N days",
    /// this month's and last month's first days are `ThisMonth` and `LastMonth`.
    fn normalized(self, today: NaiveDate) -> Period {
        let this_month = first_of_month(today);
        match self {
            Period::Month(m) if m == this_month => Period::ThisMonth,
            Period::Month(m) if m == add_months(this_month, -1) => Period::LastMonth,
            Period::Range(first, last) if last == today => {
                let days = (last - first).num_days() + 1;
                if first == this_month && days > 1 {
                    Period::ThisMonth
                } else if days == 1 {
                    Period::Today
                } else {
                    Period::LastDays(days as u32)
                }
            }
            Period::Range(first, last)
                if first == add_months(this_month, -1)
                    && last == this_month - Duration::days(1) =>
            {
                Period::LastMonth
            }
            Period::LastDays(1) => Period::Today,
            p => p,
        }
    }
}

impl fmt::Display for Period {
    /// `today`, `7d`, `this month`, `last month`, `2025-12`, `since 2026-09-01`,
    /// `2026-09-01..2026-09-30` (one day: `2026-09-01`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Today => f.write_str("today"),
            Period::LastDays(n) => write!(f, "{n}d"),
            Period::ThisMonth => f.write_str("this month"),
            Period::LastMonth => f.write_str("last month"),
            Period::Month(m) => write!(f, "{}", m.format("%Y-%m")),
            Period::Since(d) => write!(f, "since {d}"),
            Period::Range(a, b) if a == b => write!(f, "{a}"),
            Period::Range(a, b) => write!(f, "{a}..{b}"),
        }
    }
}

#[cfg(test)]
#[path = "span_tests.rs"]
mod tests;
