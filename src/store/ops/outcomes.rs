//! Writing outcomes: commits and their revert/fix links, pull requests and coverage,
//! deploys, incidents, and vendor-aggregated daily usage (see `docs/accounting.md`).
//! One function per [`Op`](super::Op) variant; the variant says what it does.

use super::{CommitRow, DailyUsageRow, DeployRow, IncidentRow, PullRequestRow};
use crate::domain::UnixMillis;
use crate::domain::outcome_event::OutcomeEvent;
use rusqlite::{Transaction, params};

pub(super) fn set_coverage(
    tx: &Transaction<'_>,
    repo: &str,
    number: &i64,
    delta_points: &f64,
    at: &UnixMillis,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO pull_requests (repo, number, author, opened_at, coverage_delta)
         VALUES (?1, ?2, '', ?3, ?4)
         ON CONFLICT (repo, number) DO UPDATE SET coverage_delta = excluded.coverage_delta",
    )?
    .execute(params![repo, number, at, delta_points])?;
    Ok(())
}

pub(super) fn upsert_commit(tx: &Transaction<'_>, c: &CommitRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO commits (repo, sha, author, ts, ai_agent, ai_detected_by, lines_added,
             lines_removed, reverted_by, ticket_key, branch, is_merge)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (repo, sha) DO UPDATE SET author = excluded.author, ts = excluded.ts,
             ai_agent = coalesce(excluded.ai_agent, ai_agent),
             ai_detected_by = coalesce(excluded.ai_detected_by, ai_detected_by),
             lines_added = excluded.lines_added, lines_removed = excluded.lines_removed,
             reverted_by = coalesce(excluded.reverted_by, reverted_by),
             ticket_key = coalesce(excluded.ticket_key, ticket_key),
             branch = coalesce(branch, excluded.branch), is_merge = excluded.is_merge",
    )?
    .execute(params![
        c.repo,
        c.sha,
        c.author,
        c.ts,
        c.ai_agent,
        c.ai_detected_by,
        c.lines_added,
        c.lines_removed,
        c.reverted_by,
        c.ticket_key,
        c.branch,
        c.is_merge
    ])?;
    if c.ai_agent.is_some() {
        // An incident reported before this commit was read names it (in this repository,
        // when it names one): it is AI-linked now.
        tx.prepare_cached(
            "UPDATE incidents SET ai_linked = 1 WHERE ai_linked = 0
                 AND caused_by_sha IS NOT NULL AND substr(?1, 1, length(caused_by_sha)) = caused_by_sha
                 AND (repo IS NULL OR repo = ?2)",
        )?
        .execute(params![c.sha, c.repo])?;
    }
    Ok(())
}

pub(super) fn link_commit(
    tx: &Transaction<'_>,
    repo: &str,
    sha_prefix: &str,
    reverted_by: &Option<String>,
    fixed_by: &Option<String>,
) -> rusqlite::Result<()> {
    let prefix = sha_prefix.to_ascii_lowercase();
    // A range over the primary key: every sha that starts with the prefix.
    tx.prepare_cached(
        "UPDATE commits SET reverted_by = coalesce(reverted_by, ?3),
             fixed_by = coalesce(fixed_by, ?4)
         WHERE repo = ?1 AND sha >= ?2 AND sha < ?2 || 'g' AND sha <> coalesce(?3, ?4)",
    )?
    .execute(params![repo, prefix, reverted_by, fixed_by])?;
    Ok(())
}

pub(super) fn forget_commit(tx: &Transaction<'_>, repo: &str, sha: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM commits WHERE repo = ?1 AND sha = ?2")?
        .execute(params![repo, sha])?;
    for column in ["reverted_by", "fixed_by"] {
        tx.prepare_cached(&format!(
            "UPDATE commits SET {column} = NULL WHERE repo = ?1 AND {column} = ?2"
        ))?
        .execute(params![repo, sha])?;
    }
    Ok(())
}

pub(super) fn upsert_pull_request(
    tx: &Transaction<'_>,
    p: &PullRequestRow,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO pull_requests (repo, number, author, opened_at, merged_at, closed_at,
             ai_agent, ai_detected_by, review_rounds, first_review_at, reverted,
             coverage_delta, ticket_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (repo, number) DO UPDATE SET author = excluded.author,
             opened_at = excluded.opened_at, merged_at = excluded.merged_at,
             closed_at = excluded.closed_at,
             ai_agent = coalesce(excluded.ai_agent, ai_agent),
             ai_detected_by = coalesce(excluded.ai_detected_by, ai_detected_by),
             review_rounds = excluded.review_rounds, first_review_at = excluded.first_review_at,
             reverted = excluded.reverted OR reverted,
             coverage_delta = coalesce(excluded.coverage_delta, coverage_delta),
             ticket_key = coalesce(excluded.ticket_key, ticket_key)",
    )?
    .execute(params![
        p.repo,
        p.number,
        p.author,
        p.opened_at,
        p.merged_at,
        p.closed_at,
        p.ai_agent,
        p.ai_detected_by,
        p.review_rounds,
        p.first_review_at,
        p.reverted,
        p.coverage_delta,
        p.ticket_key
    ])?;
    Ok(())
}

pub(super) fn mark_pull_request_reverted(
    tx: &Transaction<'_>,
    repo: &str,
    number: &i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE pull_requests SET reverted = 1 WHERE repo = ?1 AND number = ?2")?
        .execute(params![repo, number])?;
    Ok(())
}

pub(super) fn upsert_deploy(tx: &Transaction<'_>, d: &DeployRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO deploys (repo, id, ts, sha, status) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (repo, id) DO UPDATE SET ts = excluded.ts, sha = excluded.sha,
             status = excluded.status",
    )?
    .execute(params![d.repo, d.id, d.ts, d.sha, d.status])?;
    Ok(())
}

pub(super) fn upsert_incident(tx: &Transaction<'_>, i: &IncidentRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO incidents (id, repo, opened_at, resolved_at, severity, caused_by_sha,
             ai_linked, title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET repo = excluded.repo, opened_at = excluded.opened_at,
             resolved_at = excluded.resolved_at, severity = excluded.severity,
             caused_by_sha = excluded.caused_by_sha, ai_linked = excluded.ai_linked,
             title = excluded.title",
    )?
    .execute(params![
        i.id,
        i.repo,
        i.opened_at,
        i.resolved_at,
        i.severity,
        i.caused_by_sha,
        i.ai_linked,
        i.title
    ])?;
    Ok(())
}

pub(super) fn record_outcome_event(
    tx: &Transaction<'_>,
    event: &OutcomeEvent,
    source: &str,
    received_at: &UnixMillis,
) -> rusqlite::Result<&'static str> {
    use crate::domain::outcome_event::OutcomeKind;
    let ts = event.ts_ms.unwrap_or(*received_at);
    let sha = event.sha.as_deref().map(str::to_ascii_lowercase);
    match event.kind {
        OutcomeKind::Deploy => {
            tx.prepare_cached(
                "INSERT INTO deploys (repo, id, ts, sha, status, environment, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (repo, id) DO UPDATE SET
                     ts = CASE WHEN ?8 THEN excluded.ts ELSE ts END,
                     sha = coalesce(excluded.sha, sha), status = excluded.status,
                     environment = coalesce(excluded.environment, environment),
                     source = excluded.source",
            )?
            .execute(params![
                event.repo.as_deref().unwrap_or_default(),
                event.id.trim(),
                ts,
                sha,
                event.status.as_deref().unwrap_or("success"),
                event.environment,
                source,
                // A repeat (say, the rollback) keeps when it deployed what, unless it says.
                event.ts_ms.is_some()
            ])?;
            Ok("deploys")
        }
        OutcomeKind::Incident => {
            tx.prepare_cached(
                "INSERT INTO incidents (id, repo, opened_at, resolved_at, severity, caused_by_sha,
                     ai_linked, title, source)
                 VALUES (?1, ?2, ?3, ?4, coalesce(?5, 'sev3'), ?6,
                     EXISTS (SELECT 1 FROM commits WHERE ?6 IS NOT NULL AND ai_agent IS NOT NULL
                         AND sha >= ?6 AND sha < ?6 || 'g' AND (?2 IS NULL OR repo = ?2)), ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET repo = coalesce(excluded.repo, repo),
                     opened_at = CASE WHEN ?9 THEN excluded.opened_at ELSE opened_at END,
                     resolved_at = coalesce(excluded.resolved_at, resolved_at),
                     severity = coalesce(?5, severity),
                     caused_by_sha = coalesce(excluded.caused_by_sha, caused_by_sha),
                     ai_linked = excluded.ai_linked OR ai_linked,
                     title = coalesce(excluded.title, title), source = excluded.source",
            )?
            .execute(params![
                event.id.trim(),
                event.repo,
                ts,
                event.resolved_at_ms,
                event.severity,
                sha,
                event.title,
                source,
                // A repeat (say, the resolution) without its own time keeps when it opened.
                event.ts_ms.is_some()
            ])?;
            Ok("incidents")
        }
    }
}

pub(super) fn upsert_daily_usage(tx: &Transaction<'_>, d: &DailyUsageRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO daily_usage (source, day, developer, team, suggestions, acceptances,
             lines_suggested, lines_accepted, requests, spend_micro_usd)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (source, day, developer, team) DO UPDATE SET
             suggestions = excluded.suggestions, acceptances = excluded.acceptances,
             lines_suggested = excluded.lines_suggested, lines_accepted = excluded.lines_accepted,
             requests = excluded.requests, spend_micro_usd = excluded.spend_micro_usd",
    )?
    .execute(params![
        d.source,
        d.day,
        d.developer,
        d.team,
        d.suggestions,
        d.acceptances,
        d.lines_suggested,
        d.lines_accepted,
        d.requests,
        d.spend_micro_usd
    ])?;
    Ok(())
}
