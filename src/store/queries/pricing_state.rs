//! Which price table the stored costs follow, and what the last reprice changed
//! (docs/accounting.md#reprice).

use crate::domain::{Money, UnixMillis};
use crate::store::Reader;
use crate::store::error::Result;
use rusqlite::OptionalExtension;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingState {
    /// `PriceTable::fingerprint` of the table every computed cost was priced with.
    pub fingerprint: String,
    pub repriced_at: UnixMillis,
    pub requests_changed: u64,
    /// All priced costs (computed + reported) before and after that reprice.
    pub cost_before: Money,
    pub cost_after: Money,
}

impl Reader {
    /// `None` for a store never repriced (built before costs were fingerprinted).
    pub fn pricing_state(&self) -> Result<Option<PricingState>> {
        Ok(self
            .conn
            .query_row(
                "SELECT fingerprint, repriced_at, requests_changed, cost_before_micro_usd,
                        cost_after_micro_usd
                 FROM pricing_state WHERE id = 1",
                [],
                |r| {
                    Ok(PricingState {
                        fingerprint: r.get(0)?,
                        repriced_at: r.get(1)?,
                        requests_changed: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                        cost_before: Money(r.get(3)?),
                        cost_after: Money(r.get(4)?),
                    })
                },
            )
            .optional()?)
    }
}
