//! `agentdeck alerts check`: reads what the rules need from the store, runs the pure rules of
//! `domain::alerts` at the current time, and fires an alert for each finding whose rule and
//! subject have no open alert yet. `--read-only` evaluates and prints without recording.

use crate::cli::context::Context;
use crate::domain::alerts::{self, AlertState, Finding, Thresholds};
use crate::domain::forecast;
use crate::domain::period::local_day_start_ms;
use crate::store::WriteBatch;
use crate::store::ops::{AlertRow, Op};
use crate::store::queries::alerts_admin::RuleInputs;
use anyhow::Context as _;
use chrono::{Datelike, Duration, Utc};
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;

/// Findings for `inputs`; `now_local` is the wall-clock time in the user's zone.
pub fn evaluate(
    inputs: &RuleInputs,
    now_local: chrono::NaiveDateTime,
    t: &Thresholds,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for (developer, days) in &inputs.developer_daily_spend {
        if let Some((today, trailing)) = days.split_last()
            && let Some(f) =
                alerts::spend_spike(&format!("developer:{developer}"), *today, trailing, t)
        {
            found.push(f);
        }
    }
    for (developer, ts) in &inputs.rate_limited {
        found.extend(alerts::rate_limit_storm(
            &format!("developer:{developer}"),
            ts,
            t,
        ));
    }
    for (developer, (suggestions, accepted)) in &inputs.acceptance {
        found.extend(alerts::low_acceptance(
            &format!("developer:{developer}"),
            *suggestions,
            *accepted,
            t,
        ));
    }
    for (team, spent, budget) in &inputs.team_month_spend {
        let f = forecast::month_end(*spent, now_local);
        found.extend(alerts::budget(team, *spent, f.month_end, *budget, t));
    }
    found
}

pub fn run(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let reader = store.reader()?;
    let now = Utc::now();
    let now_ms = now.timestamp_millis();
    let local = now.with_timezone(&ctx.tz);
    let today = local.date_naive();
    let t = Thresholds::default();
    let day_starts: Vec<i64> = (0..=t.spike_window_days as i64)
        .rev()
        .map(|back| local_day_start_ms(today - Duration::days(back), ctx.tz))
        .collect();
    let month_first = today.with_day(1).unwrap_or(today);
    let inputs = reader
        .rule_inputs(
            &day_starts,
            now_ms - 3_600_000,
            &(today - Duration::days(7)).to_string(),
            local_day_start_ms(month_first, ctx.tz),
        )
        .context("reading what the alert rules need")?;
    let open: BTreeSet<(String, String)> = reader
        .alerts(&[AlertState::Firing, AlertState::Acked, AlertState::Snoozed])?
        .into_iter()
        .map(|a| (a.row.rule, a.row.subject))
        .collect();
    let findings = evaluate(&inputs, local.naive_local(), &t);
    let new: Vec<&Finding> = findings
        .iter()
        .filter(|f| !open.contains(&(f.rule.as_str().to_string(), f.subject.clone())))
        .collect();
    let record = !ctx.global.read_only && !new.is_empty();
    if record {
        let ops = new
            .iter()
            .map(|f| {
                Op::FireAlert(AlertRow {
                    rule: f.rule.as_str().to_string(),
                    subject: f.subject.clone(),
                    severity: f.severity,
                    state: AlertState::Firing,
                    value: Some(f.value),
                    threshold: Some(f.threshold),
                    message: f.message.clone(),
                    fired_at: now_ms,
                    acked_at: None,
                    acked_by: None,
                    note: None,
                    snoozed_until: None,
                    resolved_at: None,
                })
            })
            .collect();
        store
            .writer()
            .apply_blocking(WriteBatch {
                ops,
                ..WriteBatch::default()
            })
            .context("recording new alerts")?;
    }
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = findings
            .iter()
            .map(|f| {
                let is_new = new.iter().any(|n| std::ptr::eq(*n, f));
                json!({ "rule": f.rule.as_str(), "subject": f.subject, "severity": f.severity.as_str(),
                        "value": f.value, "threshold": f.threshold, "message": f.message,
                        "new": is_new, "recorded": is_new && record })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "findings": rows }))?;
        writeln!(out)?;
        return Ok(());
    }
    if findings.is_empty() {
        writeln!(
            out,
            "no rule fires right now ({} rules checked)",
            alerts::Rule::ALL.len()
        )?;
        return Ok(());
    }
    for f in &findings {
        let is_new = new.iter().any(|n| std::ptr::eq(*n, f));
        let tag = match (is_new, record) {
            (true, true) => "fired",
            (true, false) => "new (read-only: not recorded)",
            (false, _) => "already open",
        };
        writeln!(
            out,
            "{:<17} {:<36} {}  [{tag}]",
            f.rule.as_str(),
            f.subject,
            f.message
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use chrono::NaiveDate;

    #[test]
    fn evaluates_every_rule_from_store_inputs() {
        let mut inputs = RuleInputs::default();
        let mut days = vec![Money::from_usd(10.0); 14];
        days.push(Money::from_usd(45.0));
        inputs.developer_daily_spend.insert("a@x".into(), days);
        inputs
            .rate_limited
            .insert("b@x".into(), (0..11).map(|i| 60_000 + i * 1_000).collect());
        inputs.acceptance.insert("c@x".into(), (1_000, 90));
        inputs.team_month_spend.push((
            "platform".into(),
            Money::from_usd(700.0),
            Some(Money::from_usd(1_000.0)),
        ));
        inputs
            .team_month_spend
            .push(("unassigned".into(), Money::from_usd(700.0), None));
        let now = NaiveDate::from_ymd_opt(2026, 11, 16)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let rules: Vec<&str> = evaluate(&inputs, now, &Thresholds::default())
            .iter()
            .map(|f| f.rule.as_str())
            .collect();
        assert_eq!(
            rules,
            [
                "spend_spike",
                "rate_limit_storm",
                "low_acceptance",
                "budget_forecast"
            ]
        );
    }
}
