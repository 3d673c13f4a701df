//! `agentdeck report reconcile`: per UTC day and vendor, the vendor's bill against the
//! spend agentdeck computed from local files and telemetry, with the gap named (missing
//! machines, unpriced models), then paid seats without usage. Table, JSON or CSV.

use crate::cli::args::ReportArgs;
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::domain::reconcile::{Reconciled, reconcile};
use crate::store::queries::reconcile::VENDORS;
use crate::tui::widgets::columns::Align;
use anyhow::Context as _;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::json;
use std::io::Write;

/// Days covered when `--since` is not given.
const DEFAULT_DAYS: i64 = 30;

pub fn run(ctx: &Context, args: &ReportArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let today = Utc::now().date_naive();
    let day = |s: &str, flag: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
            .map_err(|_| anyhow::anyhow!("{flag} {s:?}: expected YYYY-MM-DD"))
    };
    let last = match &args.period.until {
        Some(u) => day(u, "--until")?,
        None => today,
    };
    let first = match &args.period.since {
        Some(s) => day(s, "--since")?,
        None => last - Duration::days(DEFAULT_DAYS - 1),
    };
    let reader = store.reader()?;
    let rows: Vec<Reconciled> = reader
        .reconcile_facts(&first.to_string(), &last.to_string())
        .context("reading vendor and local spend")?
        .iter()
        .filter(|f| {
            // `--agent` picks the vendor whose bill is compared with that agent's spend.
            args.filters.agent.as_deref().is_none_or(|a| {
                VENDORS
                    .iter()
                    .any(|(vendor, _, agent)| *vendor == f.vendor && *agent == a)
            })
        })
        .map(reconcile)
        .collect();
    let seats = reader.idle_seats(&first.to_string())?;
    // Organisation-wide vendor figures (no developer to attribute them to): their own line.
    let org = reader
        .vendor_org_totals(&first.to_string(), &last.to_string())
        .context("reading organisation-wide vendor totals")?;
    let usd = |m: Option<i64>| m.map(|v| v as f64 / 1e6);
    let mut out = std::io::stdout().lock();
    if args.output.json {
        let doc = json!({
            "since": first.to_string(), "until": last.to_string(),
            "reconcile": rows.iter().map(|r| json!({
                "day": r.day, "vendor": r.vendor,
                "billed_usd": usd(r.billed_micro_usd),
                "vendor_estimated_usd": usd(r.vendor_estimated_micro_usd),
                "local_computed_usd": r.local_computed_micro_usd as f64 / 1e6,
                "gap_usd": usd(r.gap_micro_usd),
                "gaps": r.gaps,
            })).collect::<Vec<_>>(),
            "seats_without_usage": seats.iter().map(|s| json!({"vendor": s.vendor, "developer": s.developer})).collect::<Vec<_>>(),
            "organisation_totals": org.iter().map(|o| json!({
                "vendor": o.vendor, "source": o.source,
                "input_tokens": o.input_tokens, "output_tokens": o.output_tokens,
                "cache_write_tokens": o.cache_write_tokens, "cache_read_tokens": o.cache_read_tokens,
                "total_tokens": o.tokens(), "requests": o.requests,
                "billed_usd": usd(o.billed_micro_usd), "vendor_estimated_usd": usd(o.estimated_micro_usd),
                "developer_attributed_tokens": o.attributed_tokens,
            })).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    let money = |m: Option<i64>| {
        m.map(|v| format!("{:.2}", v as f64 / 1e6))
            .unwrap_or_default()
    };
    if args.output.csv {
        writeln!(
            out,
            "day,vendor,billed_usd,vendor_estimated_usd,local_computed_usd,gap_usd,gaps"
        )?;
        for r in &rows {
            writeln!(
                out,
                "{},{},{},{},{},{},\"{}\"",
                r.day,
                r.vendor,
                money(r.billed_micro_usd),
                money(r.vendor_estimated_micro_usd),
                money(Some(r.local_computed_micro_usd)),
                money(r.gap_micro_usd),
                r.gaps.join("; ").replace('"', "'")
            )?;
        }
        for s in &seats {
            writeln!(
                out,
                ",{},,,,,\"seat without usage: {}\"",
                s.vendor, s.developer
            )?;
        }
        for o in &org {
            writeln!(
                out,
                ",{},{},{},,,\"organisation-wide ({}): {} tokens, {} requests, not attributable to a developer\"",
                o.vendor,
                money(o.billed_micro_usd),
                money(o.estimated_micro_usd),
                o.source,
                o.tokens(),
                o.requests
            )?;
        }
        return Ok(());
    }
    if rows.is_empty() && seats.is_empty() && org.is_empty() {
        writeln!(
            out,
            "nothing to reconcile from {first} to {last}: configure a vendor API ([sources.anthropic_admin], [sources.openai_admin], [sources.cursor], [sources.copilot]) and run `agentdeck sources poll`"
        )?;
        return Ok(());
    }
    let mut list = Listing::new(&[
        ("DAY", Align::Left),
        ("VENDOR", Align::Left),
        ("BILLED $", Align::Right),
        ("VENDOR EST $", Align::Right),
        ("LOCAL EST $", Align::Right),
        ("BILLED-LOCAL", Align::Right),
        ("GAP", Align::Left),
    ]);
    for r in &rows {
        list.row([
            r.day.to_string(),
            r.vendor.to_string(),
            money(r.billed_micro_usd),
            money(r.vendor_estimated_micro_usd),
            money(Some(r.local_computed_micro_usd)),
            money(r.gap_micro_usd),
            r.gaps.join("; "),
        ]);
    }
    list.write(&mut out)?;
    if !org.is_empty() {
        writeln!(
            out,
            "\norganisation-wide vendor totals {first}..{last} (not attributable to a developer):"
        )?;
        for o in &org {
            writeln!(
                out,
                "  {:<9} {:>14} tokens {:>10} requests  billed {:>10}  vendor est {:>10}  ({} tokens attributed to developers)",
                o.vendor,
                o.tokens(),
                o.requests,
                money(o.billed_micro_usd),
                money(o.estimated_micro_usd),
                o.attributed_tokens
            )?;
        }
    }
    if !seats.is_empty() {
        writeln!(out, "\nseats without usage since {first}: {}", seats.len())?;
        for s in &seats {
            writeln!(out, "  {} {}", s.vendor, s.developer)?;
        }
    }
    Ok(())
}
