//! The team directory from config: `[directory] csv` (columns `email,team,role,started_on`,
//! read by `store::directory::parse_members_csv`, the same reader `serve members import`
//! uses) applied on every start, and `[directory] github_org` polled with the APIs.

use super::context::Context;
use crate::store::directory::parse_members_csv;
use crate::store::ops::Op;
use crate::store::source_health::{RunProblems, SourceRun};
use crate::store::{Store, WriteBatch};
use std::path::PathBuf;

/// The source name of the directory in source health.
pub const SOURCE: &str = "directory";

fn csv_path(ctx: &Context) -> Option<PathBuf> {
    let file = ctx.config.directory.csv.as_ref()?;
    Some(match ctx.config_path.parent() {
        Some(dir) if file.is_relative() => dir.join(file),
        _ => file.clone(),
    })
}

/// Parses the configured CSV: `None` when none is configured, else the member count and
/// the rows that could not be used (`file:line: why`).
pub fn load_csv(ctx: &Context) -> anyhow::Result<Option<(usize, Vec<String>)>> {
    let Some(path) = csv_path(ctx) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let (members, bad) = parse_members_csv(&text)
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.line, e.message))?;
    let bad = bad
        .iter()
        .map(|p| format!("{}:{}: {}", path.display(), p.line, p.message))
        .collect();
    Ok(Some((members.len(), bad)))
}

/// Writes the CSV's members (team, role, start date) and records the run in source health.
pub fn apply_csv(ctx: &Context, store: &Store) {
    let Some(path) = csv_path(ctx) else {
        return;
    };
    let now = chrono::Utc::now().timestamp_millis();
    let mut run = SourceRun {
        source: SOURCE.into(),
        kind: "directory".into(),
        finished_at: now,
        items_read: 1,
        item_unit: "files".into(),
        settings: Some(serde_json::json!({ "csv": path.display().to_string(), "github_org": ctx.config.directory.github_org }).to_string()),
        ..SourceRun::default()
    };
    let mut ops = Vec::new();
    match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| {
            parse_members_csv(&text).map_err(|e| format!("line {}: {}", e.line, e.message))
        }) {
        Ok((members, bad)) => {
            let mut problems = RunProblems::default();
            for b in &bad {
                problems.add("bad_row", || {
                    format!("{}:{}: {}", path.display(), b.line, b.message)
                });
            }
            run.problems = problems;
            run.rows_added = members.len() as i64;
            ops.extend(members.into_iter().map(Op::UpsertMember));
        }
        Err(e) => run.error = Some(format!("{}: {e}", path.display())),
    }
    ops.push(Op::RecordRun(run));
    if let Err(e) = store.writer().apply_blocking(WriteBatch {
        ops,
        ..WriteBatch::default()
    }) {
        tracing::warn!("applying the directory failed: {e}");
    }
}

/// The GitHub organisation whose teams make the directory, when configured.
pub fn github_teams(
    ctx: &Context,
) -> anyhow::Result<Option<crate::collect::directory::GithubTeams>> {
    use crate::collect::directory::GithubTeams;
    use crate::collect::http::Secret;
    let d = &ctx.config.directory;
    let Some(org) = d.github_org.clone() else {
        return Ok(None);
    };
    let key = match (&d.github_api_key_env, &d.github_api_key_file) {
        (Some(var), _) => {
            let v = std::env::var(var).map_err(|_| {
                anyhow::anyhow!("[directory] github_api_key_env names {var}, which is not set")
            })?;
            anyhow::ensure!(
                super::source_specs::one_token(v.trim()),
                "[directory] github_api_key_env names {var}, which holds more than the token (a space, line break or control character inside it)"
            );
            Secret::new(v.trim())
        }
        (None, Some(file)) => {
            let path = match ctx.config_path.parent() {
                Some(dir) if file.is_relative() => dir.join(file),
                _ => file.clone(),
            };
            super::source_specs::read_key_file(&path)?
        }
        (None, None) => anyhow::bail!(
            "[directory] github_org needs github_api_key_env or github_api_key_file (a token with read:org)"
        ),
    };
    Ok(Some(GithubTeams {
        base_url: d
            .github_base_url
            .clone()
            .unwrap_or_else(|| "https://api.github.com".into()),
        org,
        key,
    }))
}
