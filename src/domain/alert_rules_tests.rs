//! Rule evaluation on crafted series — a spike, a slow drift, a recovery, a cooldown — run
//! through `evaluate` and the lifecycle `step`, counting notifications (no spam).

use super::*;
use crate::domain::alerts::{AlertState, OpenAlert, Step, default_rules, names, rule_named, step};

fn spike_rule() -> RuleSpec {
    rule_named(&default_rules(), names::SPEND_SPIKE_TEAM).unwrap()
}

/// Runs a daily spend series through the spike rule with a 7-day baseline, one evaluation
/// per hour-long step of `evals_per_day`, and returns the days on which a notification
/// (fire or resolve) went out.
fn run(series: &[f64], rule: &RuleSpec, evals_per_day: i64) -> (Vec<usize>, Vec<usize>) {
    let (mut fired, mut resolved) = (Vec::new(), Vec::new());
    let mut open: Option<OpenAlert> = None;
    let mut last_resolved: Option<i64> = None;
    let mut next_id = 1;
    for (day, today) in series.iter().enumerate().skip(7) {
        let trailing = &series[day - 7..day];
        for k in 0..evals_per_day {
            let now = day as i64 * DAY_MS + k * DAY_MS / evals_per_day;
            let mut obs = Observation::new("team:t", *today, *today);
            obs.baseline = Some(trailing.iter().sum::<f64>() / 7.0);
            let crossing = evaluate(rule, &obs).is_some();
            match step(crossing, open, last_resolved, rule.cooldown_ms, now) {
                Step::Fire => {
                    fired.push(day);
                    open = Some(OpenAlert {
                        id: next_id,
                        state: AlertState::Firing,
                    });
                    next_id += 1;
                }
                Step::Resolve(_) => {
                    resolved.push(day);
                    open = None;
                    last_resolved = Some(now);
                }
                Step::Update(_) | Step::CoolingDown | Step::Nothing => {}
            }
        }
    }
    (fired, resolved)
}

#[test]
fn a_spike_fires_once_and_resolves_on_recovery() {
    let mut series = vec![100.0; 20];
    series[10] = 260.0;
    series[11] = 250.0; // still high the next day: the same alert, no second notification
    let (fired, resolved) = run(&series, &spike_rule(), 24);
    assert_eq!(fired, vec![10]);
    assert_eq!(resolved, vec![12]);
}

#[test]
fn a_slow_drift_never_fires_an_anomaly_rule() {
    // +5 % a day for two weeks: each day is within 2× of its trailing week.
    let series: Vec<f64> = (0..30).map(|d| 100.0 * 1.05f64.powi(d)).collect();
    let (fired, _) = run(&series, &spike_rule(), 4);
    assert!(fired.is_empty(), "{fired:?}");
    // …while a fixed threshold catches the drift once it passes, and only once.
    let mut fixed = spike_rule();
    fixed.anomaly_factor = None;
    fixed.threshold = Some(300.0);
    let (fired, resolved) = run(&series, &fixed, 4);
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert!(resolved.is_empty());
}

#[test]
fn flapping_within_the_cooldown_notifies_once() {
    // Evaluated once a day: a spike, a calm day (resolved), a spike again 24 h after the
    // resolution — inside a 36 h cooldown, so quiet — then a spike days later: a new one.
    let mut rule = spike_rule();
    rule.cooldown_ms = 36 * HOUR_MS;
    let mut series = vec![100.0; 16];
    series[8] = 300.0;
    series[10] = 300.0; // resolved on day 9, back on day 10: inside 36 h
    series[14] = 400.0; // far enough (and above the spike-raised baseline): a new crossing
    let (fired, resolved) = run(&series, &rule, 1);
    assert_eq!(fired, vec![8, 14], "one notification per crossing");
    assert_eq!(resolved, vec![9, 15]);
}

#[test]
fn units_and_precision() {
    let cases = [
        (Unit::Usd, 0.0021, "$0.0021"),
        (Unit::Usd, 12.4, "$12.40"),
        (Unit::Usd, 1317.2, "$1,317"),
        (Unit::Ratio, 0.2, "20%"),
        (Unit::Ratio, 0.004, "0.4%"),
        (Unit::Ratio, 0.125, "12%"),
        (Unit::Count, 1204.0, "1,204"),
        (Unit::PerMinute, 14.0, "14/min"),
        (Unit::Usd, 0.0, "$0"),
    ];
    for (unit, v, want) in cases {
        assert_eq!(unit.format(v), want, "{unit:?} {v}");
    }
}

#[test]
fn anomaly_needs_a_baseline_and_budgets_need_a_budget() {
    let rule = spike_rule();
    let obs = Observation::new("team:t", 500.0, 500.0);
    assert_eq!(evaluate(&rule, &obs), None, "no history, no judgement");
    let breach = rule_named(&default_rules(), names::BUDGET_BREACH).unwrap();
    let mut obs = Observation::new("team:t", 1317.0, 1317.0);
    assert_eq!(evaluate(&breach, &obs), None);
    obs.budget = Some(1200.0);
    let f = evaluate(&breach, &obs).unwrap();
    assert_eq!((f.value, f.threshold, f.unit), (1317.0, 1200.0, Unit::Usd));
    assert!(
        f.message.contains("$1,317") && f.message.contains("$1,200"),
        "{}",
        f.message
    );
}
