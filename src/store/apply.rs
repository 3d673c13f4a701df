//! Applying one write batch inside one transaction: upserts sessions, resolves duplicate
//! requests by the domain's dedupe rules, keeps rollups and session totals in step, stores
//! events and cursors, and reports which topics changed.

use super::batch::{WriteBatch, WriteOutcome};
use super::requests::store_request;
use super::rollup::Deltas;
use crate::domain::dedupe::{Resolution, resolve_same_key};
use crate::domain::{Agent, RequestRecord, SessionRecord};
use rusqlite::{OptionalExtension, Transaction, params};
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
                 role = excluded.role, started_on = excluded.started_on, team_from_server = 0",
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

    for s in SessionRecord::coalesce(&batch.sessions) {
        let id = upsert_session(tx, &s)?;
        session_ids.insert((s.agent, s.session_key.clone()), id);
        out.sessions_touched += 1;
        topics.insert("sessions");
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
            "INSERT INTO cursors (source, path, device, inode, size, offset, line, mtime_ns, state, updated_at, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (source, path) DO UPDATE SET device = excluded.device,
                 inode = excluded.inode, size = excluded.size, offset = excluded.offset,
                 line = excluded.line, mtime_ns = excluded.mtime_ns, state = excluded.state,
                 updated_at = excluded.updated_at, fingerprint = excluded.fingerprint",
        )?
        .execute(params![
            c.source, c.path, c.device as i64, c.inode as i64, c.size as i64, c.offset as i64,
            c.line as i64, c.mtime_ns, c.state, now_ms, c.fingerprint
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
