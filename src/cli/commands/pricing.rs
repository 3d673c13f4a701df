//! `agentdeck pricing list|show|import|reprice`: the price table in $ per million tokens,
//! how a model name resolves, importing LiteLLM's public price file, and re-pricing stored
//! requests whenever the effective table changes (docs/accounting.md#reprice).

use crate::cli::args::PricingCommand;
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::domain::{Money, TokenUsage};
use crate::pricing::{LongContext, ModelPrice, PriceTable};
use crate::store::Maintenance;
use crate::store::Store;
use crate::store::queries::pricing_state::PricingState;
use crate::tui::widgets::columns::Align;
use anyhow::Context as _;
use serde_json::json;
use std::io::Write;

pub fn run(ctx: &Context, action: Option<&PricingCommand>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match action.unwrap_or(&PricingCommand::List { json: false }) {
        PricingCommand::List { json } => {
            let table = ctx.price_table()?;
            if *json {
                let rows: Vec<_> = table.entries().map(|(k, p)| price_json(k, p)).collect();
                serde_json::to_writer_pretty(&mut out, &json!({ "models": rows }))?;
                writeln!(out)?;
            } else {
                let mut list = Listing::new(&[
                    ("model ($ per 1M tokens)", Align::Left),
                    ("input", Align::Right),
                    ("output", Align::Right),
                    ("5m write", Align::Right),
                    ("1h write", Align::Right),
                    ("read", Align::Right),
                    ("long context (prompt > N: in/out)", Align::Left),
                ]);
                for (key, p) in table.entries() {
                    list.row([
                        key.to_string(),
                        per_m(Some(p.input)),
                        per_m(Some(p.output)),
                        per_m(p.cache_write_5m),
                        per_m(p.cache_write_1h),
                        per_m(p.cache_read),
                        tiers_text(&p.long_context),
                    ]);
                }
                list.write(&mut out)?;
                writeln!(
                    out,
                    "{} models; `—` means the default rule applies (see docs/accounting.md).",
                    table.len()
                )?;
            }
        }
        PricingCommand::Show { model } => {
            let table = ctx.price_table()?;
            match table.lookup(model) {
                Some((key, p)) => {
                    writeln!(out, "{model} → {key}")?;
                    let v = price_json(key, p);
                    serde_json::to_writer_pretty(&mut out, &v)?;
                    writeln!(out)?;
                    let sample = TokenUsage {
                        input: 1_000_000,
                        ..Default::default()
                    };
                    writeln!(
                        out,
                        "1M uncached input tokens cost {}",
                        table.cost(Some(model), &sample, false).amount
                    )?;
                    for t in &p.long_context {
                        writeln!(
                            out,
                            "a request whose prompt (input + cache writes + cache reads) exceeds {} tokens pays {} for every token of it",
                            t.above_tokens,
                            tier_rates_text(t)
                        )?;
                    }
                }
                None => {
                    writeln!(
                        out,
                        "{model}: no price known; its usage is counted as unpriced."
                    )?;
                    writeln!(
                        out,
                        "Add one under [pricing.overrides.\"{model}\"] in the config, or `agentdeck pricing import` a newer LiteLLM file."
                    )?;
                    std::process::exit(1);
                }
            }
        }
        PricingCommand::Import { file } => {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let mut table = PriceTable::builtin();
            let summary = table
                .merge_litellm(&bytes)
                .with_context(|| format!("importing {}", file.display()))?;
            if summary.models_added + summary.models_updated == 0 {
                // Saving it would silently drop an earlier import for the built-in table.
                let reasons: Vec<String> = summary
                    .skipped
                    .iter()
                    .filter(|(k, _)| k != "sample_spec")
                    .take(3)
                    .map(|(key, reason)| format!("\n  skipped {key}: {reason}"))
                    .collect();
                anyhow::bail!(
                    "importing {}: no model with a usable price in it ({} entries skipped); \
                     the price table is unchanged{}",
                    file.display(),
                    summary.skipped.len(),
                    reasons.concat()
                );
            }
            let target = ctx.imported_prices_path();
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = target.with_extension("json.tmp");
            std::fs::write(&tmp, table.to_json())?;
            std::fs::rename(&tmp, &target)?;
            writeln!(
                out,
                "imported {}: {} models added, {} updated, {} entries skipped; saved to {}",
                file.display(),
                summary.models_added,
                summary.models_updated,
                summary.skipped.len(),
                target.display()
            )?;
            for (key, reason) in summary
                .skipped
                .iter()
                .filter(|(k, _)| k != "sample_spec")
                .take(10)
            {
                writeln!(out, "  skipped {key}: {reason}")?;
            }
            let store = ctx.open_store()?;
            let state = reprice(&store, ctx.price_table()?)?;
            writeln!(out, "{}", repriced_text(&state))?;
        }
        PricingCommand::Reprice { json } => {
            let store = ctx.open_store()?;
            let state = reprice(&store, ctx.price_table()?)?;
            if *json {
                serde_json::to_writer_pretty(&mut out, &repriced_json(&state))?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}", repriced_text(&state))?;
            }
        }
    }
    Ok(())
}

/// Re-prices every stored request whose cost agentdeck computed, with `prices`, and
/// records the table's fingerprint. Returns what changed.
pub fn reprice(store: &Store, prices: PriceTable) -> anyhow::Result<PricingState> {
    let fingerprint = prices.fingerprint();
    let price = Box::new(move |model: Option<&str>, usage: &TokenUsage, fast: bool| {
        prices.cost(model, usage, fast)
    });
    store
        .writer()
        .maintain_blocking(Maintenance::Reprice { price, fingerprint })
        .context("re-pricing stored requests")?;
    store
        .reader()?
        .pricing_state()?
        .context("the reprice recorded no pricing state")
}

/// Re-prices the store when its costs were computed with another table than `prices` (an
/// override added or removed, a table imported, agentdeck upgraded, or a store built
/// before costs were fingerprinted). `None` when they already follow `prices`; also
/// `None` for a first check that changed nothing (a new store).
pub fn reprice_if_stale(
    store: &Store,
    prices: &PriceTable,
) -> anyhow::Result<Option<PricingState>> {
    let before = store.reader()?.pricing_state()?;
    if before
        .as_ref()
        .is_some_and(|s| s.fingerprint == prices.fingerprint())
    {
        return Ok(None);
    }
    let state = reprice(store, prices.clone())?;
    let noticeable = before.is_some() || state.requests_changed > 0;
    Ok(noticeable.then_some(state))
}

/// One line: how many stored requests changed and how the total cost moved.
pub fn repriced_text(s: &PricingState) -> String {
    let delta = Money(s.cost_after.0.saturating_sub(s.cost_before.0));
    let sign = if delta.0 >= 0 { "+" } else { "-" };
    let pct = if s.cost_before.0 != 0 {
        format!(
            ", {sign}{:.2}%",
            (delta.0 as f64 / s.cost_before.0 as f64 * 100.0).abs()
        )
    } else {
        String::new()
    };
    format!(
        "prices: re-priced {} stored requests; total cost {} → {} ({sign}{}{pct})",
        s.requests_changed,
        s.cost_before,
        s.cost_after,
        Money(delta.0.saturating_abs())
    )
}

pub fn repriced_json(s: &PricingState) -> serde_json::Value {
    json!({
        "requests_changed": s.requests_changed,
        "cost_before_usd": s.cost_before.as_usd(),
        "cost_after_usd": s.cost_after.as_usd(),
        "fingerprint": s.fingerprint,
    })
}

fn per_m(v: Option<f64>) -> String {
    match v {
        Some(x) => {
            let m = x * 1_000_000.0;
            if (m * 100.0).fract().abs() < 1e-9 {
                format!("{m:.2}")
            } else {
                format!("{m:.4}")
            }
        }
        None => "—".into(),
    }
}

fn tiers_text(tiers: &[LongContext]) -> String {
    if tiers.is_empty() {
        return "—".into();
    }
    let parts: Vec<String> = tiers
        .iter()
        .map(|t| {
            format!(
                "> {}k: {}/{}",
                t.above_tokens / 1_000,
                per_m(t.input),
                per_m(t.output)
            )
        })
        .collect();
    parts.join("; ")
}

fn tier_rates_text(t: &LongContext) -> String {
    let named = [
        ("input", t.input),
        ("output", t.output),
        ("5m write", t.cache_write_5m),
        ("1h write", t.cache_write_1h),
        ("read", t.cache_read),
    ];
    let parts: Vec<String> = named
        .iter()
        .filter_map(|(n, v)| v.map(|_| format!("{n} ${}/M", per_m(*v))))
        .collect();
    format!("{} (others scale like input)", parts.join(", "))
}

fn price_json(key: &str, p: &ModelPrice) -> serde_json::Value {
    let m = |v: Option<f64>| v.map(|x| x * 1_000_000.0);
    let tiers: Vec<_> = p
        .long_context
        .iter()
        .map(|t| {
            json!({
                "above_tokens": t.above_tokens,
                "input": m(t.input), "output": m(t.output),
                "cache_write_5m": m(t.cache_write_5m), "cache_write_1h": m(t.cache_write_1h),
                "cache_read": m(t.cache_read),
            })
        })
        .collect();
    json!({
        "model": key,
        "usd_per_million": {
            "input": p.input * 1_000_000.0, "output": p.output * 1_000_000.0,
            "cache_write_5m": m(p.cache_write_5m), "cache_write_1h": m(p.cache_write_1h),
            "cache_read": m(p.cache_read),
        },
        "long_context": tiers,
        "fast_multiplier": p.fast_multiplier,
    })
}
