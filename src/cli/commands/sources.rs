//! `agentdeck sources`: every source that has reported (collectors, vendor APIs, telemetry):
//! kind, state, last success, lag, last error and rows, as a table or a JSON document.

use super::alerts::{age, when};
use crate::cli::context::Context;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::Write;

pub fn run(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let sources = store
        .reader()?
        .source_status()
        .context("reading source health")?;
    let now = Utc::now().timestamp_millis();
    let mut out = std::io::stdout().lock();
    if json {
        let ts = |v: Option<i64>| {
            v.and_then(DateTime::from_timestamp_millis)
                .map(|d| d.to_rfc3339())
        };
        let rows: Vec<Value> = sources
            .iter()
            .map(|s| {
                json!({
                    "source": s.source,
                    "kind": s.kind,
                    "state": state(s),
                    "last_success": ts(s.last_success),
                    "lag_seconds": s.last_success.map(|t| (now - t).max(0) / 1000),
                    "last_error_at": ts(s.last_error_at),
                    "last_error": s.last_error,
                    "rows": s.rows,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "sources": rows }))?;
        writeln!(out)?;
        return Ok(());
    }
    if sources.is_empty() {
        writeln!(
            out,
            "no source has reported yet: run `agentdeck ingest`, or configure vendor APIs in the config file"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<18} {:<11} {:<8} {:<17} {:>6} {:>10}  LAST ERROR",
        "SOURCE", "KIND", "STATE", "LAST SUCCESS", "LAG", "ROWS"
    )?;
    for s in &sources {
        let error = match (&s.last_error, s.last_error_at) {
            (Some(e), Some(at)) => format!("{} ago: {e}", age(now - at)),
            (Some(e), None) => e.clone(),
            _ => "—".into(),
        };
        writeln!(
            out,
            "{:<18} {:<11} {:<8} {:<17} {:>6} {:>10}  {}",
            s.source,
            s.kind,
            state(s),
            s.last_success
                .map(|t| when(t, ctx.tz))
                .unwrap_or_else(|| "never".into()),
            s.last_success
                .map(|t| age(now - t))
                .unwrap_or_else(|| "—".into()),
            s.rows,
            error
        )?;
    }
    Ok(())
}

fn state(s: &crate::store::queries::source_status::SourceStatus) -> &'static str {
    match (s.is_failing(), s.last_success) {
        (true, None) => "never",
        (true, Some(_)) => "failing",
        (false, _) => "ok",
    }
}
