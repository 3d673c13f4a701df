//! The binary's edge: arguments, config, paths, logging and one module per command. It may
//! depend on every other module; nothing depends on it.

pub mod args;
pub mod commands;
pub mod config;
pub mod config_check;
pub mod config_sources;
pub mod context;
pub mod directory;
pub mod logging;
pub mod paths;
pub mod source_specs;

use args::{Cli, Command};
use clap::Parser;
use context::Context;

/// Exit codes (design.md §2): 0 ok, 1 error, 2 bad usage (clap exits with 2 itself).
pub fn run() -> i32 {
    let cli = Cli::parse();
    let paths = paths::Paths::discover();
    let _log_guard = logging::init(&paths.log_dir());
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("agentdeck: {e:#}");
            1
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    // `config check` must work on a config that does not load.
    if let Some(Command::Config { action }) = &cli.command {
        return commands::config::run(&cli.global, action);
    }
    let ctx = Context::new(cli.global)?;
    match &cli.command {
        Some(Command::Ingest(args)) => commands::ingest::run(&ctx, args),
        Some(Command::Report(args)) => commands::report::run(&ctx, args),
        Some(Command::Pricing { action }) => commands::pricing::run(&ctx, action.as_ref()),
        Some(Command::Themes { action }) => commands::themes::run(&ctx, action.as_ref()),
        Some(Command::Alerts { action, json }) => {
            commands::alerts::run(&ctx, action.as_ref(), *json)
        }
        Some(Command::Sources { action: None, json }) => commands::sources::run(&ctx, *json),
        Some(Command::Sources {
            action: Some(args::SourcesCommand::Poll { name, json }),
            ..
        }) => commands::sources_poll::run(&ctx, name.as_deref(), *json),
        Some(Command::Config { .. }) => Ok(()),
        Some(Command::Serve(args)) => commands::serve::run(&ctx, args),
        Some(Command::Push(args)) => commands::push::run(&ctx, args),
        Some(Command::Sync(args)) => commands::sync::run(&ctx, args),
        None => commands::console::run(&ctx),
    }
}
