//! Session rows on SQLite for the write pipeline: found in the writer's cache or looked up,
//! inserted when new; a changed session (later activity, a title) is written once per batch,
//! in the same statement as its request totals when the batch has any.

use super::rollup::{SESSION_MEASURES, Totals, saturating_add_sql};
use super::writer_cache::WriterCache;
use crate::domain::SessionRecord;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;

/// Changed sessions not yet written: id → the merged row.
pub type Pending = HashMap<i64, SessionRecord>;

/// Looks each session up (cache first): most batches only move a known session's last
/// activity, or change nothing. A plain insert or update by id costs a fraction of an
/// upsert with `RETURNING` (which needs a statement journal and a scratch table per row).
pub fn upsert(
    tx: &Transaction<'_>,
    cache: &mut WriterCache,
    pending: &mut Pending,
    sessions: &[SessionRecord],
) -> rusqlite::Result<Vec<i64>> {
    let mut find = tx.prepare_cached(
        "SELECT id, started_at, last_activity_at, project_id, branch, title FROM sessions
         WHERE developer = ?1 AND agent = ?2 AND session_key = ?3",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO sessions (agent, session_key, source, developer, project_id, branch,
             started_at, last_activity_at, title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut ids = Vec::with_capacity(sessions.len());
    for s in sessions {
        if let Some((id, cached)) = cache.session(s) {
            if cached.absorb(s) {
                pending.insert(*id, cached.clone());
            }
            ids.push(*id);
            continue;
        }
        let stored = find
            .query_row(
                params![s.developer, s.agent.as_str(), s.session_key],
                |row| {
                    let mut stored = s.clone();
                    stored.started_at = row.get(1)?;
                    stored.last_activity_at = row.get(2)?;
                    stored.project_id = row.get(3)?;
                    stored.branch = row.get(4)?;
                    stored.title = row.get(5)?;
                    Ok((row.get::<_, i64>(0)?, stored))
                },
            )
            .optional()?;
        let id = match stored {
            None => {
                insert.execute(params![
                    s.agent.as_str(),
                    s.session_key,
                    s.source,
                    s.developer,
                    s.project_id,
                    s.branch,
                    s.started_at,
                    s.last_activity_at,
                    s.title
                ])?;
                let id = tx.last_insert_rowid();
                cache.remember_session(id, s);
                id
            }
            Some((id, mut stored)) => {
                if stored.absorb(s) {
                    pending.insert(id, stored.clone());
                }
                cache.remember_session(id, &stored);
                id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Adds the batch's request totals to their sessions and writes the changed sessions: one
/// `UPDATE` per session either way.
pub fn write(
    tx: &Transaction<'_>,
    totals: &[(i64, &Totals)],
    pending: &mut Pending,
) -> rusqlite::Result<()> {
    let sums: Vec<String> = SESSION_MEASURES
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.map(|m| {
                format!(
                    "{m} = {}",
                    saturating_add_sql(m, &format!("?{}", i + 2), false)
                )
            })
        })
        .collect();
    let fields = "started_at = ?13, last_activity_at = ?14, project_id = ?15, branch = ?16, \
                  title = ?17";
    let mut add = tx.prepare_cached(&format!(
        "UPDATE sessions SET {} WHERE id = ?1",
        sums.join(", ")
    ))?;
    let mut both = tx.prepare_cached(&format!(
        "UPDATE sessions SET {}, {fields} WHERE id = ?1",
        sums.join(", ")
    ))?;
    for (id, t) in totals {
        let c = t.columns();
        match pending.remove(id) {
            Some(s) => both.execute(params![
                id,
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                c[6],
                c[7],
                c[8],
                c[9],
                c[10],
                s.started_at,
                s.last_activity_at,
                s.project_id,
                s.branch,
                s.title
            ])?,
            None => add.execute(params![
                id, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]
            ])?,
        };
    }
    write_pending(tx, pending)
}

/// Writes the changed sessions no totals were added to.
pub fn write_pending(tx: &Transaction<'_>, pending: &mut Pending) -> rusqlite::Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let mut update = tx.prepare_cached(
        "UPDATE sessions SET started_at = ?2, last_activity_at = ?3, project_id = ?4,
             branch = ?5, title = ?6
         WHERE id = ?1",
    )?;
    let mut rows: Vec<_> = pending.drain().collect();
    rows.sort_by_key(|(id, _)| *id);
    for (id, s) in rows {
        update.execute(params![
            id,
            s.started_at,
            s.last_activity_at,
            s.project_id,
            s.branch,
            s.title
        ])?;
    }
    Ok(())
}
