//! Running aggregates kept in the same transaction as `requests`: the rollup tiers
//! (15-minute `rollups`, `rollups_hour`, `rollups_day`, and the narrow `rollups_day_dev`
//! without project and model) and the per-session totals. Deltas are summed in memory per
//! 15-minute bucket; each backend adds them once per batch.

use super::queries::wide_sum::wide_sum;
use crate::domain::{CostSource, RequestRecord, TokenUsage};
use foldhash::{HashMap, HashMapExt};

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
            sums = MEASURES
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

    /// One request's contribution (sign −1 removes it).
    pub fn of(r: &RequestRecord, sign: i64) -> Totals {
        let mut t = Totals {
            requests: sign,
            usage: r.usage.scaled(sign),
            ..Totals::default()
        };
        let amount = sign.saturating_mul(r.cost.amount.micro_usd());
        match r.cost.source {
            CostSource::Unpriced => {
                t.unpriced_requests = sign;
                t.unpriced_tokens = sign.saturating_mul(r.usage.total());
            }
            CostSource::Reported => {
                t.cost_micro_usd = amount;
                t.reported_micro_usd = amount;
            }
            CostSource::Computed => t.cost_micro_usd = amount,
        }
        t
    }

    /// The measures in rollup column order (after the key columns).
    pub fn columns(&self) -> [i64; 11] {
        let u = &self.usage;
        [
            self.requests,
            u.input,
            u.output,
            u.cache_write_5m,
            u.cache_write_1h,
            u.cache_read,
            u.reasoning,
            self.cost_micro_usd,
            self.reported_micro_usd,
            self.unpriced_requests,
            self.unpriced_tokens,
        ]
    }
}

/// The rollup measure columns, in [`Totals::columns`] order.
pub const MEASURES: [&str; 11] = [
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

/// The session-total columns, in [`Totals::columns`] order (`None`: sessions keep no such total).
pub const SESSION_MEASURES: [Option<&str>; 11] = [
    Some("requests"),
    Some("input_tokens"),
    Some("output_tokens"),
    Some("cache_write_5m"),
    Some("cache_write_1h"),
    Some("cache_read"),
    Some("reasoning_tokens"),
    Some("cost_micro_usd"),
    None,
    None,
    Some("unpriced_tokens"),
];

/// `{table}.{column} + excluded.{column}`-style addition that saturates at the i64 maximum
/// instead of failing (PostgreSQL) or turning into a float (SQLite), so no stored total can
/// ever make a later query fail. `current` and `delta` are SQL expressions.
pub fn saturating_add_sql(current: &str, delta: &str, postgres: bool) -> String {
    if postgres {
        format!("LEAST({current}::NUMERIC + {delta}, 9223372036854775807)::BIGINT")
    } else {
        format!("min({current} + {delta}, 9223372036854775807)")
    }
}

/// (bucket start, developer, project id or '', agent, model as reports group it).
pub type RollupKey = (i64, String, String, &'static str, String);

/// Rollup and session-total deltas of one batch, summed per 15-minute bucket.
#[derive(Debug, Default)]
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
        let t = Totals::of(r, sign);
        self.rollups.entry(key).or_default().add(&t);
        self.sessions.entry(session_id).or_default().add(&t);
    }

    /// The 15-minute deltas that are not zero, in key order (writers that lock rows take
    /// them in one order, so two writers never wait on each other in a cycle).
    pub fn quarter(&self) -> Vec<(&RollupKey, &Totals)> {
        let mut rows: Vec<_> = self
            .rollups
            .iter()
            .filter(|(_, t)| **t != Totals::default())
            .collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        rows
    }

    /// The deltas folded into a coarser tier.
    pub fn folded(&self, tier: Tier) -> Vec<(RollupKey, Totals)> {
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
        let mut rows: Vec<_> = folded
            .into_iter()
            .filter(|(_, t)| *t != Totals::default())
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    }

    /// Session totals that moved, by session id in id order.
    pub fn sessions(&self) -> Vec<(i64, &Totals)> {
        let mut rows: Vec<_> = self
            .sessions
            .iter()
            .filter(|(_, t)| **t != Totals::default())
            .map(|(id, t)| (*id, t))
            .collect();
        rows.sort_by_key(|(id, _)| *id);
        rows
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
