//! Applying a write batch to PostgreSQL in one transaction, under the advisory lock so
//! several servers write one at a time: the store's dedupe rules (same key by policy,
//! transcript over telemetry across sources), rollups and session totals kept in step.

use super::{LOCK_KEY, PgError, PgStore};
use crate::domain::dedupe::{Resolution, resolve_same_key};
use crate::domain::{
    Agent, Cost, CostSource, DedupePolicy, EventRecord, Money, RequestRecord, SessionRecord,
    TokenUsage,
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
        let mut client = self.writer().await?;
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
        for s in coalesce_sessions(&batch.sessions) {
            let id = upsert_session(&tx, &s).await?;
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
        let mut located = Vec::with_capacity(kept.len());
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
            located.push((sid, r));
        }
        store_requests(&tx, &mut deltas, &located).await?;
        let mut event_sids = Vec::with_capacity(batch.events.len());
        for e in &batch.events {
            event_sids
                .push(session_for(&tx, &mut sessions, e.agent, &e.session_key, e.ts, "").await?);
        }
        insert_events(&tx, &batch.events, &event_sids).await?;
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

/// Merges the many records a batch carries for one session (one per request) into one.
fn coalesce_sessions(records: &[SessionRecord]) -> Vec<SessionRecord> {
    let mut merged: Vec<SessionRecord> = Vec::new();
    let mut index: HashMap<(Agent, &str), usize> = HashMap::new();
    for s in records {
        match index.get(&(s.agent, s.session_key.as_str())) {
            Some(&i) => {
                let m = &mut merged[i];
                m.started_at = m.started_at.min(s.started_at);
                m.last_activity_at = m.last_activity_at.max(s.last_activity_at);
                if m.developer.is_empty() {
                    m.developer.clone_from(&s.developer);
                }
                if m.project_id.is_none() {
                    m.project_id.clone_from(&s.project_id);
                }
                if m.branch.is_none() {
                    m.branch.clone_from(&s.branch);
                }
                if s.title.is_some() {
                    m.title.clone_from(&s.title);
                }
            }
            None => {
                index.insert((s.agent, s.session_key.as_str()), merged.len());
                merged.push(s.clone());
            }
        }
    }
    merged
}

/// Stored rows whose `column` is one of `values`.
async fn fetch(
    tx: &Transaction<'_>,
    column: &str,
    values: &[&str],
) -> Result<Vec<(Stored, Option<String>)>, PgError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let rows = tx
        .query(
            &format!("SELECT {COLUMNS}, request_id FROM requests WHERE {column} = ANY($1)"),
            &[&values],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| (stored(row, DedupePolicy::FirstWins), row.get(20)))
        .collect())
}

/// Decides each request against the stored copies (same key by policy; across sources the
/// transcript copy wins), then deletes and inserts in bulk.
async fn store_requests(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    located: &[(i64, &RequestRecord)],
) -> Result<(), PgError> {
    let keys: Vec<&str> = located.iter().map(|(_, r)| r.dedupe_key.as_str()).collect();
    let same: HashMap<String, Stored> = fetch(tx, "dedupe_key", &keys)
        .await?
        .into_iter()
        .map(|(s, _)| (s.record.dedupe_key.clone(), s))
        .collect();
    let ids: Vec<&str> = located
        .iter()
        .filter_map(|(_, r)| cross_source_request_id(&r.dedupe_key))
        .collect();
    let mut copies: HashMap<String, Vec<Stored>> = HashMap::new();
    for (s, request_id) in fetch(tx, "request_id", &ids).await? {
        if let Some(id) = request_id {
            copies.entry(id).or_default().push(s);
        }
    }
    let mut deletes: Vec<i64> = Vec::new();
    let mut deleted = std::collections::HashSet::new();
    let mut inserts: Vec<Option<(i64, &RequestRecord)>> = Vec::new();
    let mut pending: HashMap<&str, usize> = HashMap::new();
    for &(sid, r) in located {
        if let Some(kept) = same.get(&r.dedupe_key) {
            let mut kept_cmp = kept.record.clone();
            kept_cmp.session_key.clone_from(&r.session_key);
            if resolve_same_key(&kept_cmp, r) == Resolution::Keep {
                continue;
            }
            if deleted.insert(kept.id) {
                deletes.push(kept.id);
                deltas.add(kept.session_id, &kept.record, -1);
            }
        } else if let Some(id) = cross_source_request_id(&r.dedupe_key) {
            let stored = copies.remove(id).unwrap_or_default();
            if r.dedupe_key.starts_with("ccreq:") {
                if !stored.is_empty() || pending.contains_key(id) {
                    continue; // another copy of this request is already counted
                }
            } else {
                for k in stored
                    .iter()
                    .filter(|k| k.record.dedupe_key.starts_with("ccreq:"))
                {
                    if deleted.insert(k.id) {
                        deletes.push(k.id);
                        deltas.add(k.session_id, &k.record, -1);
                    }
                }
                if let Some(&i) = pending.get(id)
                    && let Some((psid, p)) = inserts[i]
                    && p.dedupe_key.starts_with("ccreq:")
                {
                    inserts[i] = None;
                    deltas.add(psid, p, -1);
                }
            }
            pending.insert(id, inserts.len());
        }
        deltas.add(sid, r, 1);
        inserts.push(Some((sid, r)));
    }
    if !deletes.is_empty() {
        tx.execute("DELETE FROM requests WHERE id = ANY($1)", &[&deletes])
            .await?;
    }
    let rows: Vec<(i64, &RequestRecord)> = inserts.into_iter().flatten().collect();
    for chunk in rows.chunks(1_000) {
        insert_requests(tx, chunk).await?;
    }
    Ok(())
}

async fn insert_requests(
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

async fn insert_events(
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
