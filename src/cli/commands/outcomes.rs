//! Reading the configured outcome sources from the CLI: the `[git]` repositories (on every
//! `ingest`, `report` and in the console's background), with a one-line summary.

use crate::cli::context::Context;
use crate::collect::sources::git::{self, GitPassSummary};
use crate::store::Store;
use std::io::Write;

/// One pass over `[git] repos`; `None` when none are configured.
pub fn refresh_git(ctx: &Context, store: &Store) -> anyhow::Result<Option<GitPassSummary>> {
    let section = &ctx.config.git;
    if section.repos.is_empty() {
        return Ok(None);
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let (repos, problems) = git::expand(&section.repos, home.as_deref())?;
    let mut summary = git::pass(
        store,
        &repos,
        section.max_commits.unwrap_or(git::DEFAULT_MAX_COMMITS),
    )?;
    summary.problems.splice(0..0, problems);
    for p in &summary.problems {
        tracing::warn!("git: {p}");
    }
    Ok(Some(summary))
}

/// `git: 3 repositories, 12 new commits (7 AI-attributed)` and any problems, one per line.
pub fn print_git(out: &mut impl Write, summary: &GitPassSummary) -> std::io::Result<()> {
    writeln!(
        out,
        "git: {} repositor{}, {} new commit{} ({} AI-attributed)",
        summary.repositories,
        if summary.repositories == 1 {
            "y"
        } else {
            "ies"
        },
        summary.commits,
        if summary.commits == 1 { "" } else { "s" },
        summary.ai_commits
    )?;
    for p in &summary.problems {
        writeln!(out, "  {p}")?;
    }
    Ok(())
}
