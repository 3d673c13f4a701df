//! `agentdeck ingest`: one incremental pass over local agent files, with a progress bar on
//! a terminal and a summary of what was read, added and skipped (and why).

use crate::cli::args::{IngestArgs, SourceDirs};
use crate::cli::context::Context;
use crate::collect::ingest::{NoProgress, Progress, ingest};
use crate::collect::parse::ParseEnv;
use crate::collect::project::GitProjectResolver;
use crate::collect::sources::Roots;
use crate::collect::summary::IngestSummary;
use crate::store::Store;
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};

/// How many skipped lines to list per reason without `--verbose`.
const EXAMPLES_PER_REASON: usize = 5;

pub fn run(ctx: &Context, args: &IngestArgs) -> anyhow::Result<()> {
    let store = ctx.open_store_for_pass()?;
    let show_progress = std::io::stderr().is_terminal() && !args.json;
    let summary = refresh(ctx, &store, &args.dirs, show_progress)?;
    let git = super::outcomes::refresh_git(ctx, &store)?;
    let hosts = super::outcomes::refresh_hosts(ctx, &store)?;
    if args.dirs.is_empty() {
        for (key, dir) in ctx.config.sources.missing_dirs() {
            eprintln!(
                "note: {} ([sources] {key} in the config) does not exist; nothing was read there",
                dir.display()
            );
        }
    }
    if summary.files_seen == 0 && !args.json && git.is_none() {
        let roots = ctx.roots(&args.dirs);
        let searched: Vec<String> = roots
            .claude
            .iter()
            .chain(&roots.codex)
            .chain(&roots.gemini)
            .chain(&roots.copilot)
            .map(|p| p.display().to_string())
            .collect();
        eprintln!(
            "note: no agent files found under {}; set CLAUDE_CONFIG_DIR / CODEX_HOME / GEMINI_DATA_DIR / COPILOT_CONFIG_DIR or pass --claude-dir / --codex-dir / --gemini-dir / --copilot-dir",
            searched.join(", ")
        );
    }
    let mut out = std::io::stdout().lock();
    let limit = if args.verbose || args.json {
        usize::MAX
    } else {
        EXAMPLES_PER_REASON
    };
    let (earlier, listed) = super::sources::earlier_skips(&store, &summary, limit)?;
    if args.json {
        let mut doc = to_json(&summary);
        doc["skipped_earlier"] = serde_json::json!(listed);
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        print_summary(&mut out, &summary, args.verbose)?;
        if earlier > 0 {
            writeln!(
                out,
                "skipped by earlier passes (still on record until their files change): {earlier}"
            )?;
            for l in &listed {
                writeln!(out, "  {l}")?;
            }
            if earlier > listed.len() as i64 {
                writeln!(
                    out,
                    "  … {} more (use --verbose, or `agentdeck sources`)",
                    earlier - listed.len() as i64
                )?;
            }
        }
        if let Some(git) = &git {
            super::outcomes::print_git(&mut out, git)?;
        }
        for (name, summary) in &hosts {
            super::outcomes::print_host(&mut out, name, summary)?;
        }
    }
    Ok(())
}

/// The incremental pass `report` and the console also use.
pub fn refresh(
    ctx: &Context,
    store: &Store,
    dirs: &SourceDirs,
    show_progress: bool,
) -> anyhow::Result<IngestSummary> {
    let prices = ctx.price_table()?;
    let developer = ctx.developer();
    let resolver = GitProjectResolver::default();
    let env = ParseEnv {
        developer: &developer,
        prices: &prices,
        projects: &resolver,
    };
    let read_as = store.reader()?.files_developer().ok().flatten();
    if let Some(before) = read_as.filter(|before| *before != developer) {
        eprintln!(
            "warning: this machine's agent files were read as {before} and new ones are now \
             read as {developer} ([identity] developer, or git's user.email): the files read \
             before stay {before}'s, lines added to them too, so the two names split this \
             machine's history. Set [identity] developer = \"{before}\" to keep one name."
        );
    }
    let summary = refresh_with(store, &ctx.roots(dirs), &env, show_progress)?;
    store
        .end_first_load()
        .with_context(|| format!("ending the first load of {}", store.path().display()))?;
    if summary.files_read > 0 {
        checkpoint(store);
    }
    Ok(summary)
}

/// Ends a pass that wrote: the WAL goes back into the database file and is cut to zero
/// bytes, so what stays on disk after `ingest` exits is the database alone. A reader that
/// holds the WAL open only delays this to a later checkpoint; it is never an error.
fn checkpoint(store: &Store) {
    match store.writer().checkpoint_blocking() {
        Ok(c) if !c.complete => tracing::info!("WAL checkpoint postponed: a reader is active"),
        Ok(c) => tracing::debug!(frames = c.frames_copied, "WAL checkpointed and truncated"),
        Err(e) => tracing::warn!("WAL checkpoint failed: {e}"),
    }
}

/// One incremental pass with prebuilt inputs, for callers that refresh repeatedly (the
/// console's background refresher builds developer, price table and project resolver once
/// instead of running `git config` and re-reading prices every second).
pub fn refresh_with(
    store: &Store,
    roots: &Roots,
    env: &ParseEnv<'_>,
    show_progress: bool,
) -> anyhow::Result<IngestSummary> {
    // Costs are a view of tokens × prices: bring stored costs up to the current table first.
    let repriced = super::pricing::reprice_if_stale(store, env.prices)?;
    let mut summary = if show_progress {
        ingest(store, roots, env, &BarProgress::new())?
    } else {
        ingest(store, roots, env, &NoProgress)?
    };
    summary.repriced = repriced;
    tracing::info!(
        files = summary.files_seen,
        read = summary.files_read,
        added = summary.outcome.requests_added,
        skipped = summary.problems.len(),
        "ingest pass done"
    );
    Ok(summary)
}

struct BarProgress(ProgressBar);

impl BarProgress {
    fn new() -> BarProgress {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} reading agent files {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        BarProgress(bar)
    }
}

impl Progress for BarProgress {
    fn start(&self, total_bytes: u64) {
        self.0.set_length(total_bytes);
        self.0
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn print_summary(out: &mut impl Write, s: &IngestSummary, verbose: bool) -> std::io::Result<()> {
    let o = &s.outcome;
    if let Some(state) = &s.repriced {
        writeln!(
            out,
            "{} (the price table changed since the last run)",
            super::pricing::repriced_text(state)
        )?;
    }
    writeln!(
        out,
        "files: {} found, {} read, {} unchanged",
        s.files_seen, s.files_read, s.files_unchanged
    )?;
    writeln!(
        out,
        "requests: {} added, {} replaced by a fuller copy, {} duplicate copies ignored",
        o.requests_added,
        o.requests_replaced,
        s.duplicates()
    )?;
    writeln!(
        out,
        "events: {} added; sessions touched: {}",
        o.events_added,
        s.sessions.len()
    )?;
    let by_reason = s.skipped_by_reason();
    if by_reason.is_empty() {
        writeln!(out, "skipped: none")?;
    } else {
        let parts: Vec<String> = by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        writeln!(out, "skipped: {}", parts.join(", "))?;
        for (reason, count) in &by_reason {
            for (shown, p) in s
                .problems
                .iter()
                .filter(|p| p.reason.label() == *reason)
                .enumerate()
            {
                if !verbose && shown == EXAMPLES_PER_REASON {
                    writeln!(
                        out,
                        "  … {} more {reason} (use --verbose to list all)",
                        count - shown as u64
                    )?;
                    break;
                }
                writeln!(out, "  {p}")?;
            }
        }
    }
    for (what, count) in s.assumed_by_kind() {
        writeln!(out, "assumed: {count} × {what}")?;
        for a in s
            .assumed
            .iter()
            .filter(|a| a.what == what)
            .take(if verbose {
                usize::MAX
            } else {
                EXAMPLES_PER_REASON
            })
        {
            writeln!(out, "  {}:{}", a.path, a.line)?;
        }
    }
    let limit = if verbose {
        usize::MAX
    } else {
        EXAMPLES_PER_REASON
    };
    let by_kind = s.repaired_by_kind();
    if !by_kind.is_empty() {
        let parts: Vec<String> = by_kind.iter().map(|(r, n)| format!("{n} {r}")).collect();
        writeln!(out, "kept after repair: {}", parts.join(", "))?;
        for what in by_kind.keys() {
            for r in s.repaired.iter().filter(|r| r.what == *what).take(limit) {
                writeln!(out, "  {r}")?;
            }
        }
    }
    if !s.pending_tails.is_empty() {
        writeln!(
            out,
            "waiting for a newline (read on a later pass): {} file(s)",
            s.pending_tails.len()
        )?;
        for (path, bytes) in s.pending_tails.iter().take(if verbose {
            usize::MAX
        } else {
            EXAMPLES_PER_REASON
        }) {
            writeln!(out, "  {path}: last {bytes} bytes")?;
        }
    }
    Ok(())
}

fn to_json(s: &IngestSummary) -> serde_json::Value {
    let o = &s.outcome;
    serde_json::json!({
        "files": { "found": s.files_seen, "read": s.files_read, "unchanged": s.files_unchanged },
        "requests": {
            "added": o.requests_added, "replaced": o.requests_replaced,
            "duplicates": s.duplicates(), "removed": o.requests_removed
        },
        "events_added": o.events_added,
        "repriced": s.repriced.as_ref().map(super::pricing::repriced_json),
        "sessions_touched": s.sessions.len(),
        "repaired_by_kind": s.repaired_by_kind(),
        "repaired": s.repaired,
        "skipped_by_reason": s.skipped_by_reason(),
        "skipped": s.problems,
        "assumed_by_kind": s.assumed_by_kind(),
        "assumed": s.assumed,
        "pending_tails": s.pending_tails.iter().map(|(p, b)| serde_json::json!({"path": p, "bytes": b})).collect::<Vec<_>>(),
    })
}
