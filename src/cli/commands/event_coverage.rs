//! `agentdeck event coverage --repo R --pr N --report FILE --base-report FILE`: a CI job
//! hands over the PR head's and the base branch's coverage reports (LCOV or Cobertura); the
//! change in line coverage, in percentage points, is stored on the pull request and feeds
//! the Quality figures' coverage delta. Local store only.

use crate::cli::BadUsage;
use crate::cli::context::Context;
use crate::domain::coverage;
use crate::store::WriteBatch;
use crate::store::ops::Op;
use std::path::Path;

fn percent(path: &Path) -> anyhow::Result<f64> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let c = coverage::parse(&text).map_err(|e| match e.line {
        0 => anyhow::anyhow!("{}: {}", path.display(), e.message),
        n => anyhow::anyhow!("{}:{n}: {}", path.display(), e.message),
    })?;
    c.percent()
        .ok_or_else(|| anyhow::anyhow!("{}: the report instruments no line", path.display()))
}

pub fn run(
    ctx: &Context,
    repo: &str,
    pr: i64,
    report: &Path,
    base_report: &Path,
    server: Option<&str>,
) -> anyhow::Result<()> {
    if server.is_some() {
        return Err(BadUsage(
            "coverage is recorded in the local store only (the team server's events endpoint takes deploys and incidents)".into(),
        )
        .into());
    }
    if pr <= 0 {
        return Err(BadUsage(format!("--pr {pr}: a pull request number is positive")).into());
    }
    let (head, base) = (percent(report)?, percent(base_report)?);
    let delta = ((head - base) * 100.0).round() / 100.0;
    let store = ctx.open_store()?;
    store.writer().apply_blocking(WriteBatch {
        ops: vec![Op::SetCoverage {
            repo: repo.trim().to_string(),
            number: pr,
            delta_points: delta,
            at: chrono::Utc::now().timestamp_millis(),
        }],
        ..WriteBatch::default()
    })?;
    println!("coverage of {repo}#{pr}: {head:.2}% (base {base:.2}%, {delta:+.2} pt)");
    Ok(())
}
