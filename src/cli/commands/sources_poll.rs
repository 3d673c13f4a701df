//! `agentdeck sources poll [NAME]`: one pass of every configured vendor API (and the GitHub
//! directory) now, each recorded in source health like a background run.

use crate::cli::context::Context;
use crate::collect::pollers::{self, PollReport};
use crate::collect::scheduler::Backoff;
use anyhow::Context as _;
use serde_json::json;
use std::io::Write;

pub fn run(ctx: &Context, only: Option<&str>, json: bool) -> anyhow::Result<()> {
    anyhow::ensure!(!ctx.global.offline, "--offline: not polling any API");
    let store = ctx.open_store()?;
    crate::cli::source_specs::declare_configured(ctx, &store);
    let specs: Vec<_> = crate::cli::source_specs::api_specs(ctx)
        .into_iter()
        .filter(|s| only.is_none_or(|n| n == s.kind.source()))
        .collect();
    let teams = crate::cli::directory::github_teams(ctx)?.filter(|_| {
        only.is_none_or(|n| {
            n == crate::cli::directory::SOURCE || n == crate::collect::directory::SOURCE
        })
    });
    if specs.is_empty() && teams.is_none() {
        anyhow::bail!(
            "nothing to poll{}: configure [sources.anthropic_admin], [sources.cursor], [sources.copilot], [sources.openai_admin] or [directory] github_org (README \"Vendor APIs\")",
            only.map(|n| format!(" named `{n}`")).unwrap_or_default()
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut results = Vec::new();
    let mut failed = 0;
    runtime.block_on(async {
        for spec in &specs {
            let mut backoff = Backoff::new(spec.interval);
            let (result, _) = pollers::run_and_record(spec, &store, &mut backoff).await;
            failed += usize::from(result.is_err());
            results.push((
                spec.kind.source().to_string(),
                result.map_err(|e| e.to_string()),
            ));
        }
        if let Some(t) = &teams {
            let r = t.sync(&store).await.map(|rows| PollReport {
                rows_added: rows,
                ..PollReport::default()
            });
            failed += usize::from(r.is_err());
            results.push((
                crate::collect::directory::SOURCE.to_string(),
                r.map_err(|e| e.to_string()),
            ));
        }
    });
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = results
            .iter()
            .map(|(name, r)| match r {
                Ok(p) => json!({"source": name, "ok": true, "pages": p.pages, "rows": p.rows_added, "problems": p.problems}),
                Err(e) => json!({"source": name, "ok": false, "error": e}),
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "polled": rows }))?;
        writeln!(out)?;
    } else {
        for (name, r) in &results {
            match r {
                Ok(p) if !p.problems.is_empty() => writeln!(
                    out,
                    "{name}: ok, {} page(s), {} row(s), {} record(s) refused (`agentdeck sources` lists them)",
                    p.pages,
                    p.rows_added,
                    p.problems.by_kind.values().sum::<i64>()
                )?,
                Ok(p) => writeln!(
                    out,
                    "{name}: ok, {} page(s), {} row(s)",
                    p.pages, p.rows_added
                )?,
                Err(e) => writeln!(out, "{name}: failed: {e}")?,
            }
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} source(s) failed; `agentdeck sources` shows the details"
    );
    Ok(())
}
