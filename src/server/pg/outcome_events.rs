//! Deploys and incidents from `POST /api/v1/events` on PostgreSQL, stored as the SQLite
//! store stores them (`store::ops`, `RecordOutcomeEvent`): one row per (repo, id) deploy and
//! per incident id, a repeat updating it. The server keeps no commits, so an incident here
//! is never marked AI-linked (a console links incidents against the commits it scanned).

use super::{PgError, Tx};
use crate::domain::outcome_event::{OutcomeEvent, OutcomeKind};

pub(super) async fn record(
    t: &mut Tx<'_, '_>,
    event: &OutcomeEvent,
    source: &str,
    received_at: i64,
) -> Result<(), PgError> {
    let ts = event.ts_ms.unwrap_or(received_at);
    let sha = event.sha.as_deref().map(str::to_ascii_lowercase);
    let id = event.id.trim();
    match event.kind {
        OutcomeKind::Deploy => {
            t.execute(
                "INSERT INTO deploys (repo, id, ts, sha, status, environment, source)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (repo, id) DO UPDATE SET
                     ts = CASE WHEN $8 THEN excluded.ts ELSE deploys.ts END,
                     sha = coalesce(excluded.sha, deploys.sha), status = excluded.status,
                     environment = coalesce(excluded.environment, deploys.environment),
                     source = excluded.source",
                &[
                    &event.repo.as_deref().unwrap_or_default(),
                    &id,
                    &ts,
                    &sha,
                    &event.status.as_deref().unwrap_or("success"),
                    &event.environment,
                    &source,
                    // A repeat without its own time keeps when it deployed.
                    &event.ts_ms.is_some(),
                ],
            )
            .await?;
        }
        OutcomeKind::Incident => {
            t.execute(
                "INSERT INTO incidents (id, repo, opened_at, resolved_at, severity, caused_by_sha,
                     title, source)
                 VALUES ($1, $2, $3, $4, coalesce($5, 'sev3'), $6, $7, $8)
                 ON CONFLICT (id) DO UPDATE SET repo = coalesce(excluded.repo, incidents.repo),
                     opened_at = CASE WHEN $9 THEN excluded.opened_at ELSE incidents.opened_at END,
                     resolved_at = coalesce(excluded.resolved_at, incidents.resolved_at),
                     severity = coalesce($5, incidents.severity),
                     caused_by_sha = coalesce(excluded.caused_by_sha, incidents.caused_by_sha),
                     title = coalesce(excluded.title, incidents.title), source = excluded.source",
                &[
                    &id,
                    &event.repo,
                    &ts,
                    &event.resolved_at_ms,
                    &event.severity,
                    &sha,
                    &event.title,
                    &source,
                    // A repeat without its own time keeps when the incident opened.
                    &event.ts_ms.is_some(),
                ],
            )
            .await?;
        }
    }
    Ok(())
}
