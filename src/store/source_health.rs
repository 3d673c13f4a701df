//! Source health as written by every collector: one [`SourceRun`] per run (when, what was
//! read and added, the error in full, the next run, the settings in effect), sources
//! declared by config before their first run, and the lines file collectors skipped.

use crate::domain::UnixMillis;
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many skipped lines (or problems) a run keeps by location; counts cover them all.
pub const FIRST_LOCATIONS: usize = 5;

/// What one run of a source did. `error: None` is a success.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceRun {
    pub source: String,
    /// `files`, `vendor_api`, `sync`, `push`, `telemetry`, `directory`.
    pub kind: String,
    pub finished_at: UnixMillis,
    pub error: Option<String>,
    /// Files or pages read by this run (see `item_unit`).
    pub items_read: i64,
    /// `files` or `pages`.
    pub item_unit: String,
    pub rows_added: i64,
    /// This run's own problems (unreadable files, refused records), by kind and first few.
    pub problems: RunProblems,
    pub next_run: Option<UnixMillis>,
    /// The configuration in effect as JSON, never holding a secret; `None` keeps the stored.
    pub settings: Option<String>,
}

/// Problems of one run, counted by kind, with the first few locations (`file:line` or a
/// request) spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunProblems {
    pub by_kind: BTreeMap<String, i64>,
    pub first: Vec<String>,
}

impl RunProblems {
    pub fn add(&mut self, kind: &str, location: impl FnOnce() -> String) {
        *self.by_kind.entry(kind.to_string()).or_insert(0) += 1;
        if self.first.len() < FIRST_LOCATIONS {
            self.first.push(location());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }
}

/// One skipped line of a file, kept until the file is read again from its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    pub path: String,
    pub line: u64,
    /// Stable label (`malformed_json`, `invalid_utf8`, …).
    pub reason: String,
    /// The reason in words with its detail (`malformed JSON (column 22)`), never content.
    pub detail: Option<String>,
}

impl std::fmt::Display for SkippedLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{}:{}: {d}", self.path, self.line),
            None => write!(f, "{}:{}: {}", self.path, self.line, self.reason),
        }
    }
}

pub(super) fn record_run(tx: &Transaction<'_>, r: &SourceRun) -> rusqlite::Result<()> {
    let (success, error_at) = match &r.error {
        None => (Some(r.finished_at), None),
        Some(_) => (None, Some(r.finished_at)),
    };
    let problems = (!r.problems.is_empty())
        .then(|| serde_json::to_string(&r.problems).ok())
        .flatten();
    tx.prepare_cached(
        "INSERT INTO source_health (source, kind, last_run, last_success, last_error_at, last_error,
             rows, next_run, items_read, item_unit, last_rows, run_problems, settings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?7, ?11, ?12)
         ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, last_run = excluded.last_run,
             last_success = coalesce(excluded.last_success, last_success),
             last_error_at = coalesce(excluded.last_error_at, last_error_at),
             last_error = coalesce(excluded.last_error, last_error),
             rows = rows + excluded.rows, next_run = excluded.next_run,
             items_read = excluded.items_read, item_unit = excluded.item_unit,
             last_rows = excluded.last_rows, run_problems = excluded.run_problems,
             settings = coalesce(excluded.settings, settings)",
    )?
    .execute(params![
        r.source,
        r.kind,
        r.finished_at,
        success,
        error_at,
        r.error,
        r.rows_added,
        r.next_run,
        r.items_read,
        r.item_unit,
        problems,
        r.settings
    ])?;
    Ok(())
}

/// A configured source that may not have run yet: its kind and settings, no run.
pub(super) fn declare(
    tx: &Transaction<'_>,
    source: &str,
    kind: &str,
    settings: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO source_health (source, kind, settings) VALUES (?1, ?2, ?3)
         ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, settings = excluded.settings",
    )?
    .execute(params![source, kind, settings])?;
    Ok(())
}

/// Records the skipped lines of one file's batch; `restart` first forgets the lines of an
/// earlier read (the file is being read again from its start).
pub(super) fn skipped_lines(
    tx: &Transaction<'_>,
    source: &str,
    path: &str,
    restart: bool,
    lines: &[SkippedLine],
    now: UnixMillis,
) -> rusqlite::Result<()> {
    if restart {
        tx.prepare_cached("DELETE FROM skipped_lines WHERE source = ?1 AND path = ?2")?
            .execute(params![source, path])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO skipped_lines (source, path, line, reason, detail, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (source, path, line) DO UPDATE SET reason = excluded.reason,
             detail = excluded.detail, seen_at = excluded.seen_at",
    )?;
    for l in lines {
        insert.execute(params![
            source,
            path,
            l.line as i64,
            l.reason,
            l.detail,
            now
        ])?;
    }
    Ok(())
}
