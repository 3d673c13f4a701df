//! Applying a write batch to PostgreSQL in one transaction, under the advisory lock so
//! several servers write one at a time: the store's dedupe rules (same key by policy,
//! transcript over telemetry across sources), rollups and session totals kept in step.

use super::bulk::{Deltas, flush, insert_events, insert_requests, upsert_sessions};
use super::{LOCK_KEY, PgError, PgStore};
use crate::domain::dedupe::{Resolution, resolve_same_key};
use crate::domain::{
    Agent, Cost, CostSource, DedupePolicy, Money, RequestRecord, SessionRecord, TokenUsage,
};
use crate::store::WriteBatch;
use crate::store::queries::sync::{TelemetryCounter, cross_source_request_id};
use std::collections::HashMap;
use tokio_postgres::{Row, Transaction};

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
        for chunk in SessionRecord::coalesce(&batch.sessions).chunks(1_000) {
            upsert_sessions(&tx, chunk, &mut sessions).await?;
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
