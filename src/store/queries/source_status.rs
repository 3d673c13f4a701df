//! Health of every source for `agentdeck sources` and the Sources view: kind, last run and
//! success, last error, rows, the last run's reads and problems, settings in effect and the
//! skipped lines on record. Lag (now − last success) is computed by the caller.

use crate::domain::UnixMillis;
use crate::store::Reader;
use crate::store::error::Result;
use crate::store::source_health::{FIRST_LOCATIONS, RunProblems, SkippedLine};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub source: String,
    pub kind: String,
    pub last_success: Option<UnixMillis>,
    pub last_error_at: Option<UnixMillis>,
    pub last_error: Option<String>,
    pub rows: i64,
}

impl SourceStatus {
    /// The latest error is newer than the latest success.
    pub fn is_failing(&self) -> bool {
        match (self.last_error_at, self.last_success) {
            (Some(e), Some(s)) => e > s,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

impl Reader {
    /// Every source with a health row, by name.
    pub fn source_status(&self) -> Result<Vec<SourceStatus>> {
        let mut stmt = self.conn.prepare(
            "SELECT source, kind, last_success, last_error_at, last_error, rows
             FROM source_health ORDER BY source",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceStatus {
                source: r.get(0)?,
                kind: r.get(1)?,
                last_success: r.get(2)?,
                last_error_at: r.get(3)?,
                last_error: r.get(4)?,
                rows: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Everything the Sources detail and `agentdeck sources --json` show about one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDetail {
    pub status: SourceStatus,
    pub last_run: Option<UnixMillis>,
    pub next_run: Option<UnixMillis>,
    /// Files or pages read by the last run (`item_unit` says which).
    pub items_read: i64,
    pub item_unit: String,
    /// Rows added by the last run (`status.rows` is the total).
    pub last_rows: i64,
    /// The last run's own problems (unreadable files, refused records).
    pub run_problems: RunProblems,
    /// Configuration in effect (JSON, no secrets), when the source recorded it.
    pub settings: Option<String>,
    /// Skipped lines on record, by reason, and the first few of them.
    pub skipped_by_reason: BTreeMap<String, i64>,
    pub skipped_first: Vec<SkippedLine>,
}

impl SourceDetail {
    pub fn skipped_total(&self) -> i64 {
        self.skipped_by_reason.values().sum()
    }
}

impl Reader {
    /// Every source with a health row, by name, with its run, settings and skipped lines.
    pub fn source_details(&self) -> Result<Vec<SourceDetail>> {
        let mut stmt = self.conn.prepare(
            "SELECT source, kind, last_success, last_error_at, last_error, rows, last_run,
                    next_run, items_read, item_unit, last_rows, run_problems, settings
             FROM source_health ORDER BY source",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceDetail {
                status: SourceStatus {
                    source: r.get(0)?,
                    kind: r.get(1)?,
                    last_success: r.get(2)?,
                    last_error_at: r.get(3)?,
                    last_error: r.get(4)?,
                    rows: r.get(5)?,
                },
                last_run: r.get(6)?,
                next_run: r.get(7)?,
                items_read: r.get(8)?,
                item_unit: r.get(9)?,
                last_rows: r.get(10)?,
                run_problems: r
                    .get::<_, Option<String>>(11)?
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default(),
                settings: r.get(12)?,
                skipped_by_reason: BTreeMap::new(),
                skipped_first: Vec::new(),
            })
        })?;
        let mut details: Vec<SourceDetail> = rows.collect::<rusqlite::Result<_>>()?;
        let counts = self.skipped_counts()?;
        for d in &mut details {
            if let Some(c) = counts.get(&d.status.source) {
                d.skipped_by_reason = c.clone();
                d.skipped_first = self.skipped_lines(Some(&d.status.source), FIRST_LOCATIONS)?;
            }
        }
        Ok(details)
    }

    /// Skipped lines on record per source and reason.
    pub fn skipped_counts(&self) -> Result<BTreeMap<String, BTreeMap<String, i64>>> {
        let mut stmt = self.conn.prepare(
            "SELECT source, reason, count(*) FROM skipped_lines GROUP BY source, reason",
        )?;
        let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?;
        for row in rows {
            let (source, reason, n) = row?;
            out.entry(source).or_default().insert(reason, n);
        }
        Ok(out)
    }

    /// Skipped lines on record (of one source, or all), in path and line order.
    pub fn skipped_lines(&self, source: Option<&str>, limit: usize) -> Result<Vec<SkippedLine>> {
        let mut stmt = self.conn.prepare(
            "SELECT path, line, reason, detail FROM skipped_lines
             WHERE ?1 IS NULL OR source = ?1 ORDER BY path, line LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![source, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(SkippedLine {
                    path: r.get(0)?,
                    line: r.get::<_, i64>(1)? as u64,
                    reason: r.get(2)?,
                    detail: r.get(3)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Reader {
    /// When each source last ran.
    pub fn source_last_runs(&self) -> Result<BTreeMap<String, Option<UnixMillis>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT source, last_run FROM source_health")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The developer the local agent files were last read as (recorded with the file
    /// sources' settings), if a pass recorded one.
    pub fn files_developer(&self) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json_extract(settings, '$.developer') FROM source_health
             WHERE kind = 'files' AND json_valid(settings)
               AND json_extract(settings, '$.developer') IS NOT NULL
             ORDER BY last_run DESC LIMIT 1",
        )?;
        let mut rows = stmt.query([])?;
        Ok(match rows.next()? {
            Some(r) => r.get(0)?,
            None => None,
        })
    }

    /// Stored requests per agent (from the daily rollup), for "rows added" by a pass.
    pub fn requests_by_agent(&self) -> Result<BTreeMap<String, i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT agent, sum(requests) FROM rollups_day GROUP BY agent")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Reader {
    /// Known developers by lower-cased handle (GitHub login), for matching vendor rows
    /// that name a login rather than an email.
    pub fn developer_ids_by_handle(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut stmt = self.conn.prepare(
            "SELECT lower(handle), id FROM developers WHERE handle IS NOT NULL AND handle != ''",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
