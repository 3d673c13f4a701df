//! `agentdeck pricing list|show|import`: the price table in $ per million tokens, how a
//! model name resolves, and importing LiteLLM's public price file (then re-pricing).

use crate::cli::args::PricingCommand;
use crate::cli::context::Context;
use crate::domain::TokenUsage;
use crate::pricing::{ModelPrice, PriceTable};
use crate::store::Maintenance;
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
                writeln!(
                    out,
                    "{:<36} {:>8} {:>8} {:>8} {:>8} {:>8}  >200k (in/out)",
                    "model ($ per 1M tokens)", "input", "output", "5m write", "1h write", "read"
                )?;
                for (key, p) in table.entries() {
                    writeln!(
                        out,
                        "{:<36} {:>8} {:>8} {:>8} {:>8} {:>8}  {}",
                        key,
                        per_m(Some(p.input)),
                        per_m(Some(p.output)),
                        per_m(p.cache_write_5m),
                        per_m(p.cache_write_1h),
                        per_m(p.cache_read),
                        match (p.input_above_200k, p.output_above_200k) {
                            (None, None) => "—".to_string(),
                            (i, o) => format!("{}/{}", per_m(i), per_m(o)),
                        }
                    )?;
                }
                writeln!(
                    out,
                    "{} models; `—` means the default rule applies (see README, Pricing).",
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
            // Re-price stored requests whose cost we computed.
            let store = ctx.open_store()?;
            let prices = ctx.price_table()?;
            let changed = store
                .writer()
                .maintain_blocking(Maintenance::Reprice(Box::new(move |model, usage, fast| {
                    prices.cost(model, usage, fast)
                })))?;
            writeln!(out, "re-priced {changed} stored requests")?;
        }
    }
    Ok(())
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

fn price_json(key: &str, p: &ModelPrice) -> serde_json::Value {
    let m = |v: Option<f64>| v.map(|x| x * 1_000_000.0);
    json!({
        "model": key,
        "usd_per_million": {
            "input": p.input * 1_000_000.0, "output": p.output * 1_000_000.0,
            "cache_write_5m": m(p.cache_write_5m), "cache_write_1h": m(p.cache_write_1h),
            "cache_read": m(p.cache_read),
            "input_above_200k": m(p.input_above_200k), "output_above_200k": m(p.output_above_200k),
        },
        "fast_multiplier": p.fast_multiplier,
    })
}
