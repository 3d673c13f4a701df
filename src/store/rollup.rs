//! Running aggregates kept in the same transaction as `requests`: the rollup tiers
//! (15-minute `rollups`, `rollups_hour`, `rollups_day`, and the narrow `rollups_day_dev`
//! without project and model) and the per-session totals. Deltas are summed in memory per
//! 15-minute bucket and flushed once per batch into every tier.

use super::queries::wide_sum::{saturating_add, wide_sum};
use crate::domain::bounds::add_to_total;
use crate::domain::{CostSource, RequestRecord, TokenUsage};
use rusqlite::{Transaction, params};
use std::collections::HashMap;

/// Rollup bucket width: 15 minutes, so every real time zone's day is a sum of buckets.
pub const BUCKET_MS: i64 = 15 * 60 * 1000;

pub fn bucket_of(ts: i64) -> i64 {
    QUARTER.floor(ts)
}

/// One rollup table: the same key and measures, buckets `width_ms` wide (UTC-aligned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub table: &'static str,
    pub width_ms: i64,
    /// Project and model summed away (stored as `''`): fewer rows for questions per
    /// developer, team or agent.
    pub narrow: bool,
}

pub const QUARTER: Tier = Tier {
    table: "rollups",
    width_ms: BUCKET_MS,
    narrow: false,
};
pub const HOUR: Tier = Tier {
    table: "rollups_hour",
    width_ms: 3_600_000,
    narrow: false,
};
pub const DAY: Tier = Tier {
    table: "rollups_day",
    width_ms: 86_400_000,
    narrow: false,
};
/// Daily per developer and agent (docs/console.md "Periods": a year of team spend).
pub const DAY_DEV: Tier = Tier {
    table: "rollups_day_dev",
    width_ms: 86_400_000,
    narrow: true,
};

/// Finest first; each width divides the next's (each refilled from the one before).
pub const TIERS: [Tier; 4] = [QUARTER, HOUR, DAY, DAY_DEV];

impl Tier {
    pub fn floor(self, ts: i64) -> i64 {
        ts.div_euclid(self.width_ms) * self.width_ms
    }

    pub fn ceil(self, ts: i64) -> i64 {
        self.floor(ts + self.width_ms - 1)
    }
}

/// The summed columns of a rollup row, in table order.
const SUMMED: [&str; 11] = [
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "reasoning_tokens",
    "cost_micro_usd",
    "reported_micro_usd",
    "unpriced_requests",
    "unpriced_tokens",
];

/// SQL that recomputes the coarser tiers from the 15-minute rows (after a rebuild).
pub fn refill_coarse_tiers_sql() -> String {
    let mut sql = String::new();
    let mut from = QUARTER.table;
    for tier in &TIERS[1..] {
        let (t, w) = (tier.table, tier.width_ms);
        let (project, model) = if tier.narrow {
            ("''", "''")
        } else {
            ("project_id", "model")
        };
        sql.push_str(&format!(
            "DELETE FROM {t};
             INSERT INTO {t} SELECT bucket_start - ((bucket_start % {w}) + {w}) % {w},
                 developer, {project}, agent, {model}, {sums}
             FROM {from} GROUP BY 1, 2, 3, 4, 5;\n",
            sums = SUMMED
                .iter()
                .map(|c| wide_sum(c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        from = tier.table;
    }
    sql
}

/// The stored name of a request's model.
pub fn model_name(r: &RequestRecord) -> &str {
    r.model
        .as_deref()
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown")
}

/// The model as reports group it: fast-mode requests show as `<model>-fast`, as they are
/// priced differently.
pub fn report_model(r: &RequestRecord) -> String {
    if r.fast {
        format!("{}-fast", model_name(r))
    } else {
        model_name(r).to_string()
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub requests: i64,
    pub usage: TokenUsage,
    pub cost_micro_usd: i64,
    pub reported_micro_usd: i64,
    pub unpriced_requests: i64,
    pub unpriced_tokens: i64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.add_scaled(other, 1);
    }

    /// Adds `k × other` (k = −1 subtracts), saturating: reports read stored sums through
    /// here, and no stored value may make one panic or wrap.
    pub fn add_scaled(&mut self, other: &Totals, k: i64) {
        let add = |a: i64, b: i64| a.saturating_add(k.saturating_mul(b));
        self.requests = add(self.requests, other.requests);
        self.usage += other.usage.scaled(k);
        self.cost_micro_usd = add(self.cost_micro_usd, other.cost_micro_usd);
        self.reported_micro_usd = add(self.reported_micro_usd, other.reported_micro_usd);
        self.unpriced_requests = add(self.unpriced_requests, other.unpriced_requests);
        self.unpriced_tokens = add(self.unpriced_tokens, other.unpriced_tokens);
    }

    /// Adds (`sign` 1) or removes (−1) one request, saturating (`domain/bounds.rs`).
    fn apply(&mut self, r: &RequestRecord, sign: i64) {
        let add = |total: &mut i64, v: i64| *total = add_to_total(*total, sign.saturating_mul(v));
        add(&mut self.requests, 1);
        self.usage += r.usage.scaled(sign);
        let cost = r.cost.amount.micro_usd();
        match r.cost.source {
            CostSource::Unpriced => {
                add(&mut self.unpriced_requests, 1);
                add(&mut self.unpriced_tokens, r.usage.total());
            }
            CostSource::Reported => {
                add(&mut self.cost_micro_usd, cost);
                add(&mut self.reported_micro_usd, cost);
            }
            CostSource::Computed => add(&mut self.cost_micro_usd, cost),
        }
    }
}

type RollupKey = (i64, String, String, &'static str, String);

/// Accumulates deltas for one batch.
#[derive(Default)]
pub struct Deltas {
    rollups: HashMap<RollupKey, Totals>,
    sessions: HashMap<i64, Totals>,
}

impl Deltas {
    pub fn add(&mut self, session_id: i64, r: &RequestRecord) {
        self.apply(session_id, r, 1);
    }

    pub fn remove(&mut self, session_id: i64, r: &RequestRecord) {
        self.apply(session_id, r, -1);
    }

    fn apply(&mut self, session_id: i64, r: &RequestRecord, sign: i64) {
        let key = (
            bucket_of(r.ts),
            r.developer.clone(),
            r.project_id.clone().unwrap_or_default(),
            r.agent.as_str(),
            report_model(r),
        );
        self.rollups.entry(key).or_default().apply(r, sign);
        self.sessions.entry(session_id).or_default().apply(r, sign);
    }

    pub fn flush(self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        // Nothing to add: skip preparing the (long, saturating) statements at all.
        if self.rollups.is_empty() && self.sessions.is_empty() {
            return Ok(());
        }
        for tier in TIERS {
            if tier == QUARTER {
                flush_tier(tx, tier, &self.rollups)?;
            } else {
                let mut folded: HashMap<RollupKey, Totals> = HashMap::new();
                for ((bucket, developer, project, agent, model), t) in &self.rollups {
                    let (project, model) = if tier.narrow {
                        (String::new(), String::new())
                    } else {
                        (project.clone(), model.clone())
                    };
                    let key = (
                        tier.floor(*bucket),
                        developer.clone(),
                        project,
                        *agent,
                        model,
                    );
                    folded.entry(key).or_default().add(t);
                }
                flush_tier(tx, tier, &folded)?;
            }
        }
        // Sessions keep the rollup sums but the reported cost and unpriced request count.
        let columns = SUMMED
            .iter()
            .filter(|c| !matches!(**c, "reported_micro_usd" | "unpriced_requests"));
        let sets: Vec<String> = (2..)
            .zip(columns)
            .map(|(i, c)| format!("{c} = {}", saturating_add(c, &format!("?{i}"))))
            .collect();
        let mut session = tx.prepare_cached(&format!(
            "UPDATE sessions SET {} WHERE id = ?1",
            sets.join(", ")
        ))?;
        for (id, t) in &self.sessions {
            let u = &t.usage;
            session.execute(params![
                id,
                t.requests,
                u.input,
                u.output,
                u.cache_write_5m,
                u.cache_write_1h,
                u.cache_read,
                u.reasoning,
                t.cost_micro_usd,
                t.unpriced_tokens
            ])?;
        }
        Ok(())
    }
}

fn flush_tier(
    tx: &Transaction<'_>,
    tier: Tier,
    deltas: &HashMap<RollupKey, Totals>,
) -> rusqlite::Result<()> {
    let table = tier.table;
    let mut upsert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (bucket_start, developer, project_id, agent, model, requests,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
             reasoning_tokens, cost_micro_usd, reported_micro_usd, unpriced_requests, unpriced_tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (bucket_start, developer, project_id, agent, model) DO UPDATE SET {}",
        SUMMED
            .iter()
            .map(|c| format!("{c} = {}", saturating_add(c, &format!("excluded.{c}"))))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    for ((bucket, developer, project, agent, model), t) in deltas {
        if *t == Totals::default() {
            continue;
        }
        let u = &t.usage;
        upsert.execute(params![
            bucket,
            developer,
            project,
            agent,
            model,
            t.requests,
            u.input,
            u.output,
            u.cache_write_5m,
            u.cache_write_1h,
            u.cache_read,
            u.reasoning,
            t.cost_micro_usd,
            t.reported_micro_usd,
            t.unpriced_requests,
            t.unpriced_tokens
        ])?;
    }
    // Buckets emptied by removals (rewinds, replaced copies) disappear.
    let mut prune = tx.prepare_cached(&format!(
        "DELETE FROM {table} WHERE bucket_start = ?1 AND developer = ?2 AND project_id = ?3
           AND agent = ?4 AND model = ?5 AND requests = 0"
    ))?;
    for ((bucket, developer, project, agent, model), t) in deltas {
        if t.requests < 0 {
            prune.execute(params![bucket, developer, project, agent, model])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_quarter_hours_even_before_the_epoch() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(BUCKET_MS - 1), 0);
        assert_eq!(bucket_of(BUCKET_MS), BUCKET_MS);
        assert_eq!(bucket_of(-1), -BUCKET_MS);
    }
}
