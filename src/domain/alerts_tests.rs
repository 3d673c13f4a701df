//! Table-driven tests of the built-in rules and the lifecycle step in `alerts.rs`.

use super::*;

fn usd(v: f64) -> Money {
    Money::from_usd(v)
}

#[test]
fn spend_spike_table() {
    let flat = [usd(10.0); 14];
    let cases: [(&str, Money, &[Money], bool); 6] = [
        ("2x the weekly average fires", usd(20.0), &flat, true),
        ("just under 2x", usd(19.9), &flat, false),
        ("below the minimum spend", usd(15.0), &[usd(1.0); 14], false),
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
            "only the last 7 days count",
            usd(40.0),
            &[[usd(1000.0)].as_slice(), &flat].concat(),
            true,
        ),
    ];
    for (name, today, trailing, fires) in cases {
        assert_eq!(
            spend_spike("team:x", today, trailing).is_some(),
            fires,
            "{name}"
        );
    }
}

#[test]
fn rate_limit_storm_counts_per_minute() {
    let burst: Vec<i64> = (0..12).map(|i| 120_000 + i * 4_000).collect(); // 48 s, same minute
    let spread: Vec<i64> = (0..30).map(|i| i * 20_000).collect(); // 3 per minute
    // 18 in 51 s from 12:00:33: 9 in each clock minute, but all within one minute.
    let straddling: Vec<i64> = (0..18).map(|i| 33_000 + i * 3_000).collect();
    let cases: [(&str, &[i64], Option<f64>); 4] = [
        ("burst", &burst, Some(12.0)),
        ("spread", &spread, None),
        ("straddling", &straddling, Some(18.0)),
        ("none", &[], None),
    ];
    for (name, ts, want) in cases {
        assert_eq!(
            rate_limit_storm("developer:a", ts).map(|f| f.value),
            want,
            "{name}"
        );
    }
}

#[test]
fn low_acceptance_table_and_the_view_flag_agree() {
    let rules = default_rules();
    let cases = [
        (1000, 150, true),
        (1000, 200, false),
        (199, 0, false), // under the 200-suggestion minimum
        (200, 0, true),
        (0, 0, false),
    ];
    for (suggestions, accepted, fires) in cases {
        assert_eq!(
            low_acceptance("developer:a", suggestions, accepted).is_some(),
            fires,
            "{suggestions}/{accepted}"
        );
        assert_eq!(
            low_acceptance_flag(&rules, suggestions, accepted),
            fires,
            "flag {suggestions}/{accepted}"
        );
    }
}

#[test]
fn budget_table() {
    let cases = [
        (
            usd(1200.0),
            usd(2000.0),
            Some(usd(1000.0)),
            Some(names::BUDGET_BREACH),
        ),
        (
            usd(600.0),
            usd(1100.0),
            Some(usd(1000.0)),
            Some(names::BUDGET_FORECAST),
        ),
        (usd(400.0), usd(800.0), Some(usd(1000.0)), None),
        (usd(9000.0), usd(9000.0), None, None),
        (usd(10.0), usd(10.0), Some(Money::ZERO), None),
    ];
    for (mtd, forecast, b, want) in cases {
        assert_eq!(
            budget("team:platform", mtd, forecast, b).map(|f| f.rule),
            want.map(str::to_string),
            "{mtd} {forecast} {b:?}"
        );
    }
    let f = budget("team:p", usd(0.0021), usd(0.0021), Some(usd(0.0010))).unwrap();
    assert_eq!(f.unit.format(f.value), "$0.0021");
    assert_eq!(f.unit.format(f.threshold), "$0.0010");
}

#[test]
fn lifecycle_steps() {
    let open = Some(OpenAlert {
        id: 7,
        state: AlertState::Acked,
    });
    let h = HOUR_MS;
    assert_eq!(step(true, None, None, h, 0), Step::Fire);
    assert_eq!(step(true, open, None, h, 0), Step::Update(7));
    assert_eq!(step(false, open, None, h, 0), Step::Resolve(7));
    assert_eq!(step(true, None, Some(0), h, h / 2), Step::CoolingDown);
    assert_eq!(step(true, None, Some(0), h, h), Step::Fire);
    assert_eq!(step(false, None, Some(0), h, h), Step::Nothing);
}

#[test]
fn names_round_trip() {
    for s in AlertState::ALL {
        assert_eq!(AlertState::parse(s.as_str()), Some(s));
    }
    assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
    let rules = default_rules();
    for name in [
        names::SPEND_SPIKE_TEAM,
        names::SPEND_SPIKE_DEVELOPER,
        names::RATE_LIMIT_STORM,
        names::API_ERROR_SPIKE,
        names::LOW_ACCEPTANCE,
        names::BUDGET_FORECAST,
        names::BUDGET_BREACH,
        names::UNAPPROVED_AGENT,
        names::PERMISSION_SKIP,
    ] {
        assert!(rule_named(&rules, name).is_some(), "{name}");
    }
}
