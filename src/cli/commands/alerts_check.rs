//! `agentdeck alerts check` and the engine's settings: builds the engine from the config
//! (`[[alert]]` over the built-in rules, `[policy]`, `[[webhook]]`), runs one evaluation,
//! sends what is owed to the webhooks, prints the findings, and exits 0 when nothing is
//! firing, 3 when something is, 4 when something critical is (for cron and CI).

use crate::alerting::config::effective_rules;
use crate::alerting::{Engine, Format, RetryPolicy, Target, Webhook};
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::domain::alerts::{AlertState, Severity};
use crate::tui::widgets::columns::Align;
use anyhow::Context as _;
use serde_json::json;
use std::io::Write;

/// A command that finished and wants a particular exit code (no message printed).
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct ExitStatus(pub i32);

pub const EXIT_FIRING: i32 = 3;
pub const EXIT_CRITICAL: i32 = 4;

/// The engine and webhooks the config describes.
pub fn engine(ctx: &Context) -> anyhow::Result<(Engine, Vec<Webhook>)> {
    let rules = effective_rules(&ctx.config.alerts)?;
    let mut hooks = Vec::new();
    for w in &ctx.config.webhooks {
        anyhow::ensure!(!w.name.trim().is_empty(), "every [[webhook]] needs a name");
        let url = match (&w.url_env, &w.url) {
            (Some(var), _) => std::env::var(var).with_context(|| {
                format!(
                    "[[webhook]] `{}`: the environment variable {var} is not set",
                    w.name
                )
            })?,
            (None, Some(url)) => url.clone(),
            (None, None) => anyhow::bail!("[[webhook]] `{}` needs url_env (or url)", w.name),
        };
        let format = match w.format.as_deref().unwrap_or("slack") {
            "slack" => Format::Slack,
            "json" => Format::Json,
            other => anyhow::bail!(
                "[[webhook]] `{}`: format `{other}`: expected slack or json",
                w.name
            ),
        };
        let min = w.min_severity.as_deref().unwrap_or("warning");
        let min_severity = Severity::parse(min).with_context(|| {
            format!(
                "[[webhook]] `{}`: min_severity `{min}`: expected info, warning or critical",
                w.name
            )
        })?;
        hooks.push(Webhook::new(&w.name, &url, format, min_severity));
    }
    let targets = hooks
        .iter()
        .map(|h| Target {
            name: h.name.clone(),
            min_severity: h.min_severity,
        })
        .collect();
    Ok((
        Engine {
            rules,
            policy: ctx.config.policy.clone(),
            targets,
            tz: ctx.tz,
        },
        hooks,
    ))
}

pub fn run(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let (engine, hooks) = engine(ctx)?;
    let store = ctx.open_store()?;
    if ctx.team_server(None)?.is_some() {
        // The team server evaluates and owns alert state: report its firing alerts.
        super::alerts::sync_with_server(ctx, &store)?;
        return exit_for_firing(&store, json);
    }
    let now = chrono::Utc::now().timestamp_millis();
    let record = !ctx.global.read_only;
    let ev = engine
        .evaluate_once(&store, now, record)
        .context("evaluating the alert rules")?;
    let delivery = if record && !hooks.is_empty() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client =
            crate::collect::http::client_builder(std::time::Duration::from_secs(15)).build()?;
        Some(runtime.block_on(crate::alerting::webhook::deliver_pending(
            &store,
            &hooks,
            &client,
            RetryPolicy::default(),
        ))?)
    } else {
        None
    };
    let firing = firing(&store)?;
    let worst = firing.iter().map(|a| a.row.severity.rank()).max();
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = ev
            .findings
            .iter()
            .map(|f| {
                let key = (f.rule.clone(), f.subject.clone());
                json!({ "rule": f.rule, "subject": f.subject, "severity": f.severity.as_str(),
                        "value": f.value, "threshold": f.threshold, "unit": f.unit.as_str(),
                        "value_text": f.unit.format(f.value), "threshold_text": f.unit.format(f.threshold),
                        "message": f.message, "new": ev.fired.contains(&key),
                        "cooling_down": ev.cooling_down.contains(&key), "recorded": record })
            })
            .collect();
        let resolved: Vec<_> = ev
            .resolved
            .iter()
            .map(|(r, s)| json!({"rule": r, "subject": s}))
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &json!({ "findings": rows, "resolved": resolved, "firing": firing.len(),
                     "problems": ev.problems,
                     "webhooks": delivery.map(|d| json!({"delivered": d.delivered, "dead": d.dead})) }),
        )?;
        writeln!(out)?;
    } else {
        if ev.findings.is_empty() {
            writeln!(
                out,
                "no rule fires right now ({} rules checked)",
                engine.rules.iter().filter(|r| r.enabled).count()
            )?;
        }
        let mut list = Listing::new(&[
            ("RULE", Align::Left),
            ("SEVERITY", Align::Left),
            ("SUBJECT", Align::Left),
            ("VALUE / THRESHOLD", Align::Right),
            ("NOW", Align::Left),
        ]);
        for f in &ev.findings {
            let key = (f.rule.clone(), f.subject.clone());
            let tag = if ev.cooling_down.contains(&key) {
                "cooling down"
            } else if !ev.fired.contains(&key) {
                "already open"
            } else if record {
                "fired"
            } else {
                "new (read-only: not recorded)"
            };
            list.row([
                f.rule.clone(),
                f.severity.as_str().to_string(),
                f.subject.clone(),
                format!(
                    "{} / {}",
                    f.unit.format(f.value),
                    f.unit.format(f.threshold)
                ),
                format!("[{tag}]"),
            ]);
        }
        for (rule, subject) in &ev.resolved {
            list.row([rule.as_str(), "", subject.as_str(), "", "[resolved]"]);
        }
        if !ev.findings.is_empty() || !ev.resolved.is_empty() {
            list.write(&mut out)?;
        }
        for p in &ev.problems {
            writeln!(out, "problem: {p}")?;
        }
        if let Some(d) = delivery {
            writeln!(out, "webhooks: {} delivered, {} dead", d.delivered, d.dead)?;
        }
    }
    out.flush()?;
    exit_code(worst)
}

fn firing(
    store: &crate::store::Store,
) -> anyhow::Result<Vec<crate::store::queries::alerts_admin::StoredAlert>> {
    Ok(store
        .reader()?
        .alerts(&[AlertState::Firing])?
        .into_iter()
        .filter(|a| a.row.resolved_at.is_none())
        .collect())
}

fn exit_code(worst: Option<u8>) -> anyhow::Result<()> {
    match worst {
        Some(r) if r >= Severity::Critical.rank() => Err(ExitStatus(EXIT_CRITICAL).into()),
        Some(_) => Err(ExitStatus(EXIT_FIRING).into()),
        None => Ok(()),
    }
}

/// The firing alerts (as synced from the team server) and the matching exit code.
fn exit_for_firing(store: &crate::store::Store, json: bool) -> anyhow::Result<()> {
    let firing = firing(store)?;
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = firing
            .iter()
            .map(|a| {
                json!({ "id": a.id, "rule": a.row.rule, "subject": a.row.subject,
                             "severity": a.row.severity.as_str(), "message": a.row.message })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &json!({ "firing": rows, "evaluated_by": "team server" }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(out, "{} alert(s) firing on the team server", firing.len())?;
        let mut list = Listing::new(&[
            ("RULE", Align::Left),
            ("SEVERITY", Align::Left),
            ("SUBJECT", Align::Left),
            ("MESSAGE", Align::Left),
        ]);
        for a in &firing {
            list.row([
                a.row.rule.clone(),
                a.row.severity.as_str().to_string(),
                a.row.subject.clone(),
                a.row.message.clone(),
            ]);
        }
        if !firing.is_empty() {
            list.write(&mut out)?;
        }
    }
    out.flush()?;
    exit_code(firing.iter().map(|a| a.row.severity.rank()).max())
}
