//! How measured sums become the observations the alert rules judge, whatever store they
//! were summed in (the local SQLite store, the team server's PostgreSQL): one subject per
//! scope key, the baseline and history rules, the detail words.

use super::Money;
use super::alert_rules::{Metric, Observation, Scope};
use super::alerts::worst_minute;
use super::forecast::Forecast;
use std::collections::BTreeMap;

/// The subject an observation of `scope` is about (`team:platform`, `developer:a@b`).
pub fn subject(scope: Scope, key: &str) -> String {
    match scope {
        Scope::Org => "org".into(),
        Scope::Team => format!("team:{key}"),
        Scope::Developer => format!("developer:{key}"),
        Scope::Project => format!("project:{key}"),
    }
}

/// A model matches a pattern exactly, or by prefix when the pattern ends in `*`.
pub fn model_approved(model: &str, patterns: &[String]) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => model.starts_with(prefix),
            None => model == p,
        })
}

/// Spend in the window per key, judged against the trailing baseline's average per window
/// (`periods` windows long) only when `history` (enough days behind it) exists.
pub fn spend(
    scope: Scope,
    current: BTreeMap<String, Money>,
    baseline: &BTreeMap<String, Money>,
    periods: f64,
    history: bool,
) -> Vec<Observation> {
    current
        .into_iter()
        .map(|(key, spent)| {
            let mut o = Observation::new(subject(scope, &key), spent.as_usd(), spent.as_usd());
            if history {
                let b = baseline.get(&key).copied().unwrap_or_default();
                o.baseline = Some(b.as_usd() / periods.max(1.0));
            }
            o
        })
        .collect()
}

/// The worst minute of 429 answers per key.
pub fn rate_limited(scope: Scope, by_key: BTreeMap<String, Vec<i64>>) -> Vec<Observation> {
    by_key
        .into_iter()
        .map(|(k, ts)| {
            let worst = worst_minute(&ts) as f64;
            Observation::new(subject(scope, &k), worst, worst)
        })
        .collect()
}

/// API errors per request, from (errors, requests) per key, with the baseline's rate.
pub fn api_error_rate(
    scope: Scope,
    current: BTreeMap<String, (i64, i64)>,
    baseline: &BTreeMap<String, (i64, i64)>,
) -> Vec<Observation> {
    current
        .into_iter()
        .map(|(k, (errors, requests))| {
            let rate = errors as f64 / (requests.max(errors)).max(1) as f64;
            let mut o = Observation::new(subject(scope, &k), rate, requests as f64);
            o.baseline = baseline
                .get(&k)
                .filter(|(_, r)| *r > 0)
                .map(|(e, r)| *e as f64 / (*r).max(*e) as f64);
            o.detail = Some(format!("{errors} errors in {requests} requests"));
            o
        })
        .collect()
}

/// Requests by agents or models outside the policy, from (key, agent, model, requests).
pub fn unapproved_use(
    scope: Scope,
    rows: impl IntoIterator<Item = (String, String, String, i64)>,
    approved_agents: &[String],
    approved_models: &[String],
) -> Vec<Observation> {
    let mut by: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for (k, agent, model, n) in rows {
        let agent_ok = approved_agents.is_empty() || approved_agents.contains(&agent);
        if agent_ok && model_approved(&model, approved_models) {
            continue;
        }
        let e = by.entry(k).or_default();
        e.0 += n;
        e.1.push(format!("{agent}/{model}"));
    }
    by.into_iter()
        .map(|(k, (n, what))| {
            let mut o = Observation::new(subject(scope, &k), n as f64, n as f64);
            o.detail = Some(format!("not approved: {}", what.join(", ")));
            o
        })
        .collect()
}

/// A count per key (sessions started with permission-skipping flags).
pub fn counts(scope: Scope, rows: impl IntoIterator<Item = (String, i64)>) -> Vec<Observation> {
    rows.into_iter()
        .map(|(k, n)| Observation::new(subject(scope, &k), n as f64, n as f64))
        .collect()
}

/// The first UTC day (`YYYY-MM-DD`) of vendor daily usage an acceptance rule of
/// `window_ms` reads at `now_ms`: whole vendor days, today included, at least one.
pub fn acceptance_since_day(now_ms: i64, window_ms: i64) -> String {
    let days = (window_ms / 86_400_000).max(1);
    chrono::DateTime::from_timestamp_millis(now_ms)
        .map(|d| (d.date_naive() - chrono::Duration::days(days - 1)).to_string())
        .unwrap_or_default()
}

/// Acceptance per key from (key, suggestions, acceptances) summed over the window's
/// per-developer vendor days: accepted share of suggestions, weighed by the suggestions
/// (the rules' minimum volume); a key without suggestions is not judged.
pub fn acceptance(
    scope: Scope,
    rows: impl IntoIterator<Item = (String, i64, i64)>,
) -> Vec<Observation> {
    rows.into_iter()
        .filter(|(_, suggestions, _)| *suggestions > 0)
        .map(|(k, s, a)| {
            let mut o = Observation::new(subject(scope, &k), a as f64 / s as f64, s as f64);
            o.detail = Some(format!("{a} of {s} suggestions accepted"));
            o
        })
        .collect()
}

/// Budget rules: per budgeted key (team name or project id) with its own monthly budget and
/// forecast, the month-to-date spend (`BudgetSpent`) or the month-end forecast
/// (`BudgetForecast`) judged against that budget.
pub fn budget(
    scope: Scope,
    metric: Metric,
    rows: Vec<(String, Money, Forecast)>,
) -> Vec<Observation> {
    rows.into_iter()
        .map(|(key, budget, f)| {
            let value = if metric == Metric::BudgetSpent {
                f.month_to_date
            } else {
                f.month_end
            };
            let mut o = Observation::new(subject(scope, &key), value.as_usd(), value.as_usd());
            o.budget = Some(budget.as_usd());
            if metric == Metric::BudgetForecast {
                o.detail = Some(format!("forecast (estimate) {}–{}", f.low, f.high));
            }
            o
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rate_never_exceeds_one_and_keeps_the_baseline_rate() {
        let mut current = BTreeMap::new();
        current.insert("a".to_string(), (5, 2));
        let mut base = BTreeMap::new();
        base.insert("a".to_string(), (1, 10));
        let o = api_error_rate(Scope::Developer, current, &base);
        assert_eq!(o[0].subject, "developer:a");
        assert_eq!(o[0].value, 1.0);
        assert_eq!(o[0].baseline, Some(0.1));
    }

    #[test]
    fn spend_has_a_baseline_only_with_history() {
        let mut current = BTreeMap::new();
        current.insert("t".to_string(), Money::from_micro_usd(3_000_000));
        let mut base = BTreeMap::new();
        base.insert("t".to_string(), Money::from_micro_usd(14_000_000));
        assert_eq!(
            spend(Scope::Team, current.clone(), &base, 7.0, true)[0].baseline,
            Some(2.0)
        );
        assert_eq!(
            spend(Scope::Team, current, &base, 7.0, false)[0].baseline,
            None
        );
    }

    #[test]
    fn approved_use_is_not_counted() {
        let rows = vec![
            (
                "a".to_string(),
                "claude_code".to_string(),
                "claude-sonnet-4".to_string(),
                3,
            ),
            ("a".to_string(), "codex".to_string(), "gpt-5".to_string(), 2),
        ];
        let o = unapproved_use(Scope::Developer, rows, &["claude_code".into()], &[]);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].value, 2.0);
        assert_eq!(o[0].detail.as_deref(), Some("not approved: codex/gpt-5"));
    }
}
