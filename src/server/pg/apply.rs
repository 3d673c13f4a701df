//! Applying a write batch to PostgreSQL in one transaction, under the advisory lock so
//! several servers write one at a time: the store's dedupe rules (same key by policy,
//! transcript over telemetry across sources), rollups and session totals kept in step.

use super::{LOCK_KEY, PgError, PgStore};
use crate::domain::dedupe::{Resolution, resolve_same_key};
use crate::domain::{
    Agent, Cost, CostSource, DedupePolicy, Money, RequestRecord, SessionRecord, TokenUsage,
};
use crate::store::WriteBatch;
use crate::store::queries::sync::{TelemetryCounter, cross_source_request_id};
use crate::store::rollup::{bucket_of, model_name};
use std::collections::HashMap;
use tokio_postgres::{Row, Transaction};

/// Running sums added to a rollup bucket or a session.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
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

type RollupKey = (i64, String, String, String, String);

#[derive(Default)]
struct Deltas {
    rollups: HashMap<RollupKey, Sums>,
    sessions: HashMap<i64, Sums>,
}

impl Deltas {
    fn add(&mut self, session_id: i64, r: &RequestRecord, sign: i64) {
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

const COLUMNS: &str =
    "id, session_id, dedupe_key, agent, ts, model, developer, project_id, input_tokens,
    output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens, cost_micro_usd,
    cost_source, sidechain, fast, message_id, ord";

struct Stored {
    id: i64,
    session_id: i64,
    record: RequestRecord,
}

fn stored(row: &Row, policy: DedupePolicy) -> Stored {
    let model: String = row.get(5);
    let source: String = row.get(15);
    Stored {
        id: row.get(0),
        session_id: row.get(1),
        record: RequestRecord {
            dedupe_key: row.get(2),
            policy,
            agent: row.get::<_, String>(3).parse().unwrap_or(Agent::ClaudeCode),
            session_key: String::new(),
            ts: row.get(4),
            model: (model != "unknown").then_some(model),
            usage: TokenUsage {
                input: row.get(8),
                output: row.get(9),
                cache_write_5m: row.get(10),
                cache_write_1h: row.get(11),
                cache_read: row.get(12),
                reasoning: row.get(13),
            },
            cost: Cost {
                amount: Money::from_micro_usd(row.get(14)),
                source: CostSource::parse(&source).unwrap_or(CostSource::Computed),
            },
            developer: row.get(6),
            project_id: row.get(7),
            sidechain: row.get(16),
            message_id: row.get(18),
            fast: row.get(17),
            ord: row.get(19),
        },
    }
}

impl PgStore {
    /// Applies a batch and counter increments in one transaction.
    pub async fn apply(
        &self,
        batch: &WriteBatch,
        counters: &[TelemetryCounter],
    ) -> Result<(), PgError> {
        let mut client = self.write.lock().await;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await?;
        for d in &batch.developers {
            tx.execute(
                "INSERT INTO developers (id, email, handle, display_name, team, role, started_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                &[
                    &d.id,
                    &d.email,
                    &d.handle,
                    &d.display_name,
                    &d.team,
                    &d.role,
                    &d.started_on,
                ],
            )
            .await?;
        }
        for p in &batch.projects {
            tx.execute(
                "INSERT INTO projects (id, display_name) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name",
                &[&p.id, &p.display_name],
            )
            .await?;
        }
        let mut sessions: HashMap<(Agent, String), i64> = HashMap::new();
        for s in &batch.sessions {
            let id = upsert_session(&tx, s).await?;
            sessions.insert((s.agent, s.session_key.clone()), id);
        }
        let mut deltas = Deltas::default();
        let mut kept: Vec<&RequestRecord> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for r in &batch.requests {
            match index.get(r.dedupe_key.as_str()) {
                Some(&i) if resolve_same_key(kept[i], r) == Resolution::Replace => kept[i] = r,
                Some(_) => {}
                None => {
                    index.insert(&r.dedupe_key, kept.len());
                    kept.push(r);
                }
            }
        }
        for r in kept {
            let sid = session_for(
                &tx,
                &mut sessions,
                r.agent,
                &r.session_key,
                r.ts,
                &r.developer,
            )
            .await?;
            store_request(&tx, &mut deltas, sid, r).await?;
        }
        for e in &batch.events {
            let sid = session_for(&tx, &mut sessions, e.agent, &e.session_key, e.ts, "").await?;
            tx.execute(
                "INSERT INTO events (dedupe_key, session_id, ts, kind, tool_name, decision, status_code,
                     duration_ms, detail, ord)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedupe_key) DO NOTHING",
                &[
                    &e.dedupe_key, &sid, &e.ts, &e.kind.as_str(), &e.tool_name, &e.decision,
                    &e.status_code, &e.duration_ms, &e.detail, &e.ord,
                ],
            )
            .await?;
        }
        flush(&tx, deltas).await?;
        for c in counters {
            tx.execute(
                "INSERT INTO telemetry_counters (dedupe_key, ts, developer, agent, session_key, metric, value)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
                &[&c.dedupe_key, &c.ts, &c.developer, &c.agent, &c.session_key, &c.metric, &c.value],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn upsert_session(tx: &Transaction<'_>, s: &SessionRecord) -> Result<i64, PgError> {
    let row = tx
        .query_one(
            "INSERT INTO sessions (agent, session_key, source, developer, project_id, branch, started_at,
                 last_activity_at, title)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (agent, session_key) DO UPDATE SET
                 started_at = LEAST(sessions.started_at, excluded.started_at),
                 last_activity_at = GREATEST(sessions.last_activity_at, excluded.last_activity_at),
                 project_id = coalesce(sessions.project_id, excluded.project_id),
                 branch = coalesce(sessions.branch, excluded.branch),
                 developer = CASE WHEN sessions.developer = '' THEN excluded.developer ELSE sessions.developer END,
                 title = coalesce(excluded.title, sessions.title)
             RETURNING id",
            &[
                &s.agent.as_str(), &s.session_key, &s.source, &s.developer, &s.project_id, &s.branch,
                &s.started_at, &s.last_activity_at, &s.title,
            ],
        )
        .await?;
    Ok(row.get(0))
}

async fn session_for(
    tx: &Transaction<'_>,
    cache: &mut HashMap<(Agent, String), i64>,
    agent: Agent,
    key: &str,
    ts: i64,
    developer: &str,
) -> Result<i64, PgError> {
    if let Some(&id) = cache.get(&(agent, key.to_string())) {
        return Ok(id);
    }
    let minimal = SessionRecord {
        agent,
        session_key: key.to_string(),
        source: "unknown".into(),
        developer: developer.to_string(),
        project_id: None,
        branch: None,
        started_at: ts,
        last_activity_at: ts,
        title: None,
    };
    // An existing session is left as it is apart from the time span (upsert semantics).
    let id = upsert_session(tx, &minimal).await?;
    cache.insert((agent, key.to_string()), id);
    Ok(id)
}

async fn store_request(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    sid: i64,
    r: &RequestRecord,
) -> Result<(), PgError> {
    let same_key = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM requests WHERE dedupe_key = $1"),
            &[&r.dedupe_key],
        )
        .await?;
    if let Some(row) = same_key {
        let kept = stored(&row, r.policy);
        let mut kept_cmp = kept.record.clone();
        kept_cmp.session_key.clone_from(&r.session_key);
        if resolve_same_key(&kept_cmp, r) == Resolution::Replace {
            delete(tx, deltas, &kept).await?;
            insert(tx, deltas, sid, r).await?;
        }
        return Ok(());
    }
    if let Some(request_id) = cross_source_request_id(&r.dedupe_key) {
        let copies = tx
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM requests WHERE request_id = $1 AND dedupe_key <> $2"
                ),
                &[&request_id, &r.dedupe_key],
            )
            .await?;
        if r.dedupe_key.starts_with("ccreq:") && !copies.is_empty() {
            return Ok(()); // a transcript copy is already counted
        }
        for row in &copies {
            let kept = stored(row, r.policy);
            if kept.record.dedupe_key.starts_with("ccreq:") {
                delete(tx, deltas, &kept).await?;
            }
        }
    }
    insert(tx, deltas, sid, r).await
}

async fn insert(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    sid: i64,
    r: &RequestRecord,
) -> Result<(), PgError> {
    let u = &r.usage;
    let request_id = cross_source_request_id(&r.dedupe_key);
    tx.execute(
        "INSERT INTO requests (dedupe_key, request_id, session_id, ts, agent, model, developer, project_id,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens,
             cost_micro_usd, cost_source, sidechain, fast, message_id, ord)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        &[
            &r.dedupe_key, &request_id, &sid, &r.ts, &r.agent.as_str(), &model_name(r), &r.developer,
            &r.project_id, &u.input, &u.output, &u.cache_write_5m, &u.cache_write_1h, &u.cache_read,
            &u.reasoning, &r.cost.amount.micro_usd(), &r.cost.source.as_str(), &r.sidechain, &r.fast,
            &r.message_id, &r.ord,
        ],
    )
    .await?;
    deltas.add(sid, r, 1);
    Ok(())
}

async fn delete(tx: &Transaction<'_>, deltas: &mut Deltas, kept: &Stored) -> Result<(), PgError> {
    tx.execute("DELETE FROM requests WHERE id = $1", &[&kept.id])
        .await?;
    deltas.add(kept.session_id, &kept.record, -1);
    Ok(())
}

async fn flush(tx: &Transaction<'_>, deltas: Deltas) -> Result<(), PgError> {
    for ((bucket, developer, project, agent, model), s) in deltas.rollups {
        let u = s.usage;
        tx.execute(
            "INSERT INTO rollups (bucket_start, developer, project_id, agent, model, requests, input_tokens,
                 output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens, cost_micro_usd,
                 reported_micro_usd, unpriced_requests, unpriced_tokens)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
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
                &bucket, &developer, &project, &agent, &model, &s.requests, &u.input, &u.output,
                &u.cache_write_5m, &u.cache_write_1h, &u.cache_read, &u.reasoning, &s.cost, &s.reported,
                &s.unpriced_requests, &s.unpriced_tokens,
            ],
        )
        .await?;
    }
    for (sid, s) in deltas.sessions {
        let u = s.usage;
        tx.execute(
            "UPDATE sessions SET requests = requests + $2, input_tokens = input_tokens + $3,
                 output_tokens = output_tokens + $4, cache_write_5m = cache_write_5m + $5,
                 cache_write_1h = cache_write_1h + $6, cache_read = cache_read + $7,
                 reasoning_tokens = reasoning_tokens + $8, cost_micro_usd = cost_micro_usd + $9
             WHERE id = $1",
            &[
                &sid,
                &s.requests,
                &u.input,
                &u.output,
                &u.cache_write_5m,
                &u.cache_write_1h,
                &u.cache_read,
                &u.reasoning,
                &s.cost,
            ],
        )
        .await?;
    }
    Ok(())
}
