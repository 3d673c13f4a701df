//! Vendor daily usage pushed by the console that polls Cursor/Copilot/Claude Code analytics,
//! stored on PostgreSQL as the SQLite store stores it (`store::ops`, `UpsertDailyUsage`):
//! one row per (source, day, developer, team), a day pushed again replacing it.

use super::{PgError, Tx};
use crate::store::ops::DailyUsageRow;

pub(super) async fn upsert(t: &mut Tx<'_, '_>, d: &DailyUsageRow) -> Result<(), PgError> {
    t.execute(
        "INSERT INTO daily_usage (source, day, developer, team, suggestions, acceptances,
             lines_suggested, lines_accepted, requests, spend_micro_usd)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (source, day, developer, team) DO UPDATE SET
             suggestions = excluded.suggestions, acceptances = excluded.acceptances,
             lines_suggested = excluded.lines_suggested, lines_accepted = excluded.lines_accepted,
             requests = excluded.requests, spend_micro_usd = excluded.spend_micro_usd,
             version = nextval('daily_usage_version')",
        &[
            &d.source,
            &d.day,
            &d.developer,
            &d.team,
            &d.suggestions,
            &d.acceptances,
            &d.lines_suggested,
            &d.lines_accepted,
            &d.requests,
            &d.spend_micro_usd,
        ],
    )
    .await?;
    Ok(())
}
