//! Alerts: states and severities, the built-in rules (`default_rules`, the one threshold
//! definition views and the engine share), helpers that judge the common cases from plain
//! numbers, and the lifecycle step (fire, keep, resolve, cooldown) the engine applies.

pub use super::alert_rules::Finding;
use super::alert_rules::{
    Comparison, DAY_MS, HOUR_MS, Metric, Observation, RuleSpec, Scope, evaluate,
};
use super::{Money, UnixMillis};

/// Lifecycle of a stored alert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertState {
    #[default]
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    #[default]
    Warning,
    Info,
}

impl Severity {
    /// Ordered from least to most urgent, for `min_severity` comparisons.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
        }
    }

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

/// Names of the built-in rules.
pub mod names {
    pub const SPEND_SPIKE_TEAM: &str = "spend_spike_team";
    pub const SPEND_SPIKE_DEVELOPER: &str = "spend_spike_developer";
    pub const RATE_LIMIT_STORM: &str = "rate_limit_storm";
    pub const API_ERROR_SPIKE: &str = "api_error_spike";
    pub const LOW_ACCEPTANCE: &str = "low_acceptance";
    pub const BUDGET_FORECAST: &str = "budget_forecast";
    pub const BUDGET_BREACH: &str = "budget_breach";
    pub const PROJECT_BUDGET_FORECAST: &str = "budget_forecast_project";
    pub const PROJECT_BUDGET_BREACH: &str = "budget_breach_project";
    pub const UNAPPROVED_AGENT: &str = "unapproved_agent";
    pub const PERMISSION_SKIP: &str = "permission_skip";
}

#[allow(clippy::too_many_arguments)]
fn rule(
    name: &str,
    metric: Metric,
    scope: Scope,
    comparison: Comparison,
    window_ms: i64,
    threshold: Option<f64>,
    anomaly_factor: Option<f64>,
    min_volume: f64,
    severity: Severity,
    cooldown_ms: i64,
) -> RuleSpec {
    RuleSpec {
        name: name.into(),
        metric,
        scope,
        comparison,
        window_ms,
        threshold,
        anomaly_factor,
        baseline_ms: 7 * DAY_MS,
        min_volume,
        severity,
        cooldown_ms,
        enabled: true,
    }
}

/// The built-in rules. Views flag with these same thresholds (`rule_named`).
pub fn default_rules() -> Vec<RuleSpec> {
    let mut rules = team_and_developer_rules();
    // The two budget judgements again for projects with a budget (`[[project]]`).
    for (team_rule, name) in [
        (names::BUDGET_FORECAST, names::PROJECT_BUDGET_FORECAST),
        (names::BUDGET_BREACH, names::PROJECT_BUDGET_BREACH),
    ] {
        if let Some(mut r) = rules.iter().find(|r| r.name == team_rule).cloned() {
            r.name = name.into();
            r.scope = Scope::Project;
            rules.push(r);
        }
    }
    rules
}

fn team_and_developer_rules() -> Vec<RuleSpec> {
    use self::Severity::{Critical, Info, Warning};
    use super::alert_rules::Comparison::{Above, Below};
    vec![
        // Spend over the last day at least twice the trailing 7-day daily average.
        rule(
            names::SPEND_SPIKE_TEAM,
            Metric::Spend,
            Scope::Team,
            Above,
            DAY_MS,
            None,
            Some(2.0),
            20.0,
            Warning,
            12 * HOUR_MS,
        ),
        rule(
            names::SPEND_SPIKE_DEVELOPER,
            Metric::Spend,
            Scope::Developer,
            Above,
            DAY_MS,
            None,
            Some(2.0),
            20.0,
            Warning,
            12 * HOUR_MS,
        ),
        // 10 or more 429s within one minute in the last hour.
        rule(
            names::RATE_LIMIT_STORM,
            Metric::RateLimited,
            Scope::Developer,
            Above,
            HOUR_MS,
            Some(10.0),
            None,
            0.0,
            Critical,
            HOUR_MS,
        ),
        // An hour's API error rate at least 5 % and three times the trailing week's.
        rule(
            names::API_ERROR_SPIKE,
            Metric::ApiErrorRate,
            Scope::Org,
            Above,
            HOUR_MS,
            Some(0.05),
            Some(3.0),
            50.0,
            Warning,
            2 * HOUR_MS,
        ),
        // Under 20 % of at least 200 suggestions accepted over 7 days.
        rule(
            names::LOW_ACCEPTANCE,
            Metric::AcceptanceRate,
            Scope::Developer,
            Below,
            7 * DAY_MS,
            Some(0.20),
            None,
            200.0,
            Info,
            DAY_MS,
        ),
        rule(
            names::BUDGET_FORECAST,
            Metric::BudgetForecast,
            Scope::Team,
            Above,
            31 * DAY_MS,
            Some(1.0),
            None,
            0.0,
            Warning,
            DAY_MS,
        ),
        rule(
            names::BUDGET_BREACH,
            Metric::BudgetSpent,
            Scope::Team,
            Above,
            31 * DAY_MS,
            Some(1.0),
            None,
            0.0,
            Critical,
            DAY_MS,
        ),
        rule(
            names::UNAPPROVED_AGENT,
            Metric::UnapprovedUse,
            Scope::Developer,
            Above,
            DAY_MS,
            Some(0.0),
            None,
            0.0,
            Warning,
            DAY_MS,
        ),
        rule(
            names::PERMISSION_SKIP,
            Metric::PermissionSkip,
            Scope::Developer,
            Above,
            DAY_MS,
            Some(0.0),
            None,
            0.0,
            Warning,
            DAY_MS,
        ),
    ]
}

/// A built-in rule by name (always present for the names in [`names`]).
pub fn rule_named(rules: &[RuleSpec], name: &str) -> Option<RuleSpec> {
    rules.iter().find(|r| r.name == name).cloned()
}

fn builtin(name: &str) -> Option<RuleSpec> {
    rule_named(&default_rules(), name)
}

/// Whether a developer's vendor acceptance is flagged low: exactly what `low_acceptance`
/// fires on (the Costs view uses this; it reads the same 7-day window).
pub fn low_acceptance_flag(rules: &[RuleSpec], suggestions: i64, acceptances: i64) -> bool {
    rule_named(rules, names::LOW_ACCEPTANCE)
        .filter(|_| suggestions > 0)
        .and_then(|r| {
            evaluate(
                &r,
                &Observation::new(
                    "developer",
                    acceptances as f64 / suggestions as f64,
                    suggestions as f64,
                ),
            )
        })
        .is_some()
}

/// Spend of the last day against the average of the trailing days (oldest first; days
/// without spend count as zero), judged by the built-in spend-spike rule of the subject's
/// scope. Needs at least three trailing days to judge.
pub fn spend_spike(subject: &str, today: Money, trailing: &[Money]) -> Option<Finding> {
    let name = if subject.starts_with("team:") {
        names::SPEND_SPIKE_TEAM
    } else {
        names::SPEND_SPIKE_DEVELOPER
    };
    let r = builtin(name)?;
    let days = (r.baseline_ms / DAY_MS).max(1) as usize;
    let window = &trailing[trailing.len().saturating_sub(days)..];
    let mut obs = Observation::new(subject, today.as_usd(), today.as_usd());
    if window.len() >= 3 {
        obs.baseline = Some(window.iter().copied().sum::<Money>().as_usd() / window.len() as f64);
    }
    evaluate(&r, &obs)
}

/// The most 429 errors among `error_429_ts` within any 60 seconds (a sliding minute: a
/// burst that straddles the turn of a clock minute is one burst, not two halves).
pub fn worst_minute(error_429_ts: &[UnixMillis]) -> usize {
    let mut ts = error_429_ts.to_vec();
    ts.sort_unstable();
    let mut start = 0;
    let mut worst = 0;
    for end in 0..ts.len() {
        while ts[end] - ts[start] >= 60_000 {
            start += 1;
        }
        worst = worst.max(end + 1 - start);
    }
    worst
}

/// A storm of 429s: the worst minute against the built-in rule.
pub fn rate_limit_storm(subject: &str, error_429_ts: &[UnixMillis]) -> Option<Finding> {
    let worst = worst_minute(error_429_ts) as f64;
    evaluate(
        &builtin(names::RATE_LIMIT_STORM)?,
        &Observation::new(subject, worst, worst),
    )
}

/// Acceptance of vendor suggestions (sums over the rule's window).
pub fn low_acceptance(subject: &str, suggestions: i64, acceptances: i64) -> Option<Finding> {
    if suggestions <= 0 {
        return None;
    }
    evaluate(
        &builtin(names::LOW_ACCEPTANCE)?,
        &Observation::new(
            subject,
            acceptances as f64 / suggestions as f64,
            suggestions as f64,
        ),
    )
}

/// A subject's budget: a breach when month-to-date spend reaches it, else a forecast
/// breach when the month-end forecast does. No budget, no finding.
pub fn budget(
    subject: &str,
    month_to_date: Money,
    forecast: Money,
    budget: Option<Money>,
) -> Option<Finding> {
    let budget = budget.filter(|b| b.micro_usd() > 0)?.as_usd();
    let judge = |name: &str, value: Money| {
        let mut obs = Observation::new(subject, value.as_usd(), value.as_usd());
        obs.budget = Some(budget);
        evaluate(&builtin(name)?, &obs)
    };
    judge(names::BUDGET_BREACH, month_to_date).or_else(|| judge(names::BUDGET_FORECAST, forecast))
}

/// An open (not resolved) alert of one rule and subject, as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenAlert {
    pub id: i64,
    pub state: AlertState,
}

/// What the engine does for one (rule, subject) on an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A new crossing: store a firing alert and notify once.
    Fire,
    /// Still crossing: refresh the open alert's value, no notification.
    Update(i64),
    /// No longer crossing: resolve the open alert (by agentdeck) and notify.
    Resolve(i64),
    /// Crossing again within the cooldown after a resolution: stay quiet.
    CoolingDown,
    Nothing,
}

/// The lifecycle rule: one notification per crossing, none while cooling down.
pub fn step(
    crossing: bool,
    open: Option<OpenAlert>,
    last_resolved_at: Option<UnixMillis>,
    cooldown_ms: i64,
    now: UnixMillis,
) -> Step {
    match (crossing, open) {
        (true, Some(a)) => Step::Update(a.id),
        (false, Some(a)) => Step::Resolve(a.id),
        (true, None) if last_resolved_at.is_some_and(|at| now - at < cooldown_ms) => {
            Step::CoolingDown
        }
        (true, None) => Step::Fire,
        (false, None) => Step::Nothing,
    }
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
