//! The binary's edge: arguments, config, paths, logging and one module per command. It may
//! depend on every other module; nothing depends on it. Exit status (README "Exit status"):
//! 0 ok, 1 error, 2 bad usage; a closed stdout (`| head`) ends the command quietly with 0.

pub mod args;
pub mod commands;
pub mod config;
pub mod config_check;
pub mod config_outcomes;
pub mod config_sources;
pub mod context;
pub mod directory;
pub mod listing;
pub mod logging;
pub mod paths;
pub mod source_specs;
pub mod values;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use context::Context;

/// A usage mistake found after parsing (flags that contradict each other): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadUsage(pub String);

/// `alerts check` exits 3 when an alert is firing and 4 when a critical one is.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let paths = paths::Paths::discover();
    let _log_guard = logging::init(&paths.log_dir());
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e)
            if e.downcast_ref::<commands::alerts_check::ExitStatus>()
                .is_some() =>
        {
            e.downcast_ref::<commands::alerts_check::ExitStatus>()
                .map_or(1, |s| s.0)
        }
        Err(e) => {
            let message = one_cause_each(&e);
            tracing::error!("{message}");
            eprintln!("agentdeck: error: {message}");
            if e.downcast_ref::<BadUsage>().is_some() {
                eprintln!("(see `agentdeck --help`)");
                2
            } else {
                1
            }
        }
    }
}

fn dispatch(mut cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Some(Command::Completions { shell }) => return completions(*shell),
        Some(Command::Man) => return man(),
        // `config check` must work on a config that does not load.
        Some(Command::Config { action }) => return commands::config::run(&cli.global, action),
        _ => {}
    }
    let (ctx, _demo_dir) = match &mut cli.command {
        Some(command) if cli.global.demo => demo_context(cli.global, command)?,
        _ => (Context::new(cli.global)?, None),
    };
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
        Some(Command::Doctor(args)) => commands::doctor::run(&ctx, args),
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => commands::serve::run(&ctx, args),
        #[cfg(feature = "server")]
        Some(Command::Push(args)) => commands::push::run(&ctx, args),
        Some(Command::Sync(args)) => commands::sync::run(&ctx, args),
        Some(Command::Event { action, server }) => {
            commands::event::run(&ctx, action, server.as_deref())
        }
        Some(Command::Completions { .. } | Command::Man) => Ok(()),
        None => commands::console::run(&ctx),
    }
}

/// `--demo` with a command: it runs on the demo organisation's store (a throwaway one, kept
/// until the command ends, or `--db FILE` as the console keeps it), offline, without the
/// config's teams, and `report` without reading the agents' files into it. Commands that
/// would bring real data into the demo, or send the demo's anywhere, are refused.
fn demo_context(
    mut global: args::GlobalArgs,
    command: &mut Command,
) -> anyhow::Result<(Context, Option<tempfile::TempDir>)> {
    let refused = match command {
        Command::Ingest(_) => Some("ingest"),
        Command::Sync(_) => Some("sync"),
        Command::Event { .. } => Some("event"),
        Command::Sources {
            action: Some(args::SourcesCommand::Poll { .. }),
            ..
        } => Some("sources poll"),
        #[cfg(feature = "server")]
        Command::Serve(_) => Some("serve"),
        #[cfg(feature = "server")]
        Command::Push(_) => Some("push"),
        _ => None,
    };
    if let Some(name) = refused {
        return Err(BadUsage(format!(
            "--demo works with the console and with the commands that look at a store \
             (report, alerts, sources, doctor, pricing); `{name}` would mix real data \
             with the demo's, or send the demo's out"
        ))
        .into());
    }
    if let Command::Report(args) = command {
        args.no_refresh = true;
    }
    let demo = crate::demo::place::open(global.db.as_deref(), chrono::Utc::now())?;
    global.db = Some(demo.store.path().to_path_buf());
    global.offline = true;
    global.config = None;
    // The command opens the file itself; the demo's own handle closes first.
    drop(demo.store);
    let mut ctx = Context::new(global)?;
    ctx.config = config::Config::default();
    Ok((ctx, demo.temp))
}

fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    // Generated into memory first: the generator panics on a write error (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "agentdeck", &mut script);
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, &script)?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

fn man() -> anyhow::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, &page)?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

/// The error and its causes, each said once: a cause whose text the message already
/// contains (thiserror's `{0}` plus `#[source]`, anyhow context repeating it) is dropped.
pub fn one_cause_each(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Writing to a closed pipe (`agentdeck report daily | head -1`): not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::BrokenPipe;
        }
        if let Some(json) = cause.downcast_ref::<serde_json::Error>() {
            return json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe);
        }
        if let Some(csv) = cause.downcast_ref::<csv::Error>()
            && let csv::ErrorKind::Io(io) = csv.kind()
        {
            return io.kind() == std::io::ErrorKind::BrokenPipe;
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("database error: {0}")]
    struct Wrapper(#[source] std::io::Error);

    #[test]
    fn each_cause_is_said_once() {
        let io = std::io::Error::other("database disk image is malformed");
        let e = anyhow::Error::new(Wrapper(io)).context("querying usage");
        assert_eq!(
            one_cause_each(&e),
            "querying usage: database error: database disk image is malformed"
        );
    }

    #[test]
    fn broken_pipes_are_recognised_through_wrappers() {
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::new(io).context("writing")));
        let csv_err = csv::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::new(csv_err)));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    #[test]
    fn every_flag_and_subcommand_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {}", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "agentdeck", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
        Cli::command().debug_assert();
    }
}
