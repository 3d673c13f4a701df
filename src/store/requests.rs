//! Storing one model request under the dedupe rules: the same key resolved by the domain's
//! policy (largest copy, last wins, first wins), Claude `/btw` replays, and one request
//! seen both in a transcript and in telemetry. Rollup and session totals follow every
//! insert and delete through [`Deltas`].

use super::batch::WriteOutcome;
use super::queries::sync::cross_source_request_id;
use super::queries::usage_at;
use super::rollup::{Deltas, model_name};
use crate::domain::dedupe::{Resolution, is_replay_pair, resolve_replay, resolve_same_key};
use crate::domain::{Agent, Cost, CostSource, DedupePolicy, Money, RequestRecord};
use rusqlite::{OptionalExtension, Row, Transaction, params};

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
            usage: usage_at(row, 8)?,
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

pub(super) fn store_request(
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
