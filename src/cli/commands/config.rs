//! `agentdeck config check [FILE]`: validates a config file without running anything —
//! TOML syntax, keys that nothing reads (with line and the nearest valid key), a token in a
//! file others can read, whether the keys, key files and CSV files it names are usable, and
//! whether its `[[alert]]` rules and `[[webhook]]`s are.

use crate::cli::args::{ConfigCommand, GlobalArgs};
use crate::cli::config::{Config, refuse_if_world_readable};
use crate::cli::context::Context;
use crate::cli::paths::Paths;
use std::io::Write;

pub fn run(global: &GlobalArgs, action: &ConfigCommand) -> anyhow::Result<()> {
    let ConfigCommand::Check { file } = action;
    let paths = Paths::discover();
    let path = file
        .clone()
        .or_else(|| global.config.clone())
        .unwrap_or_else(|| paths.default_config());
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
    let config = Config::parse(&path, &text)?;
    if config.server.token.is_some() {
        refuse_if_world_readable(&path, "a config file holding a token")?;
    }
    let ctx = Context {
        paths,
        config,
        db_path: std::path::PathBuf::new(),
        config_path: path.clone(),
        tz: chrono_tz::UTC,
        global: global.clone(),
    };
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    for spec in crate::cli::source_specs::api_specs(&ctx) {
        let section = format!("[sources.{}]", spec.kind.source());
        match &spec.problem {
            // Most problems start with their section already.
            Some(p) if p.starts_with(&section) => problems.push(p.clone()),
            Some(p) => problems.push(format!("{section}: {p}")),
            None => notes.push(format!(
                "[sources.{}]: key from {}, every {}",
                spec.kind.source(),
                spec.key_source,
                humantime::format_duration(spec.interval)
            )),
        }
    }
    match crate::cli::directory::load_csv(&ctx) {
        Ok(Some((n, bad))) => {
            notes.push(format!("[directory] csv: {n} member(s)"));
            problems.extend(bad.into_iter().map(|b| format!("[directory] csv {b}")));
        }
        Ok(None) => {}
        Err(e) => problems.push(format!("[directory] csv: {e:#}")),
    }
    for (key, dir) in ctx.config.sources.missing_dirs() {
        problems.push(format!(
            "[sources] {key}: {} does not exist (nothing is read there)",
            dir.display()
        ));
    }
    // The alert rules and webhooks as `alerts check`, the console and `serve` build them.
    if let Err(e) = super::alerts_check::engine(&ctx) {
        problems.push(format!("{e:#}"));
    }
    let mut out = std::io::stdout().lock();
    for n in &notes {
        writeln!(out, "  {n}")?;
    }
    if problems.is_empty() {
        writeln!(out, "{}: ok", path.display())?;
        return Ok(());
    }
    anyhow::bail!(
        "{} parses, but:\n  {}",
        path.display(),
        problems.join("\n  ")
    )
}
