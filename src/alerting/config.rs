//! The alert engine's settings as the config file writes them (`[[alert]]`, `[[webhook]]`,
//! `[policy]`), and how they become rule specs: a config rule with a built-in's name
//! overrides the fields it sets; any other name is a new rule and must say what it measures.

use crate::domain::alert_rules::{Comparison, Metric, RuleSpec, Scope};
use crate::domain::alerts::{Severity, default_rules};
use serde::Deserialize;

/// `[[alert]]`: a rule, or an override of a built-in one with the same `name`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRuleConfig {
    pub name: String,
    pub metric: Option<String>,
    pub scope: Option<String>,
    /// `above` or `below`.
    pub comparison: Option<String>,
    /// `1h`, `1d`, `7d`, …
    pub window: Option<String>,
    pub threshold: Option<f64>,
    /// Fire when the value is this many times its trailing baseline (1.5 = 50 % above).
    pub anomaly_factor: Option<f64>,
    /// The trailing baseline's length (`7d`).
    pub baseline: Option<String>,
    /// Subjects whose volume (spend, requests, suggestions) is below this are not judged.
    pub min_volume: Option<f64>,
    pub severity: Option<String>,
    pub cooldown: Option<String>,
    pub enabled: Option<bool>,
}

/// `[[webhook]]`: where notifications go.
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    /// The environment variable holding the URL (webhook URLs are secrets).
    pub url_env: Option<String>,
    /// The URL itself (the config file must then not be readable by others).
    pub url: Option<String>,
    /// `slack` (Slack-compatible `{"text": …}`) or `json` (the alert as a document).
    pub format: Option<String>,
    /// `info`, `warning` or `critical`: notify from this severity up (default warning).
    pub min_severity: Option<String>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("url_env", &self.url_env)
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("format", &self.format)
            .finish()
    }
}

/// `[policy]`: what is approved; anything else in use fires `unapproved_agent`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySection {
    /// Agent ids (`claude_code`, `codex`, …); empty = every agent is approved.
    pub approved_agents: Vec<String>,
    /// Model names or prefixes ending in `*` (`claude-sonnet-*`); empty = every model.
    pub approved_models: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[[alert]] `{rule}`: {problem}")]
pub struct RuleConfigError {
    pub rule: String,
    pub problem: String,
}

fn span_ms(rule: &str, field: &str, text: &str) -> Result<i64, RuleConfigError> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| RuleConfigError {
        rule: rule.into(),
        problem: format!("{field} `{text}`: {e} (use e.g. 1h, 1d, 7d)"),
    })?;
    if d.is_zero() && field != "cooldown" {
        return Err(RuleConfigError {
            rule: rule.into(),
            problem: format!("{field} `{text}`: must be longer than 0 (use e.g. 1h, 1d, 7d)"),
        });
    }
    Ok(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4))
}

/// The effective rules: the built-ins, with config overrides and additions applied.
pub fn effective_rules(config: &[AlertRuleConfig]) -> Result<Vec<RuleSpec>, RuleConfigError> {
    let mut rules = default_rules();
    for (i, c) in config.iter().enumerate() {
        let err = |problem: String| RuleConfigError {
            rule: c.name.clone(),
            problem,
        };
        if c.name.trim().is_empty() {
            return Err(err("every [[alert]] needs a name".into()));
        }
        if config[..i].iter().any(|earlier| earlier.name == c.name) {
            return Err(err(
                "defined twice (one [[alert]] per name; the second would silently take the first's settings)".into(),
            ));
        }
        for (field, v) in [
            ("threshold", c.threshold),
            ("anomaly_factor", c.anomaly_factor),
            ("min_volume", c.min_volume),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(err(format!("`{field}` must be a finite number")));
            }
        }
        let at = rules.iter().position(|r| r.name == c.name);
        let mut r = match at {
            Some(i) => rules[i].clone(),
            None => {
                let metric = c.metric.as_deref().ok_or_else(|| {
                    err("a new rule needs `metric` (spend, rate_limited, api_error_rate, acceptance_rate, budget_forecast, budget_spent, unapproved_use, permission_skip)".into())
                })?;
                let metric = Metric::parse(metric)
                    .ok_or_else(|| err(format!("unknown metric `{metric}`")))?;
                RuleSpec {
                    name: c.name.clone(),
                    metric,
                    scope: Scope::Developer,
                    comparison: Comparison::Above,
                    window_ms: crate::domain::alert_rules::DAY_MS,
                    threshold: None,
                    anomaly_factor: None,
                    baseline_ms: 7 * crate::domain::alert_rules::DAY_MS,
                    min_volume: 0.0,
                    severity: Severity::Warning,
                    cooldown_ms: crate::domain::alert_rules::HOUR_MS,
                    enabled: true,
                }
            }
        };
        if let Some(m) = &c.metric {
            r.metric = Metric::parse(m).ok_or_else(|| err(format!("unknown metric `{m}`")))?;
        }
        if let Some(s) = &c.scope {
            r.scope = Scope::parse(s).ok_or_else(|| {
                err(format!(
                    "scope `{s}`: expected org, team, developer or project"
                ))
            })?;
        }
        if let Some(s) = &c.comparison {
            r.comparison = Comparison::parse(s)
                .ok_or_else(|| err(format!("comparison `{s}`: expected above or below")))?;
        }
        if let Some(s) = &c.severity {
            r.severity = Severity::parse(s).ok_or_else(|| {
                err(format!(
                    "severity `{s}`: expected info, warning or critical"
                ))
            })?;
        }
        if let Some(w) = &c.window {
            r.window_ms = span_ms(&c.name, "window", w)?;
        }
        if let Some(b) = &c.baseline {
            r.baseline_ms = span_ms(&c.name, "baseline", b)?;
        }
        if let Some(cd) = &c.cooldown {
            r.cooldown_ms = span_ms(&c.name, "cooldown", cd)?;
        }
        if c.threshold.is_some() {
            r.threshold = c.threshold;
        }
        if c.anomaly_factor.is_some() {
            r.anomaly_factor = c.anomaly_factor;
        }
        if let Some(v) = c.min_volume {
            r.min_volume = v;
        }
        if let Some(e) = c.enabled {
            r.enabled = e;
        }
        if r.threshold.is_none() && r.anomaly_factor.is_none() && !r.metric.relative_to_budget() {
            return Err(err("needs `threshold` or `anomaly_factor`".into()));
        }
        match at {
            Some(i) => rules[i] = r,
            None => rules.push(r),
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str) -> AlertRuleConfig {
        AlertRuleConfig {
            name: name.into(),
            metric: Some("spend".into()),
            threshold: Some(5.0),
            ..AlertRuleConfig::default()
        }
    }

    #[test]
    fn bad_rules_are_refused_with_the_rule_and_field_named() {
        let cases = [
            (
                AlertRuleConfig {
                    window: Some("0d".into()),
                    ..rule("a")
                },
                "[[alert]] `a`: window `0d`: must be longer than 0",
            ),
            (
                AlertRuleConfig {
                    baseline: Some("0s".into()),
                    ..rule("b")
                },
                "[[alert]] `b`: baseline `0s`: must be longer than 0",
            ),
            (
                AlertRuleConfig {
                    threshold: Some(f64::NAN),
                    ..rule("c")
                },
                "[[alert]] `c`: `threshold` must be a finite number",
            ),
            (
                AlertRuleConfig {
                    anomaly_factor: Some(f64::INFINITY),
                    ..rule("d")
                },
                "[[alert]] `d`: `anomaly_factor` must be a finite number",
            ),
            (
                AlertRuleConfig {
                    scope: Some("projects".into()),
                    ..rule("e")
                },
                "[[alert]] `e`: scope `projects`: expected org, team, developer or project",
            ),
        ];
        for (c, want) in cases {
            let got = effective_rules(&[c]).unwrap_err().to_string();
            assert!(got.starts_with(want), "{got}");
        }
        let twice = effective_rules(&[
            rule("x"),
            AlertRuleConfig {
                metric: Some("budget_spent".into()),
                threshold: None,
                ..rule("x")
            },
        ])
        .unwrap_err();
        assert!(twice.to_string().contains("`x`: defined twice"), "{twice}");
        // A zero cooldown is a choice (notify on every crossing), not a mistake.
        let ok = effective_rules(&[AlertRuleConfig {
            cooldown: Some("0s".into()),
            scope: Some("project".into()),
            ..rule("f")
        }])
        .unwrap();
        assert!(ok.iter().any(|r| r.name == "f" && r.cooldown_ms == 0));
    }
}
