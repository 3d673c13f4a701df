use super::*;

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

const TODAY: &str = "2026-11-12";

fn today() -> NaiveDate {
    d(TODAY)
}

fn span(p: Period) -> (String, String) {
    let s = p.span(today());
    (s.first.to_string(), s.last.to_string())
}

#[test]
fn every_word_covers_the_expected_dates() {
    let cases = [
        ("today", "2026-11-12", "2026-11-12", "today"),
        ("yesterday", "2026-11-11", "2026-11-11", "2026-11-11"),
        ("7d", "2026-11-06", "2026-11-12", "7d"),
        ("30d", "2026-10-14", "2026-11-12", "30d"),
        ("90d", "2026-08-15", "2026-11-12", "90d"),
        ("2w", "2026-10-30", "2026-11-12", "14d"),
        ("1y", "2025-11-13", "2026-11-12", "365d"),
        ("this-month", "2026-11-01", "2026-11-12", "this month"),
        ("month", "2026-11-01", "2026-11-12", "this month"),
        ("last-month", "2026-10-01", "2026-10-31", "last month"),
        ("2026-02", "2026-02-01", "2026-02-28", "2026-02"),
        ("2026-09-01", "2026-09-01", "2026-11-12", "since 2026-09-01"),
        ("20260901", "2026-09-01", "2026-11-12", "since 2026-09-01"),
        (
            "2026-09-01..2026-09-30",
            "2026-09-01",
            "2026-09-30",
            "2026-09-01..2026-09-30",
        ),
        // A range that ends today is named as the last N days.
        ("2026-11-06..2026-11-12", "2026-11-06", "2026-11-12", "7d"),
    ];
    for (word, first, last, label) in cases {
        let p = Period::parse(word, today()).unwrap_or_else(|e| panic!("{word}: {e}"));
        assert_eq!(span(p), (first.to_string(), last.to_string()), "{word}");
        assert_eq!(p.to_string(), label, "{word}");
    }
}

#[test]
fn bad_words_say_what_is_accepted() {
    for word in [
        "forever",
        "0d",
        "9999d",
        "2026-13-01",
        "2026-12-01",
        "2026-10-02..2026-10-01",
    ] {
        let e = Period::parse(word, today()).unwrap_err().to_string();
        assert!(e.contains(word) && e.contains("90d"), "{word}: {e}");
    }
}

#[test]
fn stepping_moves_by_the_period_length_and_stops_at_today() {
    let p = Period::LastDays(7);
    let back = p.step(-1, today()).unwrap();
    assert_eq!(span(back), ("2026-10-30".into(), "2026-11-05".into()));
    assert_eq!(back.step(1, today()), Some(Period::LastDays(7)));
    assert_eq!(p.step(1, today()), None);
    // Months step by calendar month, named canonically when they can be.
    let m = Period::ThisMonth.step(-1, today()).unwrap();
    assert_eq!(m, Period::LastMonth);
    let m2 = m.step(-1, today()).unwrap();
    assert_eq!(m2.to_string(), "2026-09");
    assert_eq!(span(m2), ("2026-09-01".into(), "2026-09-30".into()));
    assert_eq!(m2.step(1, today()), Some(Period::LastMonth));
    assert_eq!(Period::LastMonth.step(1, today()), Some(Period::ThisMonth));
    assert_eq!(Period::ThisMonth.step(1, today()), None);
    // Today steps to single days.
    let y = Period::Today.step(-1, today()).unwrap();
    assert_eq!(y.to_string(), "2026-11-11");
    assert_eq!(y.step(1, today()), Some(Period::Today));
    // 90 days back and forth.
    let q = Period::LastDays(90).step(-1, today()).unwrap();
    assert_eq!(span(q), ("2026-05-17".into(), "2026-08-14".into()));
}

#[test]
fn until_keeps_a_start_or_the_length() {
    let p = Period::Since(d("2026-09-01"))
        .until(d("2026-09-30"), today())
        .unwrap();
    assert_eq!(p, Period::Range(d("2026-09-01"), d("2026-09-30")));
    let p = Period::LastDays(30)
        .until(d("2026-09-30"), today())
        .unwrap();
    assert_eq!(span(p), ("2026-09-01".into(), "2026-09-30".into()));
    let p = Period::ThisMonth.until(d("2026-11-10"), today()).unwrap();
    assert_eq!(span(p), ("2026-11-01".into(), "2026-11-10".into()));
    assert!(
        Period::Since(d("2026-10-01"))
            .until(d("2026-09-30"), today())
            .is_err()
    );
}

#[test]
fn last_means_the_previous_calendar_unit() {
    assert_eq!(
        Period::parse_last("month", today()).unwrap(),
        Period::LastMonth
    );
    // 2026-11-12 is a Thursday: last week is Monday 11-02 to Sunday 11-08.
    let w = Period::parse_last("week", today()).unwrap();
    assert_eq!(span(w), ("2026-11-02".into(), "2026-11-08".into()));
    assert_eq!(
        Period::parse_last("90d", today()).unwrap(),
        Period::LastDays(90)
    );
    assert!(Period::parse_last("2026-09", today()).is_err());
}

#[test]
fn the_cycle_and_utc_ranges() {
    let mut p = Period::Today;
    let mut seen = vec![p.to_string()];
    for _ in 0..5 {
        p = p.next();
        seen.push(p.to_string());
    }
    assert_eq!(
        seen,
        ["today", "7d", "30d", "this month", "last month", "90d"]
    );
    assert_eq!(p.next(), Period::Today);
    assert_eq!(Period::Since(d("2026-01-01")).next(), Period::Today);
    let (a, b) = Period::Today.range_ms(today(), chrono_tz::Europe::Berlin);
    assert_eq!(b - a, 86_400_000);
    assert_eq!(
        chrono::DateTime::from_timestamp_millis(a)
            .unwrap()
            .to_rfc3339(),
        "2026-11-11T23:00:00+00:00"
    );
}
