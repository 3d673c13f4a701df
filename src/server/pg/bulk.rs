//! Multi-row statements for PostgreSQL batches (UNNEST over column arrays): sessions,
//! requests, events, counters, developers, and the rollup and session-total deltas, so a
//! batch of thousands of rows costs a handful of round trips. Rows arrive sorted by key, so
//! concurrent writers lock rows in one order.

use super::{PgError, Stmt, Tx};
use crate::domain::{CounterRecord, EventRecord, RequestRecord, SessionRecord};
use crate::store::DeveloperRow;
use crate::store::rollup::{
    Deltas, MEASURES, SESSION_MEASURES, Totals, model_name, saturating_add_sql,
};
use std::collections::{BTreeMap, HashMap};

fn col<'a, T, U: 'a>(rows: &'a [T], f: impl Fn(&'a T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

fn pick<T: Copy>(values: &[T], at: &[usize]) -> Vec<T> {
    at.iter().map(|&i| values[i]).collect()
}

/// What a batch says about a stored session's span, merged into the row together with the
/// batch's session totals by [`flush`] (so a session gets one new row version per batch).
pub(super) struct SessionSpan {
    pub id: i64,
    pub started_at: i64,
    pub last_activity_at: i64,
    pub project_id: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
}

/// Inserts the distinct sessions not stored yet and reads the ids of the others (left
/// untouched here: their spans are merged by [`flush`]); returns the ids in input order.
/// `first` (the owner locks) goes out in the same round trip as the first chunk.
pub(super) async fn upsert_sessions(
    tx: &mut Tx<'_, '_>,
    records: &[SessionRecord],
    mut first: Option<Stmt<'_>>,
) -> Result<Vec<i64>, PgError> {
    let mut ids = Vec::with_capacity(records.len());
    for chunk in records.chunks(5_000) {
        let keys = || {
            (
                col(chunk, |s| s.developer.as_str()),
                col(chunk, |s| s.agent.as_str()),
                col(chunk, |s| s.session_key.as_str()),
            )
        };
        let (developers, agents, session_keys) = keys();
        // Rows inserted by the CTE are invisible to the statement's own SELECT, so each
        // session comes back once: from the insert or from the lookup.
        let claim = Stmt::new(
            "WITH input AS (
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                     $6::text[], $7::bigint[], $8::bigint[], $9::text[])
                     AS i(agent, session_key, source, developer, project_id, branch, started_at,
                         last_activity_at, title)),
             added AS (
                 INSERT INTO sessions (agent, session_key, source, developer, project_id, branch,
                     started_at, last_activity_at, title)
                 SELECT * FROM input
                 ON CONFLICT (developer, agent, session_key) DO NOTHING
                 RETURNING id, developer, agent, session_key)
             SELECT id, developer, agent, session_key FROM added
             UNION ALL
             SELECT s.id, s.developer, s.agent, s.session_key FROM input i,
                 LATERAL (SELECT id, developer, agent, session_key FROM sessions
                          WHERE developer = i.developer AND agent = i.agent
                            AND session_key = i.session_key OFFSET 0) s",
        )
        .bind(agents)
        .bind(session_keys)
        .bind(col(chunk, |s| s.source.as_str()))
        .bind(developers)
        .bind(col(chunk, |s| s.project_id.as_deref()))
        .bind(col(chunk, |s| s.branch.as_deref()))
        .bind(col(chunk, |s| s.started_at))
        .bind(col(chunk, |s| s.last_activity_at))
        .bind(col(chunk, |s| s.title.as_deref()));
        let mut stmts: Vec<Stmt<'_>> = first.take().into_iter().collect();
        stmts.push(claim);
        let mut rows = tx.pipeline(&stmts).await?.pop().unwrap_or_default();
        if rows.len() < chunk.len() {
            // A session another writer inserted after this statement's snapshot (no owner
            // lock kept it out): read again, with a new snapshot.
            let (developers, agents, session_keys) = keys();
            rows.extend(
                tx.query(
                    "SELECT s.id, s.developer, s.agent, s.session_key
                     FROM UNNEST($1::text[], $2::text[], $3::text[]) AS i(developer, agent, session_key),
                         LATERAL (SELECT id, developer, agent, session_key FROM sessions
                                  WHERE developer = i.developer AND agent = i.agent
                                    AND session_key = i.session_key OFFSET 0) s",
                    &[&developers, &agents, &session_keys],
                )
                .await?,
            );
        }
        let by_key: HashMap<(&str, &str, &str), i64> = rows
            .iter()
            .map(|r| ((r.get(1), r.get(2), r.get(3)), r.get(0)))
            .collect();
        for s in chunk {
            let key = (
                s.developer.as_str(),
                s.agent.as_str(),
                s.session_key.as_str(),
            );
            match by_key.get(&key) {
                Some(id) => ids.push(*id),
                None => return Err(PgError::Missing("an upserted session returned no id")),
            }
        }
    }
    Ok(ids)
}

/// The multi-row insert of planned requests.
pub(super) fn insert_requests<'a>(rows: &[(i64, &'a RequestRecord)]) -> Stmt<'a> {
    Stmt::new(
        "INSERT INTO requests (dedupe_key, request_id, session_id, ts, agent, model, developer, project_id,
             input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read, reasoning_tokens,
             cost_micro_usd, cost_source, sidechain, fast, message_id, ord)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
             $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
             $14::bigint[], $15::bigint[], $16::text[], $17::bool[], $18::bool[], $19::text[], $20::bigint[])",
    )
    .bind(col(rows, |(_, r)| r.dedupe_key.as_str()))
    .bind(col(rows, |(_, r)| r.dedupe_key.indexed_request_id()))
    .bind(col(rows, |(sid, _)| *sid))
    .bind(col(rows, |(_, r)| r.ts))
    .bind(col(rows, |(_, r)| r.agent.as_str()))
    .bind(col(rows, |(_, r)| model_name(r)))
    .bind(col(rows, |(_, r)| r.developer.as_str()))
    .bind(col(rows, |(_, r)| r.project_id.as_deref()))
    .bind(col(rows, |(_, r)| r.usage.input))
    .bind(col(rows, |(_, r)| r.usage.output))
    .bind(col(rows, |(_, r)| r.usage.cache_write_5m))
    .bind(col(rows, |(_, r)| r.usage.cache_write_1h))
    .bind(col(rows, |(_, r)| r.usage.cache_read))
    .bind(col(rows, |(_, r)| r.usage.reasoning))
    .bind(col(rows, |(_, r)| r.cost.amount.micro_usd()))
    .bind(col(rows, |(_, r)| r.cost.source.as_str()))
    .bind(col(rows, |(_, r)| r.sidechain))
    .bind(col(rows, |(_, r)| r.fast))
    .bind(col(rows, |(_, r)| r.message_id.as_deref()))
    .bind(col(rows, |(_, r)| r.ord))
}

/// Inserts events (a key already in its session is kept); returns how many were new.
pub(super) async fn insert_events(
    tx: &mut Tx<'_, '_>,
    rows: &[(i64, &EventRecord)],
) -> Result<u64, PgError> {
    tx
        .execute(
            "INSERT INTO events (dedupe_key, session_id, ts, kind, tool_name, decision, status_code,
                 duration_ms, detail, ord)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                 $7::bigint[], $8::bigint[], $9::text[], $10::bigint[])
             ON CONFLICT (session_id, dedupe_key) DO NOTHING",
            &[
                &col(rows, |(_, e)| e.dedupe_key.as_str()),
                &col(rows, |(sid, _)| *sid),
                &col(rows, |(_, e)| e.ts),
                &col(rows, |(_, e)| e.kind.as_str()),
                &col(rows, |(_, e)| e.tool_name.as_deref()),
                &col(rows, |(_, e)| e.decision.as_deref()),
                &col(rows, |(_, e)| e.status_code),
                &col(rows, |(_, e)| e.duration_ms),
                &col(rows, |(_, e)| e.detail.as_deref()),
                &col(rows, |(_, e)| e.ord),
            ],
        )
        .await
}

pub(super) async fn insert_counters(
    tx: &mut Tx<'_, '_>,
    rows: &[CounterRecord],
) -> Result<u64, PgError> {
    tx
        .execute(
            "INSERT INTO telemetry_counters (dedupe_key, ts, developer, agent, session_key, metric, value)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                 $7::bigint[])
             ON CONFLICT (developer, dedupe_key) DO NOTHING",
            &[
                &col(rows, |c| c.dedupe_key.as_str()),
                &col(rows, |c| c.ts),
                &col(rows, |c| c.developer.as_str()),
                &col(rows, |c| c.agent.as_str()),
                &col(rows, |c| c.session_key.as_str()),
                &col(rows, |c| c.metric.as_str()),
                &col(rows, |c| c.value),
            ],
        )
        .await
}

/// Developers: `replace` sets the directory's fields; otherwise only unknown ids are added.
pub(super) async fn insert_developers(
    tx: &mut Tx<'_, '_>,
    rows: &[DeveloperRow],
    replace: bool,
) -> Result<(), PgError> {
    if rows.is_empty() {
        return Ok(());
    }
    let conflict = if replace {
        "DO UPDATE SET email = coalesce(excluded.email, developers.email),
             display_name = coalesce(excluded.display_name, developers.display_name),
             team = excluded.team, role = coalesce(excluded.role, developers.role),
             started_on = coalesce(excluded.started_on, developers.started_on)"
    } else {
        "DO NOTHING"
    };
    tx.execute(
        &format!(
            "INSERT INTO developers (id, email, handle, display_name, team, role, started_on)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::text[])
             ON CONFLICT (id) {conflict}"
        ),
        &[
            &col(rows, |d| d.id.as_str()),
            &col(rows, |d| d.email.as_deref()),
            &col(rows, |d| d.handle.as_deref()),
            &col(rows, |d| d.display_name.as_deref()),
            &col(rows, |d| d.team.as_str()),
            &col(rows, |d| d.role.as_deref()),
            &col(rows, |d| d.started_on.as_deref()),
        ],
    )
    .await?;
    Ok(())
}

/// The statements that add the plan's 15-minute rollup deltas (saturating), drop rollup
/// rows a removal emptied, and merge the batch's session spans and totals into the
/// sessions (one UPDATE).
pub(super) fn flush<'a>(deltas: &'a Deltas, spans: &'a [SessionSpan]) -> Vec<Stmt<'a>> {
    let mut stmts = Vec::new();
    let rows = deltas.quarter();
    if !rows.is_empty() {
        let updates: Vec<String> = MEASURES
            .iter()
            .map(|m| {
                format!(
                    "{m} = {}",
                    saturating_add_sql(&format!("rollups.{m}"), &format!("excluded.{m}"), true)
                )
            })
            .collect();
        let buckets = col(&rows, |(k, _)| k.0);
        let developers = col(&rows, |(k, _)| k.1.as_str());
        let projects = col(&rows, |(k, _)| k.2.as_str());
        let agents = col(&rows, |(k, _)| k.3);
        let models = col(&rows, |(k, _)| k.4.as_str());
        let emptied: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].1.requests < 0)
            .collect();
        let mut upsert = Stmt::new(format!(
            "INSERT INTO rollups (bucket_start, developer, project_id, agent, model, {})
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], {})
             ON CONFLICT (bucket_start, developer, project_id, agent, model) DO UPDATE SET {}",
            MEASURES.join(", "),
            (6..6 + MEASURES.len())
                .map(|i| format!("${i}::bigint[]"))
                .collect::<Vec<_>>()
                .join(", "),
            updates.join(", ")
        ))
        .bind(buckets.clone())
        .bind(developers.clone())
        .bind(projects.clone())
        .bind(agents.clone())
        .bind(models.clone());
        for i in 0..MEASURES.len() {
            upsert = upsert.bind(col(&rows, |(_, t)| t.columns()[i]));
        }
        stmts.push(upsert);
        if !emptied.is_empty() {
            stmts.push(
                Stmt::new(
                    "DELETE FROM rollups r USING UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
                         AS d(bucket_start, developer, project_id, agent, model)
                     WHERE r.bucket_start = d.bucket_start AND r.developer = d.developer
                       AND r.project_id = d.project_id AND r.agent = d.agent AND r.model = d.model
                       AND r.requests <= 0",
                )
                .bind(pick(&buckets, &emptied))
                .bind(pick(&developers, &emptied))
                .bind(pick(&projects, &emptied))
                .bind(pick(&agents, &emptied))
                .bind(pick(&models, &emptied)),
            );
        }
    }
    let zero = Totals::default();
    let mut sessions: BTreeMap<i64, (Option<&SessionSpan>, &Totals)> = spans
        .iter()
        .map(|span| (span.id, (Some(span), &zero)))
        .collect();
    for (id, totals) in deltas.sessions() {
        sessions.entry(id).or_insert((None, &zero)).1 = totals;
    }
    if !sessions.is_empty() {
        let sessions: Vec<(i64, (Option<&SessionSpan>, &Totals))> = sessions.into_iter().collect();
        let kept: Vec<(usize, &str)> = SESSION_MEASURES
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.map(|m| (i, m)))
            .collect();
        let mut sets: Vec<String> = vec![
            "started_at = LEAST(sessions.started_at, d.started_at)".into(),
            "last_activity_at = GREATEST(sessions.last_activity_at, d.last_activity_at)".into(),
            "project_id = coalesce(sessions.project_id, d.project_id)".into(),
            "branch = coalesce(sessions.branch, d.branch)".into(),
            "title = coalesce(d.title, sessions.title)".into(),
        ];
        sets.extend(kept.iter().enumerate().map(|(n, (_, m))| {
            format!(
                "{m} = {}",
                saturating_add_sql(&format!("sessions.{m}"), &format!("d.c{n}"), true)
            )
        }));
        let arrays: Vec<String> = (0..kept.len())
            .map(|n| format!("${}::bigint[]", n + 7))
            .collect();
        let names: Vec<String> = (0..kept.len()).map(|n| format!("c{n}")).collect();
        // `sessions.id = ANY($1)` lets the cached plan reach sessions by key whatever size
        // the table had when it was planned. A span LEAST/GREATEST/coalesce with NULL (a
        // session only a removal touched) leaves the column as it is.
        let span =
            |f: fn(&SessionSpan) -> Option<&str>| col(&sessions, move |(_, (s, _))| s.and_then(f));
        let mut update = Stmt::new(format!(
            "UPDATE sessions SET {} FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[],
                 $5::text[], $6::text[], {}) AS d(id, started_at, last_activity_at, project_id,
                 branch, title, {})
             WHERE sessions.id = d.id AND sessions.id = ANY($1)",
            sets.join(", "),
            arrays.join(", "),
            names.join(", ")
        ))
        .bind(col(&sessions, |(id, _)| *id))
        .bind(col(&sessions, |(_, (s, _))| s.map(|s| s.started_at)))
        .bind(col(&sessions, |(_, (s, _))| s.map(|s| s.last_activity_at)))
        .bind(span(|s| s.project_id.as_deref()))
        .bind(span(|s| s.branch.as_deref()))
        .bind(span(|s| s.title.as_deref()));
        for (i, _) in &kept {
            update = update.bind(col(&sessions, |(_, (_, t))| t.columns()[*i]));
        }
        stmts.push(update);
    }
    stmts
}
