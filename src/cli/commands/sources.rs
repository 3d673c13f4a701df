//! `agentdeck sources`: every source (file collectors, polled APIs, team server sync,
//! push, telemetry) with state, last run and success, what the last run read and added,
//! skipped lines on record (by reason, first locations), the last error in full, the next
//! run and the settings in effect (secrets shown only as set or missing).

use super::alerts::{age, when};
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::store::queries::source_status::SourceDetail;
use crate::tui::widgets::columns::Align;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::Write;

pub fn run(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    crate::cli::source_specs::declare_configured(ctx, &store);
    let sources = store
        .reader()?
        .source_details()
        .context("reading source health")?;
    let now = Utc::now().timestamp_millis();
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<Value> = sources.iter().map(|s| to_json(s, now)).collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "sources": rows }))?;
        writeln!(out)?;
        return Ok(());
    }
    if sources.is_empty() {
        writeln!(
            out,
            "no source has reported yet: run `agentdeck ingest` to read local agent files, or configure an API ([sources.cursor], [sources.copilot], [sources.anthropic_admin], [sources.openai_admin]; see README \"Vendor APIs\")"
        )?;
        return Ok(());
    }
    let mut list = Listing::new(&[
        ("SOURCE", Align::Left),
        ("KIND", Align::Left),
        ("STATE", Align::Left),
        ("LAST SUCCESS", Align::Left),
        ("LAG", Align::Right),
        ("READ", Align::Right),
        ("ADDED", Align::Right),
        ("SKIPPED", Align::Right),
        ("LAST ERROR", Align::Left),
    ]);
    for s in &sources {
        let st = &s.status;
        let error = match (&st.last_error, st.last_error_at) {
            (Some(e), Some(at)) if st.is_failing() => format!("{} ago: {e}", age(now - at)),
            (Some(e), Some(at)) => format!("(recovered; {} ago: {e})", age(now - at)),
            (Some(e), None) => e.clone(),
            // Configured but unable to run (a key not set, a key file others can read):
            // what to set, as the console's Sources view says it.
            _ => config_problem(s).unwrap_or_else(|| "—".into()),
        };
        list.row([
            st.source.clone(),
            st.kind.to_string(),
            state(s).to_string(),
            st.last_success
                .map(|t| when(t, ctx.tz))
                .unwrap_or_else(|| "never".into()),
            st.last_success
                .map(|t| age(now - t))
                .unwrap_or_else(|| "—".into()),
            // No run on record (telemetry, pushes): nothing was "read".
            match s.last_run {
                Some(_) => format!("{} {}", s.items_read, unit(s)),
                None => "—".into(),
            },
            match s.last_run {
                Some(_) => s.last_rows.to_string(),
                None => "—".into(),
            },
            s.skipped_total().to_string(),
            error,
        ]);
    }
    list.write(&mut out)?;
    // What the last run refused (records with bad values, unreadable files), by kind.
    for s in sources.iter().filter(|s| !s.run_problems.is_empty()) {
        let p = &s.run_problems;
        let kinds: Vec<String> = p.by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
        writeln!(
            out,
            "\n{}: problems in the last run ({})",
            s.status.source,
            kinds.join(", ")
        )?;
        for l in &p.first {
            writeln!(out, "  {l}")?;
        }
        let total: i64 = p.by_kind.values().sum();
        if total > p.first.len() as i64 {
            writeln!(out, "  … and {} more", total - p.first.len() as i64)?;
        }
    }
    for s in sources.iter().filter(|s| s.skipped_total() > 0) {
        let kinds: Vec<String> = s
            .skipped_by_reason
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        writeln!(
            out,
            "\n{}: {} skipped line(s) on record ({})",
            s.status.source,
            s.skipped_total(),
            kinds.join(", ")
        )?;
        for l in &s.skipped_first {
            writeln!(out, "  {l}")?;
        }
        if s.skipped_total() > s.skipped_first.len() as i64 {
            writeln!(
                out,
                "  … `agentdeck sources --json` or `agentdeck ingest --verbose` lists more"
            )?;
        }
    }
    Ok(())
}

fn unit(s: &SourceDetail) -> &str {
    if s.items_read == 1 {
        s.item_unit.trim_end_matches('s')
    } else {
        &s.item_unit
    }
}

/// What keeps a configured source from running (a key that is not set, a bad interval),
/// as its settings record it.
fn config_problem(s: &SourceDetail) -> Option<String> {
    let settings: Value = serde_json::from_str(s.settings.as_deref()?).ok()?;
    settings.get("problem")?.as_str().map(str::to_string)
}

/// `ok`; `failing` (the last run failed after earlier successes); `never` (every run
/// failed); `waiting` (configured, not run yet); `cannot run` (not run yet, and this
/// config keeps it from running: a key that is not set, a bad setting; LAST ERROR says
/// what). A source with runs on record keeps its state from them: another process (a
/// console started with the key) may be running it.
pub fn state(s: &SourceDetail) -> &'static str {
    let st = &s.status;
    match (st.is_failing(), st.last_success, s.last_run) {
        (true, None, _) => "never",
        (true, Some(_), _) => "failing",
        (false, Some(_), _) | (false, None, Some(_)) => "ok",
        (false, None, None) if config_problem(s).is_some() => "cannot run",
        (false, None, None) => "waiting",
    }
}

fn to_json(s: &SourceDetail, now: i64) -> Value {
    let ts = |v: Option<i64>| {
        v.and_then(DateTime::from_timestamp_millis)
            .map(|d| d.to_rfc3339())
    };
    let st = &s.status;
    json!({
        "source": st.source,
        "kind": st.kind,
        "state": state(s),
        "last_run": ts(s.last_run),
        "last_success": ts(st.last_success),
        "lag_seconds": st.last_success.map(|t| (now - t).max(0) / 1000),
        "next_run": ts(s.next_run),
        "last_error_at": ts(st.last_error_at),
        "last_error": st.last_error,
        "rows": st.rows,
        "last_run_read": { "count": s.items_read, "unit": s.item_unit },
        "last_run_rows_added": s.last_rows,
        "last_run_problems": s.run_problems,
        "skipped_total": s.skipped_total(),
        "skipped_by_reason": s.skipped_by_reason,
        "skipped_first": s.skipped_first,
        "settings": s.settings.as_deref().and_then(|j| serde_json::from_str::<Value>(j).ok()),
    })
}

/// Skipped lines on record that this pass did not meet again (they were skipped by an
/// earlier pass and stay skipped until their file is rewritten), at most `limit`.
pub fn earlier_skips(
    store: &crate::store::Store,
    this_pass: &crate::collect::summary::IngestSummary,
    limit: usize,
) -> anyhow::Result<(i64, Vec<crate::store::source_health::SkippedLine>)> {
    let reader = store.reader()?;
    let seen: std::collections::HashSet<(&str, u64)> = this_pass
        .problems
        .iter()
        .map(|p| (p.path.as_str(), p.line))
        .collect();
    let all = reader.skipped_lines(None, usize::MAX)?;
    let earlier: Vec<_> = all
        .into_iter()
        .filter(|l| !seen.contains(&(l.path.as_str(), l.line)))
        .collect();
    let total = earlier.len() as i64;
    Ok((total, earlier.into_iter().take(limit).collect()))
}
