//! Multi-row statements for PostgreSQL batches (UNNEST over column arrays): sessions,
//! requests, events, and the rollup and session-total sums, so a batch of thousands of rows
//! costs a handful of round trips.

use super::PgError;
use crate::domain::{Agent, CostSource, EventRecord, RequestRecord, SessionRecord, TokenUsage};
use crate::store::queries::sync::cross_source_request_id;
use crate::store::rollup::{bucket_of, model_name};
use std::collections::HashMap;
use tokio_postgres::Transaction;

/// Running sums added to a rollup bucket or a session.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Sums {
    requests: i64,
    usage: TokenUsage,
    cost: i64,
    reported: i64,
    unpriced_requests: i64,
    unpriced_tokens: i64,
}

impl Sums {
    fn add(&mut self, r: &RequestRecord, sign: i64) {
        let u = &r.usage;
        self.requests += sign;
        self.usage.input += sign * u.input;
        self.usage.output += sign * u.output;
        self.usage.cache_write_5m += sign * u.cache_write_5m;
        self.usage.cache_write_1h += sign * u.cache_write_1h;
        self.usage.cache_read += sign * u.cache_read;
        self.usage.reasoning += sign * u.reasoning;
        let amount = r.cost.amount.micro_usd();
        match r.cost.source {
            CostSource::Unpriced => {
                self.unpriced_requests += sign;
                self.unpriced_tokens += sign * u.total();
            }
            CostSource::Reported => {
                self.cost += sign * amount;
                self.reported += sign * amount;
            }
            CostSource::Computed => self.cost += sign * amount,
        }
    }
}

pub(super) type RollupKey = (i64, String, String, String, String);

#[derive(Default)]
pub(super) struct Deltas {
    rollups: HashMap<RollupKey, Sums>,
    sessions: HashMap<i64, Sums>,
}

impl Deltas {
    pub(super) fn add(&mut self, session_id: i64, r: &RequestRecord, sign: i64) {
        let key = (
            bucket_of(r.ts),
            r.developer.clone(),
            r.project_id.clone().unwrap_or_default(),
            r.agent.as_str().to_string(),
            model_name(r).to_string(),
        );
        self.rollups.entry(key).or_default().add(r, sign);
        self.sessions.entry(session_id).or_default().add(r, sign);
    }
}

/// Upserts many sessions in one statement (they are distinct after coalescing).
pub(super) async fn upsert_sessions(
    tx: &Transaction<'_>,
    records: &[SessionRecord],
    ids: &mut HashMap<(Agent, String), i64>,
) -> Result<(), PgError> {
    let text =
        |f: &dyn Fn(&SessionRecord) -> String| records.iter().map(f).collect::<Vec<String>>();
    let opt = |f: &dyn Fn(&SessionRecord) -> Option<String>| {
        records.iter().map(f).collect::<Vec<Option<String>>>()
    };
    let num = |f: &dyn Fn(&SessionRecord) -> i64| records.iter().map(f).collect::<Vec<i64>>();
    let rows = tx
        .query(
            "INSERT INTO sessions (agent, session_key, source, developer, project_id, branch, started_at,
                 last_activity_at, title)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                 $7::bigint[], $8::bigint[], $9::text[])
             ON CONFLICT (agent, session_key) DO UPDATE SET
                 started_at = LEAST(sessions.started_at, excluded.started_at),
                 last_activity_at = GREATEST(sessions.last_activity_at, excluded.last_activity_at),
                 project_id = coalesce(sessions.project_id, excluded.project_id),
                 branch = coalesce(sessions.branch, excluded.branch),
                 developer = CASE WHEN sessions.developer = '' THEN excluded.developer ELSE sessions.developer END,
                 title = coalesce(excluded.title, sessions.title)
             RETURNING id, agent, session_key",
            &[
                &text(&|s| s.agent.as_str().to_string()),
                &text(&|s| s.session_key.clone()),
                &text(&|s| s.source.clone()),
                &text(&|s| s.developer.clone()),
                &opt(&|s| s.project_id.clone()),
                &opt(&|s| s.branch.clone()),
                &num(&|s| s.started_at),
                &num(&|s| s.last_activity_at),
                &opt(&|s| s.title.clone()),
            ],
        )
        .await?;
    for row in rows {
        let agent: String = row.get(1);
        ids.insert(
            (agent.parse().unwrap_or(Agent::ClaudeCode), row.get(2)),
            row.get(0),
        );
    }
    Ok(())
}

pub(super) async fn insert_requests(
    tx: &Transaction<'_>,
    rows: &[(i64, &RequestRecord)],
) -> Result<(), PgError> {
    let col =
        |f: &dyn Fn(&RequestRecord) -> i64| rows.iter().map(|(_, r)| f(r)).collect::<Vec<i64>>();
    let text = |f: &dyn Fn(&RequestRecord) -> String| {
        rows.iter().map(|(_, r)| f(r)).collect::<Vec<String>>()
    };
    let opt = |f: &dyn Fn(&RequestRecord) -> Option<String>| {
        rows.iter()
            .map(|(_, r)| f(r))
            .collect::<Vec<Option<String>>>()
    };
    let flag =
        |f: &dyn Fn(&RequestRecord) -> bool| rows.iter().map(|(_, r)| f(r)).collect::<Vec<bool>>();
    let sids: Vec<i64> = rows.iter().map(|(sid, _)| *sid).collect();
    tx.execute(
        "INSERT INTO requests (dedupe_key, request_id, session_id, ts, agent, model, developer, project_id,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens,
             cost_micro_usd, cost_source, sidechain, fast, message_id, ord)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
             $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
             $14::bigint[], $15::bigint[], $16::text[], $17::bool[], $18::bool[], $19::text[], $20::bigint[])",
        &[
            &text(&|r| r.dedupe_key.clone()),
            &opt(&|r| cross_source_request_id(&r.dedupe_key).map(str::to_string)),
            &sids,
            &col(&|r| r.ts),
            &text(&|r| r.agent.as_str().to_string()),
            &text(&|r| model_name(r).to_string()),
            &text(&|r| r.developer.clone()),
            &opt(&|r| r.project_id.clone()),
            &col(&|r| r.usage.input),
            &col(&|r| r.usage.output),
            &col(&|r| r.usage.cache_write_5m),
            &col(&|r| r.usage.cache_write_1h),
            &col(&|r| r.usage.cache_read),
            &col(&|r| r.usage.reasoning),
            &col(&|r| r.cost.amount.micro_usd()),
            &text(&|r| r.cost.source.as_str().to_string()),
            &flag(&|r| r.sidechain),
            &flag(&|r| r.fast),
            &opt(&|r| r.message_id.clone()),
            &col(&|r| r.ord),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_events(
    tx: &Transaction<'_>,
    events: &[EventRecord],
    sids: &[i64],
) -> Result<(), PgError> {
    for (chunk, sids) in events.chunks(1_000).zip(sids.chunks(1_000)) {
        let text = |f: &dyn Fn(&EventRecord) -> Option<String>| {
            chunk.iter().map(f).collect::<Vec<Option<String>>>()
        };
        let num = |f: &dyn Fn(&EventRecord) -> Option<i64>| {
            chunk.iter().map(f).collect::<Vec<Option<i64>>>()
        };
        tx.execute(
            "INSERT INTO events (dedupe_key, session_id, ts, kind, tool_name, decision, status_code,
                 duration_ms, detail, ord)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                 $7::bigint[], $8::bigint[], $9::text[], $10::bigint[])
             ON CONFLICT (dedupe_key) DO NOTHING",
            &[
                &text(&|e| Some(e.dedupe_key.clone())),
                &sids.to_vec(),
                &num(&|e| Some(e.ts)),
                &text(&|e| Some(e.kind.as_str().to_string())),
                &text(&|e| e.tool_name.clone()),
                &text(&|e| e.decision.clone()),
                &num(&|e| e.status_code),
                &num(&|e| e.duration_ms),
                &text(&|e| e.detail.clone()),
                &num(&|e| Some(e.ord)),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Adds the batch's sums to the rollups and session totals: one statement each.
pub(super) async fn flush(tx: &Transaction<'_>, deltas: Deltas) -> Result<(), PgError> {
    if !deltas.rollups.is_empty() {
        let rows: Vec<(RollupKey, Sums)> = deltas.rollups.into_iter().collect();
        let key_text = |f: &dyn Fn(&RollupKey) -> &String| {
            rows.iter()
                .map(|(k, _)| f(k).clone())
                .collect::<Vec<String>>()
        };
        let sum = |f: &dyn Fn(&Sums) -> i64| rows.iter().map(|(_, s)| f(s)).collect::<Vec<i64>>();
        tx.execute(
            "INSERT INTO rollups (bucket_start, developer, project_id, agent, model, requests, input_tokens,
                 output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens, cost_micro_usd,
                 reported_micro_usd, unpriced_requests, unpriced_tokens)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                 $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
                 $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[])
             ON CONFLICT (bucket_start, developer, project_id, agent, model) DO UPDATE SET
                 requests = rollups.requests + excluded.requests,
                 input_tokens = rollups.input_tokens + excluded.input_tokens,
                 output_tokens = rollups.output_tokens + excluded.output_tokens,
                 cache_write_5m = rollups.cache_write_5m + excluded.cache_write_5m,
                 cache_write_1h = rollups.cache_write_1h + excluded.cache_write_1h,
                 cache_read = rollups.cache_read + excluded.cache_read,
                 reasoning_tokens = rollups.reasoning_tokens + excluded.reasoning_tokens,
                 cost_micro_usd = rollups.cost_micro_usd + excluded.cost_micro_usd,
                 reported_micro_usd = rollups.reported_micro_usd + excluded.reported_micro_usd,
                 unpriced_requests = rollups.unpriced_requests + excluded.unpriced_requests,
                 unpriced_tokens = rollups.unpriced_tokens + excluded.unpriced_tokens",
            &[
                &rows.iter().map(|(k, _)| k.0).collect::<Vec<i64>>(),
                &key_text(&|k| &k.1),
                &key_text(&|k| &k.2),
                &key_text(&|k| &k.3),
                &key_text(&|k| &k.4),
                &sum(&|s| s.requests),
                &sum(&|s| s.usage.input),
                &sum(&|s| s.usage.output),
                &sum(&|s| s.usage.cache_write_5m),
                &sum(&|s| s.usage.cache_write_1h),
                &sum(&|s| s.usage.cache_read),
                &sum(&|s| s.usage.reasoning),
                &sum(&|s| s.cost),
                &sum(&|s| s.reported),
                &sum(&|s| s.unpriced_requests),
                &sum(&|s| s.unpriced_tokens),
            ],
        )
        .await?;
    }
    if !deltas.sessions.is_empty() {
        let rows: Vec<(i64, Sums)> = deltas.sessions.into_iter().collect();
        let sum = |f: &dyn Fn(&Sums) -> i64| rows.iter().map(|(_, s)| f(s)).collect::<Vec<i64>>();
        tx.execute(
            "UPDATE sessions SET requests = sessions.requests + d.requests,
                 input_tokens = sessions.input_tokens + d.input, output_tokens = sessions.output_tokens + d.output,
                 cache_write_5m = sessions.cache_write_5m + d.cw5, cache_write_1h = sessions.cache_write_1h + d.cw1,
                 cache_read = sessions.cache_read + d.cr, reasoning_tokens = sessions.reasoning_tokens + d.reasoning,
                 cost_micro_usd = sessions.cost_micro_usd + d.cost
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
                 $7::bigint[], $8::bigint[], $9::bigint[]) AS d(id, requests, input, output, cw5, cw1, cr, reasoning, cost)
             WHERE sessions.id = d.id",
            &[
                &rows.iter().map(|(id, _)| *id).collect::<Vec<i64>>(),
                &sum(&|s| s.requests),
                &sum(&|s| s.usage.input),
                &sum(&|s| s.usage.output),
                &sum(&|s| s.usage.cache_write_5m),
                &sum(&|s| s.usage.cache_write_1h),
                &sum(&|s| s.usage.cache_read),
                &sum(&|s| s.usage.reasoning),
                &sum(&|s| s.cost),
            ],
        )
        .await?;
    }
    Ok(())
}
