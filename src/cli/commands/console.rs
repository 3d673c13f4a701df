//! `agentdeck` (no subcommand) and `agentdeck --demo`: resolves theme, keymap and store,
//! starts the background work (the live tail of local agent files, the team server sync
//! every two seconds when `[server]` is configured — and the vendor daily usage this
//! console polls sent to it — or the demo simulator) and runs the console until the user
//! quits.

use crate::cli::args::{ColorChoice, SourceDirs};
use crate::cli::context::Context;
use crate::collect::parse::ParseEnv;
use crate::collect::project::GitProjectResolver;
use crate::collect::watch::{LiveConfig, LiveStats};
use crate::tui::app::{self, ConsoleConfig};
use crate::tui::keymap::Keymap;
use crate::tui::theme::{Theme, ThemeCatalog};
use anyhow::Context as _;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the `[git]` repositories and code hosts are re-read while the console runs.
const GIT_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// How often the team server is asked for new rows while the console runs.
const SYNC_INTERVAL: Duration = Duration::from_secs(2);
/// How often vendor daily usage that changed is sent to the team server.
const VENDOR_PUSH_INTERVAL: Duration = Duration::from_secs(60);

pub fn run(ctx: &Context) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the console needs a terminal; for scripts use `agentdeck report` or `agentdeck alerts`"
        );
    }
    let (themes, theme_index, mut warnings) = resolve_themes(ctx);
    let (keymap, keymap_warnings) = Keymap::load(
        &ctx.paths.config_dir.join("keymap.toml"),
        ctx.global.read_only,
    );
    warnings.extend(keymap_warnings);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let stop = AtomicBool::new(false);
    let mut notice = None;
    let (_demo_dir, store) = if ctx.global.demo {
        // `--demo --db FILE` keeps the demo (see demo::place); without it, a temp store.
        let demo = crate::demo::place::open(ctx.global.db.as_deref(), chrono::Utc::now())?;
        notice = Some(demo.notice);
        (demo.temp, demo.store)
    } else {
        (None, ctx.open_store()?)
    };
    // A broken [server] setup is a warning in the console, never a reason not to open it.
    let team_server = if ctx.global.demo {
        None
    } else {
        ctx.team_server(None).unwrap_or_else(|e| {
            tracing::warn!("team server: {e:#}");
            warnings.push(format!("team server sync is off: {e:#}"));
            None
        })
    };
    // Without a team server this console evaluates the alert rules itself; with one, the
    // server does and alerts arrive by sync.
    let has_team_server = team_server.is_some();
    let alerting = if ctx.global.demo
        || has_team_server
        || ctx.global.read_only
        || !ctx.config.alerting.enabled
    {
        None
    } else {
        match super::alerts_check::engine(ctx) {
            Ok(e) => Some(e),
            Err(e) => {
                warnings.push(format!("alert rules are off: {e:#}"));
                None
            }
        }
    };
    let config = ConsoleConfig {
        store: store.clone(),
        tz: ctx.tz,
        read_only: ctx.global.read_only,
        themes,
        theme_index,
        keymap,
        who: ctx.developer(),
        warnings,
        notice,
        tick: Duration::from_secs(15),
    };
    std::thread::scope(|scope| {
        if !ctx.global.demo {
            let outcomes_store = store.clone();
            let store = store.clone();
            let stop = &stop;
            let developer = config.who.clone();
            scope.spawn(move || {
                // Built once: `ctx.developer()` runs `git config` and the price table is read
                // from disk; the resolver keeps its cache of git remotes between passes.
                let prices = match ctx.price_table() {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!("background refresh disabled: {e:#}");
                        return;
                    }
                };
                let resolver = GitProjectResolver::default();
                let env = ParseEnv {
                    developer: &developer,
                    prices: &prices,
                    projects: &resolver,
                };
                let roots = ctx.roots(&SourceDirs::default());
                crate::collect::watch::run(
                    &store,
                    &roots,
                    &env,
                    stop,
                    &live_config(),
                    &LiveStats::default(),
                );
            });
            let outcomes_store = outcomes_store.clone();
            scope.spawn(move || refresh_outcomes(ctx, &outcomes_store, stop));
        }
        // Stops the refresher however the console ends, panics included.
        let _stop_on_exit = StopOnDrop(&stop);
        runtime.block_on(async {
            if ctx.global.demo {
                let _sim = crate::demo::spawn_simulator(store.clone(), crate::demo::DEFAULT_SEED);
            }
            let synced =
                team_server.map(|server| {
                    // The server evaluates `low_acceptance` over the vendor days this console
                    // polls (admin or collector token; docs/server.md).
                    let vendor_days = crate::collect::sources::vendor_push::VendorPush::default()
                        .poll(server.clone(), store.clone(), VENDOR_PUSH_INTERVAL);
                    [
                        tokio::spawn(crate::alerting::sync::poll(
                            server.clone(),
                            store.clone(),
                            SYNC_INTERVAL,
                        )),
                        tokio::spawn(server.poll(store.clone(), SYNC_INTERVAL)),
                        tokio::spawn(vendor_days),
                    ]
                });
            let engine = alerting
                .map(|(engine, hooks)| crate::alerting::task::spawn(engine, store.clone(), hooks));
            // Vendor APIs and the GitHub directory, each on its own schedule.
            let (stop_pollers, stopped) = tokio::sync::watch::channel(false);
            if !ctx.global.demo && !ctx.global.offline {
                crate::cli::source_specs::spawn_pollers(ctx, &store, stopped);
            }
            let result = app::run(config).await;
            let _ = stop_pollers.send(true);
            if let Some(task) = engine {
                task.abort();
            }
            for task in synced.into_iter().flatten() {
                task.abort();
            }
            result
        })
    })?;
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(())
}

/// Re-reads the `[git]` repositories and code hosts every [`GIT_REFRESH_INTERVAL`] until
/// the console stops (checking for the stop every 200 ms so quitting never waits).
fn refresh_outcomes(ctx: &Context, store: &crate::store::Store, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        if let Err(e) = super::outcomes::refresh_git(ctx, store) {
            tracing::warn!("git refresh failed: {e:#}");
        }
        if let Err(e) = super::outcomes::refresh_hosts(ctx, store) {
            tracing::warn!("code host refresh failed: {e:#}");
        }
        let next = std::time::Instant::now() + GIT_REFRESH_INTERVAL;
        while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < next {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The live tail's timings; `AGENTDECK_WATCH=poll` turns notifications off (for file
/// systems that accept watches but never deliver them).
fn live_config() -> LiveConfig {
    LiveConfig {
        force_poll: std::env::var("AGENTDECK_WATCH").is_ok_and(|v| v == "poll"),
        ..LiveConfig::default()
    }
}

struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Whether colour is off: `--color=never`, or `auto` with `NO_COLOR` set (non-empty).
pub fn colour_off(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Never => true,
        ColorChoice::Always => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    }
}

/// Every loadable theme, the index to start with, and warnings for broken files.
pub fn resolve_themes(ctx: &Context) -> (Vec<Theme>, usize, Vec<String>) {
    let catalog = ThemeCatalog::with_user_dir(&ctx.paths.config_dir.join("themes"));
    let mut warnings = Vec::new();
    let mut themes = Vec::new();
    for (name, _) in catalog.names() {
        match catalog.load(&name) {
            Ok(t) => themes.push(t),
            Err(e) => warnings.push(format!("theme {e}; using the built-in default")),
        }
    }
    if !themes.iter().any(|t| t.name == "mono") {
        themes.push(Theme::mono());
    }
    let off = colour_off(ctx.global.color);
    let mut wanted = if off {
        "mono".to_string()
    } else {
        "default".to_string()
    };
    if let Some(choice) = ctx.global.theme.as_deref().filter(|_| !off) {
        let path = std::path::Path::new(choice);
        if choice.ends_with(".toml") || path.is_file() {
            match catalog.load_file(path) {
                Ok(t) => {
                    wanted = t.name.clone();
                    themes.retain(|x| x.name != t.name);
                    themes.push(t);
                }
                Err(e) => warnings.push(format!("theme {e}; using the built-in default")),
            }
        } else if themes.iter().any(|t| t.name == choice) {
            wanted = choice.to_string();
        } else {
            warnings.push(format!(
                "no theme named `{choice}` (agentdeck themes list); using default"
            ));
        }
    }
    if off {
        themes = themes.into_iter().map(Theme::without_colour).collect();
    }
    let index = themes
        .iter()
        .position(|t| t.name == wanted)
        .or_else(|| themes.iter().position(|t| t.name == "default"))
        .unwrap_or(0);
    (themes, index, warnings)
}
