//! Whole-store jobs that run on the writer thread: re-pricing after a price-table change
//! (rollup tiers and session totals are rebuilt from `requests` in the same transaction).

use crate::domain::{Cost, TokenUsage};
use rusqlite::{Transaction, params};
use std::collections::BTreeSet;

/// Prices one request: (model or None, usage, fast) → cost.
pub type PriceFn = Box<dyn Fn(Option<&str>, &TokenUsage, bool) -> Cost + Send>;

pub enum Maintenance {
    /// Recompute every cost that was not reported by the agent, then rebuild aggregates.
    Reprice(PriceFn),
    /// Rebuild rollups and session totals from `requests`.
    RebuildAggregates,
}

pub(super) fn run(
    tx: &Transaction<'_>,
    job: &Maintenance,
    _now_ms: i64,
) -> rusqlite::Result<(u64, BTreeSet<&'static str>)> {
    let mut changed = 0u64;
    if let Maintenance::Reprice(price) = job {
        let rows: Vec<(i64, String, TokenUsage, bool, i64, String)> = tx
            .prepare(
                "SELECT id, model, input_tokens, output_tokens, cache_write_5m, cache_write_1h,
                        cache_read, reasoning_tokens, fast, cost_micro_usd, cost_source
                 FROM requests WHERE cost_source <> 'reported'",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    TokenUsage {
                        input: r.get(2)?,
                        output: r.get(3)?,
                        cache_write_5m: r.get(4)?,
                        cache_write_1h: r.get(5)?,
                        cache_read: r.get(6)?,
                        reasoning: r.get(7)?,
                    },
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut update =
            tx.prepare("UPDATE requests SET cost_micro_usd = ?2, cost_source = ?3 WHERE id = ?1")?;
        for (id, model, usage, fast, old_cost, old_source) in rows {
            let model = (model != "unknown").then_some(model.as_str());
            let cost = price(model, &usage, fast);
            if cost.amount.micro_usd() != old_cost || cost.source.as_str() != old_source {
                update.execute(params![id, cost.amount.micro_usd(), cost.source.as_str()])?;
                changed += 1;
            }
        }
    }
    rebuild_aggregates(tx)?;
    Ok((changed, BTreeSet::from(["requests", "sessions"])))
}

fn rebuild_aggregates(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM rollups;
         INSERT INTO rollups (bucket_start, developer, project_id, agent, model, requests,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
             reasoning_tokens, cost_micro_usd, reported_micro_usd, unpriced_requests, unpriced_tokens)
         SELECT (ts / 900000) * 900000 - CASE WHEN ts < 0 AND ts % 900000 <> 0 THEN 900000 ELSE 0 END,
                developer, coalesce(project_id, ''), agent,
                CASE WHEN fast THEN model || '-fast' ELSE model END, count(*),
                sum(input_tokens), sum(output_tokens), sum(cache_write_5m), sum(cache_write_1h),
                sum(cache_read), sum(reasoning_tokens),
                sum(CASE WHEN cost_source <> 'unpriced' THEN cost_micro_usd ELSE 0 END),
                sum(CASE WHEN cost_source = 'reported' THEN cost_micro_usd ELSE 0 END),
                sum(cost_source = 'unpriced'),
                sum(CASE WHEN cost_source = 'unpriced'
                    THEN input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read
                    ELSE 0 END)
         FROM requests GROUP BY 1, 2, 3, 4, 5;
         UPDATE sessions SET (requests, input_tokens, output_tokens, cache_write_5m, cache_write_1h,
                 cache_read, reasoning_tokens, cost_micro_usd, unpriced_tokens) =
             (SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
                     coalesce(sum(cache_write_5m), 0), coalesce(sum(cache_write_1h), 0),
                     coalesce(sum(cache_read), 0), coalesce(sum(reasoning_tokens), 0),
                     coalesce(sum(CASE WHEN cost_source <> 'unpriced' THEN cost_micro_usd ELSE 0 END), 0),
                     coalesce(sum(CASE WHEN cost_source = 'unpriced'
                         THEN input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read
                         ELSE 0 END), 0)
              FROM requests WHERE requests.session_id = sessions.id);",
    )?;
    tx.execute_batch(&super::rollup::refill_coarse_tiers_sql())
}
