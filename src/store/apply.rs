//! Applying one write batch inside one transaction: upserts sessions, resolves duplicate
//! requests by the domain's dedupe rules, keeps rollups and session totals in step, stores
//! events and cursors, and reports which topics changed.

use super::batch::{WriteBatch, WriteOutcome};
use super::queries::sync::cross_source_request_id;
use super::rollup::{Deltas, model_name};
use crate::domain::dedupe::{Resolution, is_replay_pair, resolve_replay, resolve_same_key};
use crate::domain::{
    Agent, Cost, CostSource, DedupePolicy, Money, RequestRecord, SessionRecord, TokenUsage,
};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use std::collections::{BTreeSet, HashMap};

/// Topics whose change counters a batch bumps.
pub type Topics = BTreeSet<&'static str>;

pub fn apply_batch(
    tx: &Transaction<'_>,
    batch: &WriteBatch,
    now_ms: i64,
) -> rusqlite::Result<(WriteOutcome, Topics)> {
    let mut out = WriteOutcome::default();
    let mut topics = Topics::new();
    let mut deltas = Deltas::default();
    let mut session_ids: HashMap<(Agent, String), i64> = HashMap::new();

    for p in &batch.projects {
        tx.prepare_cached(
            "INSERT INTO projects (id, display_name) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name",
        )?
        .execute(params![p.id, p.display_name])?;
        topics.insert("projects");
    }
    for t in &batch.teams {
        tx.prepare_cached(
            "INSERT INTO teams (name, budget_micro_usd_month) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET budget_micro_usd_month = excluded.budget_micro_usd_month",
        )?
        .execute(params![t.name, t.budget_micro_usd_month])?;
        topics.insert("teams");
    }
    for d in &batch.developers {
        tx.prepare_cached(
            "INSERT INTO developers (id, email, handle, display_name, team, role, started_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET email = excluded.email, handle = excluded.handle,
                 display_name = excluded.display_name, team = excluded.team,
                 role = excluded.role, started_on = excluded.started_on",
        )?
        .execute(params![
            d.id,
            d.email,
            d.handle,
            d.display_name,
            d.team,
            d.role,
            d.started_on
        ])?;
        topics.insert("developers");
    }

    for s in coalesce_sessions(&batch.sessions) {
        let id = upsert_session(tx, &s)?;
        session_ids.insert((s.agent, s.session_key.clone()), id);
        out.sessions_touched += 1;
        topics.insert("sessions");
    }

    for (agent, key) in &batch.replace_sessions {
        if let Some(sid) = find_session(tx, &mut session_ids, *agent, key)? {
            out.requests_removed += remove_requests(tx, &mut deltas, sid, i64::MIN)?;
            tx.prepare_cached("DELETE FROM events WHERE session_id = ?1")?
                .execute([sid])?;
            topics.extend(["requests", "events"]);
        }
    }
    for t in &batch.truncations {
        if let Some(sid) = find_session(tx, &mut session_ids, t.agent, &t.session_key)? {
            out.requests_removed += remove_requests(tx, &mut deltas, sid, t.from_ord)?;
            tx.prepare_cached("DELETE FROM events WHERE session_id = ?1 AND ord >= ?2")?
                .execute(params![sid, t.from_ord])?;
            topics.extend(["requests", "events"]);
        }
    }

    for r in coalesce_requests(&batch.requests) {
        let sid = session_for(
            tx,
            &mut session_ids,
            r.agent,
            &r.session_key,
            r.ts,
            &r.developer,
            r.project_id.as_deref(),
        )?;
        store_request(tx, &mut deltas, &mut out, sid, r)?;
        topics.insert("requests");
    }

    for e in &batch.events {
        let sid = session_for(
            tx,
            &mut session_ids,
            e.agent,
            &e.session_key,
            e.ts,
            "",
            None,
        )?;
        let added = tx
            .prepare_cached(
                "INSERT INTO events (dedupe_key, session_id, ts, kind, tool_name, decision,
                     status_code, duration_ms, detail, ord)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )?
            .execute(params![
                e.dedupe_key,
                sid,
                e.ts,
                e.kind.as_str(),
                e.tool_name,
                e.decision,
                e.status_code,
                e.duration_ms,
                e.detail,
                e.ord
            ])?;
        out.events_added += added as u64;
        if added > 0 {
            topics.insert("events");
        }
    }

    deltas.flush(tx)?;
    topics.extend(super::ops::apply_ops(tx, &batch.ops)?);

    for c in &batch.cursors {
        tx.prepare_cached(
            "INSERT INTO cursors (source, path, device, inode, size, offset, line, mtime_ns, state, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (source, path) DO UPDATE SET device = excluded.device,
                 inode = excluded.inode, size = excluded.size, offset = excluded.offset,
                 line = excluded.line, mtime_ns = excluded.mtime_ns, state = excluded.state,
                 updated_at = excluded.updated_at",
        )?
        .execute(params![
            c.source, c.path, c.device as i64, c.inode as i64, c.size as i64, c.offset as i64,
            c.line as i64, c.mtime_ns, c.state, now_ms
        ])?;
        topics.insert("cursors");
    }
    for h in &batch.source_health {
        tx.prepare_cached(
            "INSERT INTO source_health (source, kind, last_success, last_error_at, last_error, rows)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (source) DO UPDATE SET kind = excluded.kind,
                 last_success = coalesce(excluded.last_success, last_success),
                 last_error_at = coalesce(excluded.last_error_at, last_error_at),
                 last_error = coalesce(excluded.last_error, last_error),
                 rows = rows + excluded.rows",
        )?
        .execute(params![
            h.source, h.kind, h.success_at, h.error.as_ref().map(|e| e.0),
            h.error.as_ref().map(|e| e.1.as_str()), h.rows_added
        ])?;
        topics.insert("sources");
    }
    Ok((out, topics))
}

/// Merges the many records a parser emits for one session into one.
fn coalesce_sessions(records: &[SessionRecord]) -> Vec<SessionRecord> {
    let mut merged: Vec<SessionRecord> = Vec::new();
    let mut index: HashMap<(Agent, &str), usize> = HashMap::new();
    for s in records {
        match index.get(&(s.agent, s.session_key.as_str())) {
            Some(&i) => {
                let m = &mut merged[i];
                m.started_at = m.started_at.min(s.started_at);
                m.last_activity_at = m.last_activity_at.max(s.last_activity_at);
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

/// Resolves copies inside the batch first, so the database sees each key once.
fn coalesce_requests(records: &[RequestRecord]) -> Vec<&RequestRecord> {
    let mut kept: Vec<&RequestRecord> = Vec::with_capacity(records.len());
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for r in records {
        match index.get(r.dedupe_key.as_str()) {
            Some(&i) => {
                if resolve_same_key(kept[i], r) == Resolution::Replace {
                    kept[i] = r;
                }
            }
            None => {
                index.insert(&r.dedupe_key, kept.len());
                kept.push(r);
            }
        }
    }
    kept
}

fn upsert_session(tx: &Transaction<'_>, s: &SessionRecord) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO sessions (agent, session_key, source, developer, project_id, branch,
             started_at, last_activity_at, title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (agent, session_key) DO UPDATE SET
             started_at = min(started_at, excluded.started_at),
             last_activity_at = max(last_activity_at, excluded.last_activity_at),
             project_id = coalesce(project_id, excluded.project_id),
             branch = coalesce(branch, excluded.branch),
             developer = CASE WHEN developer = '' THEN excluded.developer ELSE developer END,
             title = coalesce(excluded.title, title)
         RETURNING id",
    )?
    .query_row(
        params![
            s.agent.as_str(),
            s.session_key,
            s.source,
            s.developer,
            s.project_id,
            s.branch,
            s.started_at,
            s.last_activity_at,
            s.title
        ],
        |row| row.get(0),
    )
}

fn find_session(
    tx: &Transaction<'_>,
    cache: &mut HashMap<(Agent, String), i64>,
    agent: Agent,
    key: &str,
) -> rusqlite::Result<Option<i64>> {
    if let Some(&id) = cache.get(&(agent, key.to_string())) {
        return Ok(Some(id));
    }
    let id: Option<i64> = tx
        .prepare_cached("SELECT id FROM sessions WHERE agent = ?1 AND session_key = ?2")?
        .query_row(params![agent.as_str(), key], |r| r.get(0))
        .optional()?;
    if let Some(id) = id {
        cache.insert((agent, key.to_string()), id);
    }
    Ok(id)
}

/// The session row for a request or event, created minimal if no record announced it.
fn session_for(
    tx: &Transaction<'_>,
    cache: &mut HashMap<(Agent, String), i64>,
    agent: Agent,
    key: &str,
    ts: i64,
    developer: &str,
    project_id: Option<&str>,
) -> rusqlite::Result<i64> {
    if let Some(id) = find_session(tx, cache, agent, key)? {
        return Ok(id);
    }
    let id = upsert_session(
        tx,
        &SessionRecord {
            agent,
            session_key: key.to_string(),
            source: "unknown".into(),
            developer: developer.to_string(),
            project_id: project_id.map(str::to_string),
            branch: None,
            started_at: ts,
            last_activity_at: ts,
            title: None,
        },
    )?;
    cache.insert((agent, key.to_string()), id);
    Ok(id)
}

const REQUEST_COLUMNS: &str = "id, session_id, dedupe_key, agent, ts, model, developer, project_id,
    input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens,
    cost_micro_usd, cost_source, sidechain, fast, message_id, ord";

/// A stored request, rebuilt as a domain record so the dedupe rules can compare it.
struct Stored {
    id: i64,
    session_id: i64,
    record: RequestRecord,
}

fn stored_from_row(row: &Row<'_>, policy: DedupePolicy) -> rusqlite::Result<Stored> {
    let agent: String = row.get(3)?;
    let model: String = row.get(5)?;
    let cost_source: String = row.get(15)?;
    let amount = Money::from_micro_usd(row.get(14)?);
    Ok(Stored {
        id: row.get(0)?,
        session_id: row.get(1)?,
        record: RequestRecord {
            dedupe_key: row.get(2)?,
            policy,
            agent: agent.parse().unwrap_or(Agent::ClaudeCode),
            session_key: String::new(),
            ts: row.get(4)?,
            model: (model != "unknown").then_some(model),
            usage: TokenUsage {
                input: row.get(8)?,
                output: row.get(9)?,
                cache_write_5m: row.get(10)?,
                cache_write_1h: row.get(11)?,
                cache_read: row.get(12)?,
                reasoning: row.get(13)?,
            },
            cost: Cost {
                amount,
                source: CostSource::parse(&cost_source).unwrap_or(CostSource::Computed),
            },
            developer: row.get(6)?,
            project_id: row.get(7)?,
            sidechain: row.get(16)?,
            message_id: row.get(18)?,
            fast: row.get(17)?,
            ord: row.get(19)?,
        },
    })
}

fn store_request(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    out: &mut WriteOutcome,
    sid: i64,
    r: &RequestRecord,
) -> rusqlite::Result<()> {
    let existing = tx
        .prepare_cached(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE dedupe_key = ?1"
        ))?
        .query_row([&r.dedupe_key], |row| stored_from_row(row, r.policy))
        .optional()?;
    if let Some(kept) = existing {
        let mut kept_cmp = kept.record.clone();
        kept_cmp.session_key.clone_from(&r.session_key);
        if resolve_same_key(&kept_cmp, r) == Resolution::Replace {
            delete_request(tx, deltas, &kept)?;
            insert_request(tx, deltas, sid, r)?;
            out.requests_replaced += 1;
        } else {
            out.requests_duplicate += 1;
        }
        return Ok(());
    }
    if resolve_cross_source(tx, deltas, out, r)? {
        return Ok(());
    }
    if let Some(message_id) = &r.message_id {
        let replays: Vec<Stored> = tx
            .prepare_cached(&format!(
                "SELECT {REQUEST_COLUMNS} FROM requests WHERE message_id = ?1"
            ))?
            .query_map([message_id], |row| stored_from_row(row, r.policy))?
            .collect::<rusqlite::Result<_>>()?;
        for kept in replays.iter().filter(|k| is_replay_pair(&k.record, r)) {
            if resolve_replay(&kept.record, r) == Resolution::Keep {
                out.requests_duplicate += 1;
                return Ok(());
            }
        }
        let mut replaced = false;
        for kept in replays.iter().filter(|k| is_replay_pair(&k.record, r)) {
            delete_request(tx, deltas, kept)?;
            replaced = true;
        }
        insert_request(tx, deltas, sid, r)?;
        if replaced {
            out.requests_replaced += 1;
        } else {
            out.requests_added += 1;
        }
        return Ok(());
    }
    insert_request(tx, deltas, sid, r)?;
    out.requests_added += 1;
    Ok(())
}

fn insert_request(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    sid: i64,
    r: &RequestRecord,
) -> rusqlite::Result<()> {
    let u = &r.usage;
    tx.prepare_cached(
        "INSERT INTO requests (dedupe_key, session_id, ts, agent, model, developer, project_id,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
             reasoning_tokens, cost_micro_usd, cost_source, sidechain, fast, message_id, ord)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        r.dedupe_key, sid, r.ts, r.agent.as_str(), model_name(r), r.developer, r.project_id,
        u.input, u.output, u.cache_write_5m, u.cache_write_1h, u.cache_read, u.reasoning,
        r.cost.amount.micro_usd(), r.cost.source.as_str(), r.sidechain, r.fast, r.message_id, r.ord
    ])?;
    deltas.add(sid, r);
    Ok(())
}

fn delete_request(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    kept: &Stored,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM requests WHERE id = ?1")?
        .execute([kept.id])?;
    deltas.remove(kept.session_id, &kept.record);
    Ok(())
}

/// Removes a session's requests with `ord >= from_ord`; returns how many.
fn remove_requests(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    sid: i64,
    from_ord: i64,
) -> rusqlite::Result<u64> {
    let doomed: Vec<Stored> = tx
        .prepare_cached(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE session_id = ?1 AND ord >= ?2"
        ))?
        .query_map(params![sid, from_ord], |row| {
            stored_from_row(row, DedupePolicy::LastWins)
        })?
        .collect::<rusqlite::Result<_>>()?;
    for kept in &doomed {
        delete_request(tx, deltas, kept)?;
    }
    Ok(doomed.len() as u64)
}

/// One request seen by a transcript and by telemetry counts once: the transcript copy
/// (`cc:`, richer: message id, sidechain, cache-write split) beats the telemetry copy
/// (`ccreq:`) whichever arrives first. Returns true when `r` lost and must not be stored.
fn resolve_cross_source(
    tx: &Transaction<'_>,
    deltas: &mut Deltas,
    out: &mut WriteOutcome,
    r: &RequestRecord,
) -> rusqlite::Result<bool> {
    let Some(request_id) = cross_source_request_id(&r.dedupe_key) else {
        return Ok(false);
    };
    let copies: Vec<Stored> = tx
        .prepare_cached(&format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE request_id = ?1 AND dedupe_key <> ?2"
        ))?
        .query_map(params![request_id, r.dedupe_key], |row| {
            stored_from_row(row, r.policy)
        })?
        .collect::<rusqlite::Result<_>>()?;
    if r.dedupe_key.starts_with("ccreq:") {
        if copies.is_empty() {
            return Ok(false);
        }
        out.requests_duplicate += 1;
        return Ok(true);
    }
    for kept in copies
        .iter()
        .filter(|k| k.record.dedupe_key.starts_with("ccreq:"))
    {
        delete_request(tx, deltas, kept)?;
        out.requests_removed += 1;
    }
    Ok(false)
}
