//! `agentdeck doctor`: checks the store (SQLite's integrity check, the schema, values
//! outside `domain/bounds`) and, with `--rebuild`, repairs a damaged one without losing what
//! only the store holds: see `store/doctor.rs` (the copy) and README "The store".

use crate::cli::args::DoctorArgs;
use crate::cli::context::Context;
use crate::store::doctor::{self, Checkup};
use anyhow::Context as _;
use std::io::Write;

pub fn run(ctx: &Context, args: &DoctorArgs) -> anyhow::Result<()> {
    let path = &ctx.db_path;
    anyhow::ensure!(
        path.exists(),
        "no store at {} yet: run `agentdeck ingest` to create it",
        path.display()
    );
    let checkup = doctor::check(path);
    let mut out = std::io::stdout().lock();
    if !args.rebuild {
        if args.json {
            serde_json::to_writer_pretty(&mut out, &checkup)?;
            writeln!(out)?;
        } else {
            print_checkup(&mut out, &checkup)?;
        }
        anyhow::ensure!(
            checkup.healthy(),
            "the store needs repair: run `agentdeck doctor --rebuild`"
        );
        return Ok(());
    }
    let rebuilt = doctor::rebuild(path).context("rebuilding the store")?;
    let store = ctx.open_store()?;
    store
        .writer()
        .maintain_blocking(crate::store::Maintenance::RebuildAggregates)
        .context("recomputing rollups from the kept requests")?;
    let summary = super::ingest::refresh(ctx, &store, &args.dirs, false)?;
    drop(store);
    let after = doctor::check(path);
    if args.json {
        let doc = serde_json::json!({
            "before": checkup, "rebuilt": rebuilt, "after": after,
            "requests_reread": summary.outcome.requests_added,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "moved the damaged store aside: {}",
            rebuilt.moved_to.display()
        )?;
        for t in &rebuilt.tables {
            let lost = if t.unreadable > 0 {
                format!(", {} unreadable", t.unreadable)
            } else {
                String::new()
            };
            writeln!(out, "  {:<22} {:>9} rows kept{lost}", t.table, t.copied)?;
        }
        writeln!(
            out,
            "re-read the agents' files: {} requests added back",
            summary.outcome.requests_added
        )?;
        print_checkup(&mut out, &after)?;
    }
    Ok(())
}

fn print_checkup(out: &mut impl Write, c: &Checkup) -> std::io::Result<()> {
    writeln!(out, "store: {}", c.path)?;
    writeln!(
        out,
        "schema: version {} (this agentdeck: {})",
        c.schema_version
            .map_or("unreadable".into(), |v| v.to_string()),
        crate::store::SCHEMA_VERSION
    )?;
    if c.integrity.is_empty() {
        writeln!(out, "integrity: ok")?;
    } else {
        writeln!(out, "integrity: {} problem(s)", c.integrity.len())?;
        for p in c.integrity.iter().take(10) {
            writeln!(out, "  {p}")?;
        }
    }
    if c.out_of_bounds.is_empty() {
        writeln!(out, "values: all within bounds")?;
    } else {
        for (what, n) in &c.out_of_bounds {
            writeln!(out, "values: {n} request(s) with {what} outside the bounds")?;
        }
    }
    if let Some(e) = &c.error {
        writeln!(out, "error: {e}")?;
    }
    writeln!(
        out,
        "{}",
        if c.healthy() {
            "verdict: healthy"
        } else {
            "verdict: needs repair (`agentdeck doctor --rebuild`)"
        }
    )
}
