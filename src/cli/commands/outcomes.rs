//! Reading the configured outcome sources from the CLI: the `[git]` repositories and the
//! `[github]` / `[gitlab]` code hosts (on every `ingest`, `report` and in the console's
//! background), with a one-line summary each. Tokens come from the environment or a file.

use crate::cli::config_outcomes::CodeHostSection;
use crate::cli::context::Context;
use crate::collect::sources::code_host::{self, CodeHost, Fetcher, HostPassSummary};
use crate::collect::sources::git::{self, GitPassSummary};
use crate::collect::sources::{github::GitHub, gitlab::GitLab};
use crate::store::Store;
use anyhow::Context as _;
use std::io::Write;

/// Pull requests opened in the last this-many days are read on a first pass.
const DEFAULT_SINCE_DAYS: u32 = 90;

fn token(
    ctx: &Context,
    section: &CodeHostSection,
    default_env: &str,
) -> anyhow::Result<Option<String>> {
    if let Some(file) = &section.token_file {
        let path = match ctx.config_path.parent() {
            Some(dir) if file.is_relative() => dir.join(file),
            _ => file.clone(),
        };
        crate::cli::config::refuse_if_world_readable(&path, "a code host token file")?;
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the token file {}", path.display()))?;
        return Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty()));
    }
    let var = section.token_env.as_deref().unwrap_or(default_env);
    Ok(std::env::var(var)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty()))
}

/// One pass over `[github]` and `[gitlab]` repositories (none configured: empty list).
pub fn refresh_hosts(
    ctx: &Context,
    store: &Store,
) -> anyhow::Result<Vec<(&'static str, HostPassSummary)>> {
    let mut out = Vec::new();
    if ctx.global.offline {
        return Ok(out);
    }
    let hosts: [(&CodeHostSection, Box<dyn CodeHost>, &str); 2] = [
        (
            &ctx.config.github,
            Box::new(GitHub::new(ctx.config.github.api_url.as_deref())),
            "GITHUB_TOKEN",
        ),
        (
            &ctx.config.gitlab,
            Box::new(GitLab::new(ctx.config.gitlab.api_url.as_deref())),
            "GITLAB_TOKEN",
        ),
    ];
    for (section, host, env) in hosts {
        if section.repos.is_empty() {
            continue;
        }
        let token = token(ctx, section, env)?;
        let mut fetcher =
            Fetcher::new(host.as_ref(), token.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let since = chrono::Utc::now().timestamp_millis()
            - i64::from(section.since_days.unwrap_or(DEFAULT_SINCE_DAYS)) * 86_400_000;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let summary = runtime.block_on(code_host::pass(
            host.as_ref(),
            &mut fetcher,
            store,
            &section.repos,
            since,
        ))?;
        for p in &summary.problems {
            tracing::warn!("{}: {p}", host.name());
        }
        out.push((host.name(), summary));
    }
    Ok(out)
}

/// `github: 2 repositories, 14 pull requests (9 AI-assisted), 3 deploys` and problems.
pub fn print_host(out: &mut impl Write, name: &str, s: &HostPassSummary) -> std::io::Result<()> {
    writeln!(
        out,
        "{name}: {} repositor{}, {} pull request(s) updated ({} AI-assisted), {} deploy(s)",
        s.repositories,
        if s.repositories == 1 { "y" } else { "ies" },
        s.pull_requests,
        s.ai_pull_requests,
        s.deploys
    )?;
    for p in &s.problems {
        writeln!(out, "  {p}")?;
    }
    Ok(())
}

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
