//! Whole-store jobs that run on the writer thread: re-pricing after the effective price
//! table changed (costs are a view of tokens × prices, docs/accounting.md#reprice), and
//! rebuilding rollup tiers and session totals from `requests` in the same transaction.

use super::queries::wide_sum::wide_sum;
use crate::domain::{Cost, CostSource, TokenUsage};
use rusqlite::{Transaction, params};
use std::collections::BTreeSet;

/// Prices one request: (model or None, usage, fast) → cost.
pub type PriceFn = Box<dyn Fn(Option<&str>, &TokenUsage, bool) -> Cost + Send>;

/// Requests read and re-priced per statement (bounded memory on large stores).
const REPRICE_PAGE_ROWS: i64 = 50_000;

pub enum Maintenance {
    /// Recompute every cost the agent did not state itself (`reported` costs, such as
    /// Claude Code's `costUSD`, are kept apart and never changed), rebuild aggregates, and
    /// record `fingerprint` as the table the store's costs now follow.
    Reprice { price: PriceFn, fingerprint: String },
    /// Rebuild rollups and session totals from `requests`.
    RebuildAggregates,
}

pub(super) fn run(
    tx: &Transaction<'_>,
    job: &Maintenance,
    now_ms: i64,
) -> rusqlite::Result<(u64, BTreeSet<&'static str>)> {
    let mut topics = BTreeSet::from(["requests", "sessions"]);
    let changed = match job {
        Maintenance::Reprice { price, fingerprint } => {
            let before = priced_total_micro_usd(tx)?;
            let changed = reprice(tx, price)?;
            if changed > 0 {
                rebuild_aggregates(tx)?;
            }
            let after = priced_total_micro_usd(tx)?;
            tx.prepare_cached(
                "INSERT INTO pricing_state (id, fingerprint, repriced_at, requests_changed,
                     cost_before_micro_usd, cost_after_micro_usd)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint,
                     repriced_at = excluded.repriced_at,
                     requests_changed = excluded.requests_changed,
                     cost_before_micro_usd = excluded.cost_before_micro_usd,
                     cost_after_micro_usd = excluded.cost_after_micro_usd",
            )?
            .execute(params![
                fingerprint,
                now_ms,
                i64::try_from(changed).unwrap_or(i64::MAX),
                before,
                after
            ])?;
            topics.insert("pricing");
            changed
        }
        Maintenance::RebuildAggregates => {
            rebuild_aggregates(tx)?;
            0
        }
    };
    Ok((changed, topics))
}

/// Sum of every priced cost (computed and reported), saturating (`domain/bounds.rs`).
fn priced_total_micro_usd(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row(
        &format!(
            "SELECT coalesce({}, 0) FROM requests WHERE cost_source <> 'unpriced'",
            wide_sum("cost_micro_usd")
        ),
        [],
        |r| r.get(0),
    )
}

/// Re-prices every non-reported request, one page of ids at a time; returns how many
/// changed cost or provenance.
fn reprice(tx: &Transaction<'_>, price: &PriceFn) -> rusqlite::Result<u64> {
    let mut changed = 0u64;
    let mut select = tx.prepare(
        "SELECT id, model, input_tokens, output_tokens, cache_write_5m, cache_write_1h,
                cache_read, reasoning_tokens, fast, cost_micro_usd, cost_source
         FROM requests WHERE cost_source <> 'reported' AND id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let mut update =
        tx.prepare("UPDATE requests SET cost_micro_usd = ?2, cost_source = ?3 WHERE id = ?1")?;
    let mut after_id = i64::MIN;
    loop {
        let page: Vec<(i64, String, TokenUsage, bool, i64, String)> = select
            .query_map(params![after_id, REPRICE_PAGE_ROWS], |r| {
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
        let Some(last) = page.last() else { break };
        after_id = last.0;
        for (id, model, usage, fast, old_cost, old_source) in page {
            let model = (model != "unknown").then_some(model.as_str());
            let cost = price(model, &usage, fast);
            debug_assert!(cost.source != CostSource::Reported);
            if cost.amount.micro_usd() != old_cost || cost.source.as_str() != old_source {
                update.execute(params![id, cost.amount.micro_usd(), cost.source.as_str()])?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

fn rebuild_aggregates(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    // Every total saturates (`domain/bounds.rs`): SQLite's plain `sum()` would fail.
    let priced = "CASE WHEN cost_source <> 'unpriced' THEN cost_micro_usd ELSE 0 END";
    let reported = "CASE WHEN cost_source = 'reported' THEN cost_micro_usd ELSE 0 END";
    let unpriced_tokens = "CASE WHEN cost_source = 'unpriced'
        THEN input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read
        ELSE 0 END";
    let tokens = [
        "input_tokens",
        "output_tokens",
        "cache_write_5m",
        "cache_write_1h",
        "cache_read",
        "reasoning_tokens",
    ];
    let sums = |exprs: &[&str], zero: bool| -> String {
        exprs
            .iter()
            .map(|e| {
                if zero {
                    format!("coalesce({}, 0)", wide_sum(e))
                } else {
                    wide_sum(e)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rollup_sums = sums(
        &[
            &tokens[..],
            &[
                priced,
                reported,
                "cost_source = 'unpriced'",
                unpriced_tokens,
            ],
        ]
        .concat(),
        false,
    );
    let session_sums_named = [&tokens[..], &[priced, unpriced_tokens]]
        .concat()
        .iter()
        .zip(["i", "o", "w5", "w1", "r", "rs", "c", "u"])
        .map(|(e, name)| format!("coalesce({}, 0) AS {name}", wide_sum(e)))
        .collect::<Vec<_>>()
        .join(", ");
    tx.execute_batch(&format!(
        "DELETE FROM rollups;
         INSERT INTO rollups (bucket_start, developer, project_id, agent, model, requests,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
             reasoning_tokens, cost_micro_usd, reported_micro_usd, unpriced_requests, unpriced_tokens)
         SELECT (ts / 900000) * 900000 - CASE WHEN ts < 0 AND ts % 900000 <> 0 THEN 900000 ELSE 0 END,
                developer, coalesce(project_id, ''), agent,
                CASE WHEN fast THEN model || '-fast' ELSE model END, count(*), {rollup_sums}
         FROM requests GROUP BY 1, 2, 3, 4, 5;
         UPDATE sessions SET requests = 0, input_tokens = 0, output_tokens = 0,
             cache_write_5m = 0, cache_write_1h = 0, cache_read = 0, reasoning_tokens = 0,
             cost_micro_usd = 0, unpriced_tokens = 0;
         UPDATE sessions SET (requests, input_tokens, output_tokens, cache_write_5m, cache_write_1h,
                 cache_read, reasoning_tokens, cost_micro_usd, unpriced_tokens) =
             (t.n, t.i, t.o, t.w5, t.w1, t.r, t.rs, t.c, t.u)
         FROM (SELECT session_id, count(*) AS n, {session_sums_named}
               FROM requests GROUP BY session_id) AS t
         WHERE t.session_id = sessions.id;"
    ))?;
    tx.execute_batch(&super::rollup::refill_coarse_tiers_sql())
}
