//! Table-driven tests of the alert rules in `alerts.rs`.

use super::*;

fn usd(v: f64) -> Money {
    Money::from_usd(v)
}

#[test]
fn spend_spike_table() {
    let t = Thresholds::default();
    let flat = [usd(10.0); 14];
    let cases: [(&str, Money, &[Money], bool); 6] = [
        ("3x average fires", usd(30.0), &flat, true),
        ("just under 3x", usd(29.0), &flat, false),
        ("below the minimum", usd(15.0), &[usd(1.0); 14], false),
        (
            "too little history",
            usd(90.0),
            &[usd(10.0), usd(10.0)],
            false,
        ),
        (
            "quiet days count as zero",
            usd(25.0),
            &[usd(0.0), usd(0.0), usd(0.0), usd(20.0)],
            true,
        ),
        (
            "only the window counts",
            usd(40.0),
            &[[usd(1000.0)].as_slice(), &flat].concat(),
            true,
        ),
    ];
    for (name, today, trailing, fires) in cases {
        assert_eq!(
            spend_spike("team:x", today, trailing, &t).is_some(),
            fires,
            "{name}"
        );
    }
}

#[test]
fn rate_limit_storm_counts_per_minute() {
    let t = Thresholds::default();
    let burst: Vec<i64> = (0..12).map(|i| 120_000 + i * 4_000).collect(); // 48 s, same minute
    let spread: Vec<i64> = (0..30).map(|i| i * 20_000).collect(); // 3 per minute
    let cases: [(&str, &[i64], Option<f64>); 3] = [
        ("burst", &burst, Some(12.0)),
        ("spread", &spread, None),
        ("none", &[], None),
    ];
    for (name, ts, want) in cases {
        assert_eq!(
            rate_limit_storm("source:claude_code", ts, &t).map(|f| f.value),
            want,
            "{name}"
        );
    }
}

#[test]
fn low_acceptance_table() {
    let t = Thresholds::default();
    let cases = [
        (1000, 150, true),
        (1000, 200, false),
        (100, 0, false),
        (0, 0, false),
    ];
    for (suggestions, accepted, fires) in cases {
        assert_eq!(
            low_acceptance("developer:a", suggestions, accepted, &t).is_some(),
            fires,
            "{suggestions}/{accepted}"
        );
    }
}

#[test]
fn budget_table() {
    let t = Thresholds::default();
    let cases = [
        (
            usd(1200.0),
            usd(2000.0),
            Some(usd(1000.0)),
            Some(Rule::BudgetBreach),
        ),
        (
            usd(600.0),
            usd(1100.0),
            Some(usd(1000.0)),
            Some(Rule::BudgetForecast),
        ),
        (usd(400.0), usd(800.0), Some(usd(1000.0)), None),
        (usd(9000.0), usd(9000.0), None, None),
        (usd(10.0), usd(10.0), Some(Money::ZERO), None),
    ];
    for (mtd, forecast, b, want) in cases {
        assert_eq!(
            budget("platform", mtd, forecast, b, &t).map(|f| f.rule),
            want,
            "{mtd} {forecast} {b:?}"
        );
    }
}

#[test]
fn names_round_trip() {
    for r in Rule::ALL {
        assert_eq!(Rule::parse(r.as_str()), Some(r));
        assert!(!r.condition(&Thresholds::default()).is_empty());
    }
    for s in AlertState::ALL {
        assert_eq!(AlertState::parse(s.as_str()), Some(s));
    }
    assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
}
