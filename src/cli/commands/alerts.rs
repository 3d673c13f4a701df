//! `agentdeck alerts [list|ack ID [--note T]|snooze ID DURATION|resolve ID|rules]`: the alert
//! list as a table or a JSON document, and the state changes, recorded with who and when.
//! `--read-only` refuses every change with a message saying so.

use crate::cli::BadUsage;
use crate::cli::args::AlertsCommand;
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::domain::alert_rules::Unit;
use crate::domain::alerts::AlertState;
use crate::store::ops::{Op, op_rejection};
use crate::store::queries::alerts_admin::StoredAlert;
use crate::store::{Store, WriteBatch};
use crate::tui::widgets::columns::{Align, fit};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use std::io::Write;

pub fn run(ctx: &Context, action: Option<&AlertsCommand>, json: bool) -> anyhow::Result<()> {
    let default = AlertsCommand::List { state: None, json };
    match action.unwrap_or(&default) {
        AlertsCommand::List {
            state,
            json: list_json,
        } => list(ctx, state.as_deref(), json || *list_json),
        AlertsCommand::Rules { json: rules_json } => rules(ctx, json || *rules_json),
        AlertsCommand::Deliveries {
            state,
            json: deliveries_json,
        } => deliveries(ctx, state, json || *deliveries_json),
        AlertsCommand::Check { json: check_json } => {
            super::alerts_check::run(ctx, json || *check_json)
        }
        AlertsCommand::Ack { id, note } => {
            let by = ctx.developer();
            let note = note.clone().unwrap_or_default();
            change(
                ctx,
                *id,
                "acknowledge",
                Op::AckAlert {
                    id: *id,
                    by: by.clone(),
                    note,
                    at: now_ms(),
                },
            )?;
            println!("alert {id} acknowledged by {by}");
            Ok(())
        }
        AlertsCommand::Snooze { id, duration } => {
            let span = humantime::parse_duration(duration).map_err(|e| {
                BadUsage(format!(
                    "snooze duration `{duration}`: {e} (use e.g. 30m, 2h, 1day)"
                ))
            })?;
            if span.is_zero() {
                return Err(BadUsage("snooze duration must be longer than zero".into()).into());
            }
            let span_ms = i64::try_from(span.as_millis())
                .unwrap_or(i64::MAX / 2)
                .min(366 * 86_400_000);
            let until = now_ms() + span_ms;
            change(
                ctx,
                *id,
                "snooze",
                Op::SnoozeAlert {
                    id: *id,
                    until,
                    by: ctx.developer(),
                },
            )?;
            println!("alert {id} snoozed until {}", when(until, ctx.tz));
            Ok(())
        }
        AlertsCommand::Resolve { id, note } => {
            let by = ctx.developer();
            change(
                ctx,
                *id,
                "resolve",
                Op::ResolveAlert {
                    id: *id,
                    at: now_ms(),
                    by: Some(by.clone()),
                    note: note.clone().filter(|n| !n.trim().is_empty()),
                },
            )?;
            println!("alert {id} resolved by {by}");
            Ok(())
        }
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// With a team server: sends actions taken here and pulls the server's alert state (the
/// server owns alerts; what it refuses is an error naming why).
pub fn sync_with_server(ctx: &Context, store: &Store) -> anyhow::Result<()> {
    let Some(server) = ctx.team_server(None)? else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime
        .block_on(crate::alerting::sync::sync_once(&server, store))
        .with_context(|| format!("syncing alerts with {}", server.url()))?;
    anyhow::ensure!(
        report.refused.is_empty(),
        "the team server refused: {}",
        report.refused.join("; ")
    );
    Ok(())
}

/// Applies one alert operation, turning a refusal into a plain message.
fn change(ctx: &Context, id: i64, verb: &str, op: Op) -> anyhow::Result<()> {
    anyhow::ensure!(
        !ctx.global.read_only,
        "refusing to {verb} alert {id}: --read-only is set (run without it to change alerts)"
    );
    let store: Store = ctx.open_store()?;
    match store.writer().apply_blocking(WriteBatch {
        ops: vec![op],
        ..WriteBatch::default()
    }) {
        Ok(_) => sync_with_server(ctx, &store),
        Err(e) => match op_rejection(&e) {
            Some(refusal) => Err(anyhow::anyhow!("cannot {verb} alert {id}: {refusal}")),
            None => Err(e).with_context(|| format!("recording the {verb} of alert {id}")),
        },
    }
}

fn parse_states(filter: Option<&str>) -> anyhow::Result<Vec<AlertState>> {
    match filter.map(str::trim) {
        None | Some("all") => Ok(Vec::new()),
        Some("open") => Ok(vec![
            AlertState::Firing,
            AlertState::Acked,
            AlertState::Snoozed,
        ]),
        Some(s) => AlertState::parse(s).map(|st| vec![st]).ok_or_else(|| {
            BadUsage(format!(
                "--state `{s}`: expected firing, acked, snoozed, resolved, open or all"
            ))
            .into()
        }),
    }
}

/// A snooze that has run out shows as firing again.
fn effective(a: &StoredAlert, now: i64) -> AlertState {
    match (a.row.state, a.row.snoozed_until) {
        (AlertState::Snoozed, Some(until)) if until <= now => AlertState::Firing,
        (s, _) => s,
    }
}

fn list(ctx: &Context, state: Option<&str>, json: bool) -> anyhow::Result<()> {
    let states = parse_states(state)?;
    let store = ctx.open_store()?;
    if let Err(e) = sync_with_server(ctx, &store) {
        eprintln!("warning: {e:#}; listing the local copy");
    }
    let now = now_ms();
    let alerts: Vec<StoredAlert> = store
        .reader()?
        .alerts(&[])
        .context("reading alerts")?
        .into_iter()
        .filter(|a| states.is_empty() || states.contains(&effective(a, now)))
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<Value> = alerts.iter().map(|a| alert_json(a, now)).collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "alerts": rows }))?;
        writeln!(out)?;
        return Ok(());
    }
    if alerts.is_empty() {
        writeln!(
            out,
            "no alerts{}",
            state.map(|s| format!(" in state {s}")).unwrap_or_default()
        )?;
        return Ok(());
    }
    let mut list = Listing::new(&[
        ("ID", Align::Right),
        ("STATE", Align::Left),
        ("SEVERITY", Align::Left),
        ("RULE", Align::Left),
        ("SUBJECT", Align::Left),
        ("AGE", Align::Right),
        ("VALUE / THRESHOLD", Align::Right),
        ("DETAIL", Align::Left),
    ]);
    for a in &alerts {
        let r = &a.row;
        let state = effective(a, now);
        let glyph = match state {
            AlertState::Firing => "▲ firing",
            AlertState::Acked => "✓ acked",
            AlertState::Snoozed => "z snoozed",
            AlertState::Resolved => "· resolved",
        };
        let value = value_vs(r.value, r.threshold, r.unit);
        let detail = match state {
            AlertState::Acked => format!(
                "by {}{}",
                r.acked_by.as_deref().unwrap_or("?"),
                r.note
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            ),
            AlertState::Snoozed => format!(
                "until {} by {}",
                r.snoozed_until.map(|u| when(u, ctx.tz)).unwrap_or_default(),
                r.acked_by.as_deref().unwrap_or("?")
            ),
            AlertState::Resolved => format!(
                "resolved {}{}{}",
                r.resolved_at.map(|u| when(u, ctx.tz)).unwrap_or_default(),
                // Rows from before resolutions were signed name no one (as in the console).
                r.resolved_by
                    .as_deref()
                    .map(|by| format!(" by {by}"))
                    .unwrap_or_default(),
                r.resolve_note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            ),
            AlertState::Firing => r.message.clone(),
        };
        list.row([
            a.id.to_string(),
            glyph.to_string(),
            r.severity.as_str().to_string(),
            r.rule.clone(),
            fit(&r.subject, SUBJECT_CELLS),
            age(now - r.fired_at),
            value,
            detail,
        ]);
    }
    list.write(&mut out)?;
    Ok(())
}

fn alert_json(a: &StoredAlert, now: i64) -> Value {
    let r = &a.row;
    let ts = |v: Option<i64>| {
        v.and_then(DateTime::from_timestamp_millis)
            .map(|d| d.to_rfc3339())
    };
    json!({
        "id": a.id,
        "rule": r.rule,
        "subject": r.subject,
        "severity": r.severity.as_str(),
        "state": effective(a, now).as_str(),
        "value": r.value,
        "threshold": r.threshold,
        "unit": r.unit.map(Unit::as_str),
        "value_text": r.value.map(|v| r.unit.unwrap_or(Unit::Count).format(v)),
        "threshold_text": r.threshold.map(|v| r.unit.unwrap_or(Unit::Count).format(v)),
        "resolved_by": r.resolved_by,
        "resolve_note": r.resolve_note,
        "message": r.message,
        "fired_at": ts(Some(r.fired_at)),
        "acked_at": ts(r.acked_at),
        "acked_by": r.acked_by,
        "note": r.note,
        "snoozed_until": ts(r.snoozed_until),
        "resolved_at": ts(r.resolved_at),
    })
}

fn rules(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let (engine, _) = super::alerts_check::engine(ctx)?;
    let mut out = std::io::stdout().lock();
    let span = |ms: i64| {
        humantime::format_duration(std::time::Duration::from_millis(ms.max(0) as u64)).to_string()
    };
    if json {
        let rows: Vec<Value> = engine
            .rules
            .iter()
            .map(|r| {
                json!({ "name": r.name, "metric": r.metric.as_str(), "scope": r.scope.as_str(),
                        "comparison": r.comparison.as_str(), "window": span(r.window_ms),
                        "threshold": r.threshold, "anomaly_factor": r.anomaly_factor,
                        "baseline": span(r.baseline_ms), "min_volume": r.min_volume,
                        "unit": r.metric.unit().as_str(), "severity": r.severity.as_str(),
                        "cooldown": span(r.cooldown_ms), "enabled": r.enabled })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "rules": rows }))?;
        writeln!(out)?;
        return Ok(());
    }
    // Rule names come from the config too: the columns take the longest.
    let mut list = Listing::new(&[
        ("RULE", Align::Left),
        ("SEVERITY", Align::Left),
        ("SCOPE", Align::Left),
        ("WHEN IT FIRES", Align::Left),
    ]);
    for r in &engine.rules {
        let unit = r.metric.unit();
        // A budget is per calendar month, whatever the window's length says.
        let mut when = if r.metric.relative_to_budget() {
            format!("{} in the calendar month", r.metric.as_str())
        } else {
            format!("{} over {}", r.metric.as_str(), span(r.window_ms))
        };
        let above = r.comparison == crate::domain::alert_rules::Comparison::Above;
        let cmp = if above { "≥" } else { "<" };
        if r.metric.relative_to_budget() {
            when.push_str(&format!(
                " {cmp} {} of the monthly budget",
                Unit::Ratio.format(r.threshold.unwrap_or(1.0))
            ));
        } else if let Some(t) = r.threshold {
            // "Above 0" fires on any at all (domain/alert_rules.rs): `> 0`, not `≥ 0`.
            let cmp = if above && t == 0.0 { ">" } else { cmp };
            when.push_str(&format!(" {cmp} {}", unit.format(t)));
        }
        if let Some(f) = r.anomaly_factor {
            when.push_str(&format!(
                " {cmp} {f}× its trailing {} average",
                span(r.baseline_ms)
            ));
        }
        if r.min_volume > 0.0 {
            when.push_str(&format!(" (min volume {})", r.min_volume));
        }
        when.push_str(&format!("; cooldown {}", span(r.cooldown_ms)));
        if !r.enabled {
            when.push_str(" [disabled]");
        }
        list.row([
            r.name.clone(),
            r.severity.as_str().to_string(),
            r.scope.as_str().to_string(),
            when,
        ]);
    }
    list.write(&mut out)?;
    Ok(())
}

fn deliveries(ctx: &Context, state: &str, json: bool) -> anyhow::Result<()> {
    if !matches!(state, "pending" | "delivered" | "dead") {
        return Err(BadUsage(format!(
            "--state `{state}`: expected pending, delivered or dead"
        ))
        .into());
    }
    let rows = ctx.open_store()?.reader()?.deliveries(state)?;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<Value> = rows
            .iter()
            .map(|d| {
                json!({ "id": d.id, "alert_id": d.alert.id, "rule": d.alert.row.rule,
                             "subject": d.alert.row.subject, "target": d.target, "event": d.event,
                             "state": d.state, "attempts": d.attempts, "last_error": d.last_error })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "deliveries": rows }))?;
        writeln!(out)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(out, "no {state} webhook notifications")?;
    }
    let mut list = Listing::new(&[
        ("ID", Align::Right),
        ("ALERT", Align::Right),
        ("RULE", Align::Left),
        ("SUBJECT", Align::Left),
        ("TARGET", Align::Left),
        ("EVENT", Align::Left),
        ("ATTEMPTS", Align::Right),
        ("LAST ERROR", Align::Left),
    ]);
    for d in &rows {
        list.row([
            d.id.to_string(),
            d.alert.id.to_string(),
            d.alert.row.rule.clone(),
            fit(&d.alert.row.subject, SUBJECT_CELLS),
            d.target.clone(),
            d.event.clone(),
            d.attempts.to_string(),
            d.last_error.clone().unwrap_or_default(),
        ]);
    }
    if !rows.is_empty() {
        list.write(&mut out)?;
    }
    Ok(())
}

/// `3s`, `12m`, `5h`, `4d` for a span in milliseconds (negative spans read as `0s`).
pub fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..172_800 => format!("{}h", s / 3_600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Local date and time in the user's zone.
pub fn when(ms: i64, tz: Tz) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "?".into())
}

/// `$1,317 / $1,200`, `12% / 20%`, `14/min / 10/min` (a count when no unit is stored).
fn value_vs(v: Option<f64>, t: Option<f64>, unit: Option<Unit>) -> String {
    let unit = unit.unwrap_or(Unit::Count);
    match (v, t) {
        (Some(v), Some(t)) => format!("{} / {}", unit.format(v), unit.format(t)),
        (Some(v), None) => unit.format(v),
        _ => String::new(),
    }
}

/// An alert's subject is cut to this many cells in `alerts list` and `alerts deliveries`
/// (its detail and the JSON have it whole).
const SUBJECT_CELLS: usize = 48;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_states() {
        assert_eq!(age(5_000), "5s");
        assert_eq!(age(120_000), "2m");
        assert_eq!(age(7_200_000), "2h");
        assert_eq!(age(5 * 86_400_000), "5d");
        assert_eq!(parse_states(Some("open")).unwrap().len(), 3);
        assert!(parse_states(Some("bogus")).is_err());
    }
}
