//! Running aggregates kept in the same transaction as `requests`: the 15-minute `rollups`
//! and the per-session totals. Deltas are summed in memory and flushed once per batch.

use crate::domain::{CostSource, RequestRecord, TokenUsage};
use rusqlite::{Transaction, params};
use std::collections::HashMap;

/// Rollup bucket width: 15 minutes, so every real time zone's day is a sum of buckets.
pub const BUCKET_MS: i64 = 15 * 60 * 1000;

pub fn bucket_of(ts: i64) -> i64 {
    ts.div_euclid(BUCKET_MS) * BUCKET_MS
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
    fn apply(&mut self, r: &RequestRecord, sign: i64) {
        self.requests += sign;
        let mut u = r.usage;
        for v in [
            &mut u.input,
            &mut u.output,
            &mut u.cache_write_5m,
            &mut u.cache_write_1h,
            &mut u.cache_read,
            &mut u.reasoning,
        ] {
            *v *= sign;
        }
        self.usage += u;
        match r.cost.source {
            CostSource::Unpriced => {
                self.unpriced_requests += sign;
                self.unpriced_tokens += sign * r.usage.total();
            }
            CostSource::Reported => {
                self.cost_micro_usd += sign * r.cost.amount.micro_usd();
                self.reported_micro_usd += sign * r.cost.amount.micro_usd();
            }
            CostSource::Computed => self.cost_micro_usd += sign * r.cost.amount.micro_usd(),
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
        let mut upsert = tx.prepare_cached(
            "INSERT INTO rollups (bucket_start, developer, project_id, agent, model, requests,
                 input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
                 reasoning_tokens, cost_micro_usd, reported_micro_usd, unpriced_requests, unpriced_tokens)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (bucket_start, developer, project_id, agent, model) DO UPDATE SET
                 requests = requests + excluded.requests,
                 input_tokens = input_tokens + excluded.input_tokens,
                 output_tokens = output_tokens + excluded.output_tokens,
                 cache_write_5m = cache_write_5m + excluded.cache_write_5m,
                 cache_write_1h = cache_write_1h + excluded.cache_write_1h,
                 cache_read = cache_read + excluded.cache_read,
                 reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
                 cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd,
                 reported_micro_usd = reported_micro_usd + excluded.reported_micro_usd,
                 unpriced_requests = unpriced_requests + excluded.unpriced_requests,
                 unpriced_tokens = unpriced_tokens + excluded.unpriced_tokens",
        )?;
        for ((bucket, developer, project, agent, model), t) in &self.rollups {
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
        let mut prune = tx.prepare_cached(
            "DELETE FROM rollups WHERE bucket_start = ?1 AND developer = ?2 AND project_id = ?3
               AND agent = ?4 AND model = ?5 AND requests = 0",
        )?;
        for ((bucket, developer, project, agent, model), t) in &self.rollups {
            if t.requests < 0 {
                prune.execute(params![bucket, developer, project, agent, model])?;
            }
        }
        let mut session = tx.prepare_cached(
            "UPDATE sessions SET requests = requests + ?2, input_tokens = input_tokens + ?3,
                 output_tokens = output_tokens + ?4, cache_write_5m = cache_write_5m + ?5,
                 cache_write_1h = cache_write_1h + ?6, cache_read = cache_read + ?7,
                 reasoning_tokens = reasoning_tokens + ?8, cost_micro_usd = cost_micro_usd + ?9,
                 unpriced_tokens = unpriced_tokens + ?10
             WHERE id = ?1",
        )?;
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
