//! Compact, labelled number formats shared by every view: money, token counts, ages,
//! durations and percentages. Pure functions of their inputs (the caller passes "now").

use crate::domain::Money;

/// `$1,234` above $1000, `$12.34` below, `$0.004` under a cent.
pub fn money(m: Money) -> String {
    let usd = m.as_usd();
    if usd.abs() >= 100_000.0 {
        format!("${:.0}k", usd / 1000.0)
    } else if usd.abs() >= 1000.0 {
        let whole = usd.round() as i64;
        format!("${},{:03}", whole / 1000, (whole % 1000).abs())
    } else {
        m.to_string()
    }
}

/// `950`, `12.3k`, `4.5M`, `1.2B`.
pub fn count(n: i64) -> String {
    let f = n as f64;
    match n.abs() {
        0..=999 => n.to_string(),
        1000..=999_999 => format!("{:.1}k", f / 1e3),
        1_000_000..=999_999_999 => format!("{:.1}M", f / 1e6),
        _ => format!("{:.1}B", f / 1e9),
    }
}

/// A duration in milliseconds as `45s`, `12m`, `3h 05m`, `4d`.
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// How long ago `ts_ms` was, relative to `now_ms`: `12s ago`, `3h 05m ago`.
pub fn ago(ts_ms: i64, now_ms: i64) -> String {
    if ts_ms > now_ms {
        return "just now".into();
    }
    format!("{} ago", duration(now_ms - ts_ms))
}

/// `42%` (or `–` when the denominator is zero).
/// Time since a start date, short: `12d`, `5mo`, `2y 3mo`.
pub fn tenure(days: i64) -> String {
    let days = days.max(0);
    if days < 60 {
        format!("{days}d")
    } else if days < 365 {
        format!("{}mo", days * 12 / 365)
    } else {
        let months = days * 12 / 365;
        match months % 12 {
            0 => format!("{}y", months / 12),
            m => format!("{}y {m}mo", months / 12),
        }
    }
}

pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        "–".into()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

pub fn ratio_percent(r: Option<f64>) -> String {
    r.map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// Local time of day `14:05` in `tz`.
pub fn clock_time(ts_ms: i64, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ts_ms)
        .map(|t| t.with_timezone(&tz).format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Local date and time `01-15 14:05` in `tz`.
pub fn date_time(ts_ms: i64, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ts_ms)
        .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A span `01-15 14:05:09 – 14:31:40` in `tz`: the end's date only when it is another day.
pub fn span(first_ms: i64, last_ms: i64, tz: chrono_tz::Tz) -> String {
    let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz));
    let (Some(a), Some(b)) = (at(first_ms), at(last_ms)) else {
        return String::new();
    };
    let end = if a.date_naive() == b.date_naive() {
        b.format("%H:%M:%S")
    } else {
        b.format("%m-%d %H:%M:%S")
    };
    format!("{} – {end}", a.format("%m-%d %H:%M:%S"))
}

/// Truncates to `width` display cells with an ellipsis.
pub fn fit(s: &str, width: usize) -> String {
    crate::tui::widgets::columns::fit(s, width)
}

/// Spend that may include unpriced requests: never `$0.00` when nothing was priced.
/// `unpriced` alone, or the priced part as usual (the count of unpriced requests is shown
/// next to it by the caller).
pub fn spend(m: Money, unpriced_requests: i64) -> String {
    if m.micro_usd() == 0 && unpriced_requests > 0 {
        "unpriced".to_string()
    } else {
        money(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_names_the_end_date_only_when_it_changes() {
        let ms = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
        };
        let utc = chrono_tz::UTC;
        assert_eq!(
            span(ms("2026-01-15T14:05:09Z"), ms("2026-01-15T14:31:40Z"), utc),
            "01-15 14:05:09 – 14:31:40"
        );
        assert_eq!(
            span(ms("2026-01-15T23:50:00Z"), ms("2026-01-16T00:10:00Z"), utc),
            "01-15 23:50:00 – 01-16 00:10:00"
        );
        // In Berlin both are on the 16th.
        assert_eq!(
            span(
                ms("2026-01-15T23:50:00Z"),
                ms("2026-01-16T00:10:00Z"),
                chrono_tz::Europe::Berlin
            ),
            "01-16 00:50:00 – 01:10:00"
        );
    }

    #[test]
    fn formats_are_compact_and_labelled() {
        assert_eq!(money(Money::from_usd(1234.4)), "$1,234");
        assert_eq!(money(Money::from_usd(12.345)), "$12.35");
        assert_eq!(count(12_345), "12.3k");
        assert_eq!(duration(3 * 3_600_000 + 5 * 60_000), "3h 05m");
        assert_eq!(tenure(0), "0d");
        assert_eq!(tenure(59), "59d");
        assert_eq!(tenure(200), "6mo");
        assert_eq!(tenure(365), "1y");
        assert_eq!(tenure(365 + 100), "1y 3mo");
        assert_eq!(ago(0, 90_000), "1m ago");
        assert_eq!(percent(1, 4), "25%");
        assert_eq!(percent(1, 0), "–");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(spend(Money::ZERO, 9), "unpriced");
        assert_eq!(spend(Money::ZERO, 0), "$0.00");
        assert_eq!(spend(Money::from_usd(2.5), 9), "$2.50");
    }
}
