//! Applying one write batch inside one SQLite transaction: the directory rows (projects,
//! teams, developers), then the shared write pipeline (sessions, requests, events, counters,
//! metric points) executed by [`SqliteRows`], then outcome/alert ops, cursors and source
//! health. Reports which topics changed.

use super::batch::{WriteBatch, WriteOutcome};
use super::pipeline::{Topics, apply_rows, run_ready};
use super::sqlite_rows::SqliteRows;
use super::writer_cache::WriterCache;
use rusqlite::{Transaction, params};

pub fn apply_batch(
    tx: &Transaction<'_>,
    cache: &mut WriterCache,
    batch: &WriteBatch,
    now_ms: i64,
) -> rusqlite::Result<(WriteOutcome, Topics)> {
    let mut topics = Topics::new();

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
                 role = excluded.role, started_on = excluded.started_on, team_from_server = 0,
                 team_from_config = 0",
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

    // SQL errors stay SQL errors (so damage is classified as damage); a row that cannot be
    // decoded travels as a conversion failure.
    let mut rows = SqliteRows {
        tx,
        hash: cache.identity_hash(tx)?,
        cache,
        pending: Default::default(),
    };
    let (out, rows_topics) =
        run_ready(apply_rows(&mut rows, batch)).map_err(rusqlite::Error::from)?;
    rows.finish()?;
    topics.extend(rows_topics);
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
