//! One module per question a report or screen asks. Each adds methods to [`super::Reader`]
//! and returns plain structs; nothing outside the store sees SQL.

pub mod alert_inputs;
pub mod alerts_admin;
pub mod budgets;
pub mod directory;
mod names;
pub mod outcomes;
pub mod pricing_state;
pub mod reconcile;
pub mod rollup_scan;
pub mod server_db;
pub mod sessions;
pub mod source_status;
pub mod sync;
pub mod usage;
pub mod vendor_days;
pub mod view_adoption;
pub mod view_costs;
pub mod view_live;
pub mod view_overview;
pub mod view_quality;
pub mod wide_sum;

use crate::domain::TokenUsage;

/// Reads the six token columns in store order (input, output, cache write 5m, cache write
/// 1h, cache read, reasoning) starting at column `first`.
pub(crate) fn usage_at(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<TokenUsage> {
    Ok(TokenUsage {
        input: row.get(first)?,
        output: row.get(first + 1)?,
        cache_write_5m: row.get(first + 2)?,
        cache_write_1h: row.get(first + 3)?,
        cache_read: row.get(first + 4)?,
        reasoning: row.get(first + 5)?,
    })
}
