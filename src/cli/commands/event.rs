//! `agentdeck event deploy|incident …`: records a deploy or an incident from a CI/CD job or
//! a paging tool — into the local store, or, with `--server` (or `[server]` in the config),
//! on the team server through `POST /api/v1/events`.

use crate::cli::args::EventCommand;
use crate::cli::context::Context;
use crate::domain::outcome_event::{OutcomeEvent, OutcomeKind};
use crate::store::WriteBatch;
use crate::store::ops::Op;
use anyhow::Context as _;

fn event_of(cmd: &EventCommand) -> anyhow::Result<OutcomeEvent> {
    let ts = |t: &Option<String>, flag: &str| -> anyhow::Result<Option<i64>> {
        t.as_deref()
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|d| d.timestamp_millis())
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{flag} `{s}`: {e} (use RFC 3339, e.g. 2026-11-29T14:00:00Z)"
                        )
                    })
            })
            .transpose()
    };
    Ok(match cmd {
        EventCommand::Deploy {
            id,
            repo,
            sha,
            status,
            environment,
            at,
        } => OutcomeEvent {
            kind: OutcomeKind::Deploy,
            id: id.clone(),
            repo: Some(repo.clone()),
            ts_ms: ts(at, "--at")?,
            sha: sha.clone(),
            status: Some(status.clone()),
            environment: environment.clone(),
            severity: None,
            resolved_at_ms: None,
            title: None,
        },
        EventCommand::Coverage { .. } => anyhow::bail!("coverage is recorded by event_coverage"),
        EventCommand::Incident {
            id,
            repo,
            severity,
            caused_by,
            title,
            at,
            resolved_at,
        } => OutcomeEvent {
            kind: OutcomeKind::Incident,
            id: id.clone(),
            repo: repo.clone(),
            ts_ms: ts(at, "--at")?,
            sha: caused_by.clone(),
            status: None,
            environment: None,
            severity: severity.clone(),
            resolved_at_ms: ts(resolved_at, "--resolved-at")?,
            title: title.clone(),
        },
    })
}

pub fn run(ctx: &Context, cmd: &EventCommand, server: Option<&str>) -> anyhow::Result<()> {
    if let EventCommand::Coverage {
        repo,
        pr,
        report,
        base_report,
    } = cmd
    {
        return super::event_coverage::run(ctx, repo, *pr, report, base_report, server);
    }
    let event = event_of(cmd)?;
    let now = chrono::Utc::now().timestamp_millis();
    event.validate_at(now).map_err(|e| anyhow::anyhow!("{e}"))?;
    let kind = match event.kind {
        OutcomeKind::Deploy => "deploy",
        OutcomeKind::Incident => "incident",
    };
    if let Some(team) = ctx.team_server(server)? {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime
            .block_on(team.post_json("/api/v1/events", &serde_json::to_value(&event)?))
            .with_context(|| format!("sending the {kind} to {}", team.url()))?;
        println!("{kind} {} recorded on {}", event.id, team.url());
        return Ok(());
    }
    let store = ctx.open_store()?;
    store.writer().apply_blocking(WriteBatch {
        ops: vec![Op::RecordOutcomeEvent {
            event: event.clone(),
            source: "cli".into(),
            received_at: now,
        }],
        ..WriteBatch::default()
    })?;
    println!("{kind} {} recorded in {}", event.id, ctx.db_path.display());
    Ok(())
}
