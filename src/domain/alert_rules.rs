//! Alert rules as data: a metric over a scope, compared with a fixed threshold or with a
//! factor of its trailing baseline, with severity and cooldown. `default_rules` are the
//! built-ins (a config `[[alert]]` with the same name overrides one); `evaluate` turns one
//! subject's observation into a finding. Values carry their unit for display.

use super::alerts::Severity;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// What a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Priced spend over the window (USD).
    Spend,
    /// API errors with status 429 in the window's worst minute.
    RateLimited,
    /// API errors per request over the window.
    ApiErrorRate,
    /// Vendor suggestions accepted per suggestion over the window (Cursor, Copilot).
    AcceptanceRate,
    /// Month-end forecast against the scope's monthly budget (USD).
    BudgetForecast,
    /// Month-to-date spend against the scope's monthly budget (USD).
    BudgetSpent,
    /// Requests made with an agent or model that `[policy]` does not approve.
    UnapprovedUse,
    /// Sessions started with permission-skipping settings, where telemetry shows them.
    PermissionSkip,
}

/// How a value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Usd,
    /// A ratio shown as a percentage.
    Ratio,
    Count,
    PerMinute,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Usd => "usd",
            Unit::Ratio => "ratio",
            Unit::Count => "count",
            Unit::PerMinute => "per_minute",
        }
    }

    pub fn parse(s: &str) -> Option<Unit> {
        [Unit::Usd, Unit::Ratio, Unit::Count, Unit::PerMinute]
            .into_iter()
            .find(|u| u.as_str() == s)
    }

    /// `$0.0021`, `$12.40`, `$1,317`, `12.5%`, `0.4%`, `1,204`, `14/min`.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Usd => {
                let a = v.abs();
                if a == 0.0 {
                    "$0".into()
                } else if a < 0.01 {
                    format!("${v:.4}")
                } else if a < 1_000.0 {
                    format!("${v:.2}")
                } else {
                    format!("${}", thousands(v.round() as i64))
                }
            }
            Unit::Ratio => {
                let p = v * 100.0;
                if p.abs() < 10.0 && p.fract() != 0.0 {
                    format!("{p:.1}%")
                } else {
                    format!("{p:.0}%")
                }
            }
            Unit::Count => {
                if v.fract() == 0.0 {
                    thousands(v as i64)
                } else {
                    format!("{v:.1}")
                }
            }
            Unit::PerMinute => format!("{}/min", thousands(v.round() as i64)),
        }
    }
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Spend,
        Metric::RateLimited,
        Metric::ApiErrorRate,
        Metric::AcceptanceRate,
        Metric::BudgetForecast,
        Metric::BudgetSpent,
        Metric::UnapprovedUse,
        Metric::PermissionSkip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Spend => "spend",
            Metric::RateLimited => "rate_limited",
            Metric::ApiErrorRate => "api_error_rate",
            Metric::AcceptanceRate => "acceptance_rate",
            Metric::BudgetForecast => "budget_forecast",
            Metric::BudgetSpent => "budget_spent",
            Metric::UnapprovedUse => "unapproved_use",
            Metric::PermissionSkip => "permission_skip",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::Spend | Metric::BudgetForecast | Metric::BudgetSpent => Unit::Usd,
            Metric::RateLimited => Unit::PerMinute,
            Metric::ApiErrorRate | Metric::AcceptanceRate => Unit::Ratio,
            Metric::UnapprovedUse | Metric::PermissionSkip => Unit::Count,
        }
    }

    /// True when the threshold is a share of the subject's budget (1.0 = the budget).
    pub fn relative_to_budget(self) -> bool {
        matches!(self, Metric::BudgetForecast | Metric::BudgetSpent)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Org,
    Team,
    Developer,
    /// A project (repository) id as `report project` shows it.
    Project,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Org => "org",
            Scope::Team => "team",
            Scope::Developer => "developer",
            Scope::Project => "project",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Org, Scope::Team, Scope::Developer, Scope::Project]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Above,
    Below,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Above => "above",
            Comparison::Below => "below",
        }
    }

    pub fn parse(s: &str) -> Option<Comparison> {
        match s {
            "above" | ">=" | ">" => Some(Comparison::Above),
            "below" | "<" | "<=" => Some(Comparison::Below),
            _ => None,
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub name: String,
    pub metric: Metric,
    pub scope: Scope,
    pub comparison: Comparison,
    /// The span the value is measured over, ending now (budgets: the month so far).
    pub window_ms: i64,
    /// Fixed threshold in the metric's unit (budget metrics: a share of the budget).
    pub threshold: Option<f64>,
    /// Fire when the value is this many times its trailing baseline.
    pub anomaly_factor: Option<f64>,
    /// The trailing span the baseline averages (in windows of `window_ms`).
    pub baseline_ms: i64,
    /// Subjects whose volume (spend, requests, suggestions) is below this are not judged.
    pub min_volume: f64,
    pub severity: Severity,
    /// After an alert of this rule and subject resolves, it does not fire again for this long.
    pub cooldown_ms: i64,
    pub enabled: bool,
}

/// A subject's measured value for one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// `team:platform`, `developer:a@b`, `org`.
    pub subject: String,
    pub value: f64,
    /// What the value is measured over (spend, requests, suggestions); see `min_volume`.
    pub volume: f64,
    /// The trailing average per window, when enough history exists to judge.
    pub baseline: Option<f64>,
    /// The subject's budget (USD) for budget metrics; `None`: no budget, nothing to judge.
    pub budget: Option<f64>,
    /// Extra words for the message (`models: x, y`).
    pub detail: Option<String>,
}

impl Observation {
    pub fn new(subject: impl Into<String>, value: f64, volume: f64) -> Observation {
        Observation {
            subject: subject.into(),
            value,
            volume,
            baseline: None,
            budget: None,
            detail: None,
        }
    }
}

/// What a rule found: enough to store (and show) an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub subject: String,
    pub severity: Severity,
    pub value: f64,
    /// The effective threshold the value crossed, in the same unit.
    pub threshold: f64,
    pub unit: Unit,
    pub message: String,
}

/// The threshold `obs` is judged against, or `None` when the rule cannot judge it (no
/// budget, no baseline for an anomaly rule).
pub fn effective_threshold(rule: &RuleSpec, obs: &Observation) -> Option<f64> {
    let mut limit = match (rule.metric.relative_to_budget(), rule.threshold) {
        (true, t) => Some(obs.budget.filter(|b| *b > 0.0)? * t.unwrap_or(1.0)),
        (false, t) => t,
    };
    if let Some(factor) = rule.anomaly_factor {
        let anomaly = obs.baseline? * factor;
        limit = Some(match (limit, rule.comparison) {
            (None, _) => anomaly,
            (Some(l), Comparison::Above) => l.max(anomaly),
            (Some(l), Comparison::Below) => l.min(anomaly),
        });
    }
    limit
}

/// Judges one observation.
pub fn evaluate(rule: &RuleSpec, obs: &Observation) -> Option<Finding> {
    if !rule.enabled || obs.volume < rule.min_volume {
        return None;
    }
    let limit = effective_threshold(rule, obs)?;
    let crossed = match rule.comparison {
        // "Above 0" means any at all: a count of 1 crosses it.
        Comparison::Above => obs.value >= limit && !(limit == 0.0 && obs.value == 0.0),
        Comparison::Below => obs.value < limit,
    };
    if !crossed {
        return None;
    }
    let unit = rule.metric.unit();
    let mut message = format!(
        "{} {} is {} {} ({})",
        obs.subject,
        rule.metric.as_str().replace('_', " "),
        unit.format(obs.value),
        if rule.comparison == Comparison::Above {
            "≥"
        } else {
            "<"
        },
        describe_limit(rule, obs, limit)
    );
    if let Some(d) = &obs.detail {
        message.push_str("; ");
        message.push_str(d);
    }
    Some(Finding {
        rule: rule.name.clone(),
        subject: obs.subject.clone(),
        severity: rule.severity,
        value: obs.value,
        threshold: limit,
        unit,
        message,
    })
}

fn describe_limit(rule: &RuleSpec, obs: &Observation, limit: f64) -> String {
    let unit = rule.metric.unit();
    match (rule.anomaly_factor, obs.baseline, obs.budget) {
        (Some(f), Some(b), _) => format!(
            "{}, {:.1}× the trailing average {}",
            unit.format(limit),
            f,
            unit.format(b)
        ),
        (_, _, Some(budget)) if rule.metric.relative_to_budget() => format!(
            "{} of the {} monthly budget",
            Unit::Ratio.format(rule.threshold.unwrap_or(1.0)),
            Unit::Usd.format(budget)
        ),
        _ => format!("threshold {}", unit.format(limit)),
    }
}

#[cfg(test)]
#[path = "alert_rules_tests.rs"]
mod tests;
