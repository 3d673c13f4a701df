//! Alert rules as pure functions over plain numbers: spend spike against a trailing average,
//! a storm of 429s per minute, low suggestion acceptance, budget breach and forecast breach.
//! Each returns a `Finding` (rule, subject, value vs threshold) or `None`; the store keeps state.

use super::budget::BudgetLevel;
use super::{Money, UnixMillis};
use std::collections::BTreeMap;
use std::fmt;

/// Lifecycle of a stored alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertState {
    Firing,
    Acked,
    Snoozed,
    Resolved,
}

impl AlertState {
    pub const ALL: [AlertState; 4] = [
        AlertState::Firing,
        AlertState::Acked,
        AlertState::Snoozed,
        AlertState::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Firing => "firing",
            AlertState::Acked => "acked",
            AlertState::Snoozed => "snoozed",
            AlertState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<AlertState> {
        AlertState::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Critical, Severity::Warning, Severity::Info]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The rules agentdeck evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    SpendSpike,
    RateLimitStorm,
    LowAcceptance,
    BudgetBreach,
    BudgetForecast,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::SpendSpike,
        Rule::RateLimitStorm,
        Rule::LowAcceptance,
        Rule::BudgetBreach,
        Rule::BudgetForecast,
    ];

    /// Stable identifier stored in `alerts.rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SpendSpike => "spend_spike",
            Rule::RateLimitStorm => "rate_limit_storm",
            Rule::LowAcceptance => "low_acceptance",
            Rule::BudgetBreach => "budget_breach",
            Rule::BudgetForecast => "budget_forecast",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// One line saying when the rule fires, with the default thresholds.
    pub fn condition(self, t: &Thresholds) -> String {
        match self {
            Rule::SpendSpike => format!(
                "a subject's spend today ≥ {:.1}× its trailing {}-day daily average (and ≥ {})",
                t.spike_factor, t.spike_window_days, t.spike_min_today
            ),
            Rule::RateLimitStorm => format!(
                "≥ {} API errors with status 429 within one minute",
                t.storm_per_minute
            ),
            Rule::LowAcceptance => format!(
                "suggestion acceptance < {:.0}% over ≥ {} suggestions (Cursor, Copilot daily usage)",
                t.acceptance_min_ratio * 100.0,
                t.acceptance_min_suggestions
            ),
            Rule::BudgetBreach => "a team's month-to-date spend ≥ its monthly budget".to_string(),
            Rule::BudgetForecast => format!(
                "a team's month-end forecast (linear, estimate) ≥ {:.0}% of its monthly budget",
                t.forecast_ratio * 100.0
            ),
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::BudgetBreach | Rule::RateLimitStorm => Severity::Critical,
            Rule::SpendSpike | Rule::BudgetForecast => Severity::Warning,
            Rule::LowAcceptance => Severity::Info,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rule parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub spike_factor: f64,
    pub spike_window_days: usize,
    pub spike_min_today: Money,
    pub storm_per_minute: usize,
    pub acceptance_min_ratio: f64,
    pub acceptance_min_suggestions: i64,
    pub forecast_ratio: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            spike_factor: 3.0,
            spike_window_days: 14,
            spike_min_today: Money::from_micro_usd(20_000_000),
            storm_per_minute: 10,
            acceptance_min_ratio: 0.20,
            acceptance_min_suggestions: 200,
            forecast_ratio: 1.0,
        }
    }
}

/// What a rule found: enough to store an alert row.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    /// `team:platform`, `developer:a@b`, `source:cursor`, …
    pub subject: String,
    pub severity: Severity,
    pub value: f64,
    pub threshold: f64,
    pub message: String,
}

fn finding(
    rule: Rule,
    subject: impl Into<String>,
    value: f64,
    threshold: f64,
    message: String,
) -> Finding {
    Finding {
        rule,
        subject: subject.into(),
        severity: rule.severity(),
        value,
        threshold,
        message,
    }
}

/// Spend today against the average of the trailing days (oldest first; days without spend
/// count as zero). Needs at least three trailing days to judge.
pub fn spend_spike(
    subject: &str,
    today: Money,
    trailing: &[Money],
    t: &Thresholds,
) -> Option<Finding> {
    let window = &trailing[trailing.len().saturating_sub(t.spike_window_days)..];
    if window.len() < 3 || today < t.spike_min_today {
        return None;
    }
    let average = window.iter().copied().sum::<Money>().as_usd() / window.len() as f64;
    let limit = average * t.spike_factor;
    (today.as_usd() >= limit).then(|| {
        finding(
            Rule::SpendSpike,
            subject.to_string(),
            today.as_usd(),
            limit,
            format!(
                "spend today {today} is {:.1}× the {}-day average ${average:.2}",
                today.as_usd() / average.max(0.01),
                window.len()
            ),
        )
    })
}

/// Timestamps of API errors with status 429: fires when one UTC minute holds at least
/// `storm_per_minute` of them. The value is the worst minute's count.
pub fn rate_limit_storm(
    subject: &str,
    error_429_ts: &[UnixMillis],
    t: &Thresholds,
) -> Option<Finding> {
    let mut per_minute: BTreeMap<i64, usize> = BTreeMap::new();
    for ts in error_429_ts {
        *per_minute.entry(ts.div_euclid(60_000)).or_default() += 1;
    }
    let (minute, worst) = per_minute.into_iter().max_by_key(|&(m, n)| (n, -m))?;
    (worst >= t.storm_per_minute).then(|| {
        finding(
            Rule::RateLimitStorm,
            subject.to_string(),
            worst as f64,
            t.storm_per_minute as f64,
            format!(
                "{worst} rate-limited requests (429) in the minute from {}",
                chrono::DateTime::from_timestamp_millis(minute * 60_000)
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
        )
    })
}

/// Acceptance of vendor suggestions (daily_usage sums over a period).
pub fn low_acceptance(
    subject: &str,
    suggestions: i64,
    acceptances: i64,
    t: &Thresholds,
) -> Option<Finding> {
    if suggestions < t.acceptance_min_suggestions || suggestions <= 0 {
        return None;
    }
    let ratio = acceptances as f64 / suggestions as f64;
    (ratio < t.acceptance_min_ratio).then(|| {
        finding(
            Rule::LowAcceptance,
            subject.to_string(),
            ratio,
            t.acceptance_min_ratio,
            format!(
                "{acceptances} of {suggestions} suggestions accepted ({:.0}%)",
                ratio * 100.0
            ),
        )
    })
}

/// A team's budget (the one rule in [`super::budget`]): a breach when month-to-date spend
/// reaches it, else a forecast breach when the month-end forecast reaches `forecast_ratio` of
/// it. No budget, no finding.
pub fn budget(
    team: &str,
    month_to_date: Money,
    forecast: Money,
    budget: Option<Money>,
    t: &Thresholds,
) -> Option<Finding> {
    let state = super::budget::assess(month_to_date, forecast, budget, t.forecast_ratio)?;
    let (budget, subject) = (state.budget, format!("team:{team}"));
    match state.level {
        BudgetLevel::Over => Some(finding(
            Rule::BudgetBreach,
            subject,
            month_to_date.as_usd(),
            budget.as_usd(),
            format!("month-to-date spend {month_to_date} has reached the {budget} monthly budget"),
        )),
        BudgetLevel::ForecastOver => Some(finding(
            Rule::BudgetForecast,
            subject,
            forecast.as_usd(),
            budget.as_usd() * t.forecast_ratio,
            format!("month-end forecast {forecast} (estimate) exceeds the {budget} budget"),
        )),
        BudgetLevel::Within => None,
    }
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
