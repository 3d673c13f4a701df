//! Checking and repairing a store file. `check` runs SQLite's integrity check and counts
//! requests outside `domain/bounds`; `rebuild` moves a damaged file aside and copies every
//! row it can still read into a fresh store — alerts with their acks and notes, rows synced
//! or pushed from elsewhere, tokens, teams — skipping only what sits on damaged pages.
//! Derived tables (rollups) are recomputed and cursors dropped, so the next ingest re-reads
//! the agents' files and fills in, through the dedupe keys, whatever was lost.

use super::error::{Result, StoreError};
use super::{identity, schema};
use crate::domain::bounds;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What `agentdeck doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct Checkup {
    pub path: String,
    pub schema_version: Option<i64>,
    /// SQLite's integrity-check messages (empty when the file is sound).
    pub integrity: Vec<String>,
    /// Requests whose value is outside the bounds (stored before the bounds existed, or
    /// by an older agentdeck): what, and how many. Reports leave out-of-window rows out.
    pub out_of_bounds: Vec<(String, i64)>,
    /// The file could not be opened or read at all.
    pub error: Option<String>,
}

impl Checkup {
    pub fn healthy(&self) -> bool {
        self.error.is_none() && self.integrity.is_empty()
    }
}

/// Tables recomputed from `requests` after a rebuild (never copied).
const DERIVED: [&str; 4] = ["rollups", "rollups_hour", "rollups_day", "rollups_day_dev"];
/// Tables that must start empty in a rebuilt store (every file is read again).
const RESET: [&str; 1] = ["cursors"];
/// Tables whose rows a rebuilt store keeps its own of: its identity-hash key, under which
/// the copied requests' hashes are computed (`identity::HASH_COLUMNS`).
const OWN: [&str; 1] = ["store_secrets"];
/// Rows copied per statement; on damage a range is halved until the bad rows are isolated.
const COPY_CHUNK: i64 = 4096;

fn open_ro(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Checks the store at `path` without changing it.
pub fn check(path: &Path) -> Checkup {
    let mut c = Checkup {
        path: path.display().to_string(),
        schema_version: None,
        integrity: Vec::new(),
        out_of_bounds: Vec::new(),
        error: None,
    };
    let conn = match open_ro(path) {
        Ok(conn) => conn,
        Err(e) => {
            c.error = Some(e.to_string());
            return c;
        }
    };
    c.schema_version = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).ok();
    let integrity = conn
        .prepare("PRAGMA integrity_check(50)")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    match integrity {
        Ok(lines) => c.integrity = lines.into_iter().filter(|l| l != "ok").collect(),
        Err(e) => c.integrity.push(e.to_string()),
    }
    // Requests are found by hashes under the store's own key.
    if c.schema_version.is_some_and(|v| v >= identity::KEYED_SINCE) {
        let key: Option<Vec<u8>> = conn.query_row(identity::SECRET_SQL, [], |r| r.get(0)).ok();
        if key.is_none_or(|k| k.len() != 16) {
            c.integrity.push(identity::MISSING_KEY.to_owned());
        }
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    let max_cost = (bounds::MAX_COST_USD_PER_REQUEST * 1_000_000.0) as i64;
    let max_tokens = bounds::MAX_TOKENS_PER_REQUEST;
    let checks = [
        (
            "a timestamp",
            format!(
                "ts < {} OR ts > {}",
                bounds::EARLIEST_TS,
                now_ms + bounds::MAX_FUTURE_SKEW_MS
            ),
        ),
        (
            "a token count",
            [
                "input_tokens",
                "output_tokens",
                "cache_write_5m",
                "cache_write_1h",
                "cache_read",
                "reasoning_tokens",
            ]
            .map(|col| format!("{col} < 0 OR {col} > {max_tokens}"))
            .join(" OR "),
        ),
        (
            "a cost",
            format!("cost_micro_usd < 0 OR cost_micro_usd > {max_cost}"),
        ),
    ];
    for (what, condition) in checks {
        let sql = format!("SELECT count(*) FROM requests WHERE {condition}");
        match conn.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
            Ok(0) => {}
            Ok(n) => c.out_of_bounds.push((what.to_string(), n)),
            Err(e) if c.integrity.is_empty() => c.integrity.push(e.to_string()),
            Err(_) => {}
        }
    }
    c
}

/// What a rebuild kept, table by table.
#[derive(Debug, Clone, Serialize)]
pub struct Rebuilt {
    pub moved_to: PathBuf,
    pub tables: Vec<TableCopy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub table: String,
    pub copied: u64,
    /// Row ranges (or single rows) that could not be read.
    pub unreadable: u64,
}

/// Moves the store at `path` aside (with its `-wal` and `-shm`), creates a fresh one in its
/// place and copies every readable row into it. Derived tables are recomputed by the
/// caller's next open (`Maintenance::RebuildAggregates`) — see `cli/commands/doctor.rs`.
pub fn rebuild(path: &Path) -> Result<Rebuilt> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let moved_to = PathBuf::from(format!("{}.damaged-{stamp}", path.display()));
    let rename = |from: &Path, to: &Path| -> Result<()> {
        std::fs::rename(from, to).map_err(|e| StoreError::Open {
            path: from.to_path_buf(),
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        })
    };
    rename(path, &moved_to)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            rename(
                &side,
                &PathBuf::from(format!("{}{suffix}", moved_to.display())),
            )?;
        }
    }
    let fresh = schema::open_writer(path, false)?;
    identity::register(&fresh)?;
    fresh
        .execute(
            "ATTACH DATABASE ?1 AS old",
            [moved_to.display().to_string()],
        )
        .map_err(|e| StoreError::at(&moved_to, e))?;
    let tables: Vec<String> = fresh
        .prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut copies = Vec::new();
    for table in parents_first(&fresh, tables)? {
        let skip = [&DERIVED[..], &RESET, &OWN].concat();
        if skip.contains(&table.as_str()) {
            continue;
        }
        copies.push(copy_table(&fresh, &table));
    }
    copies.sort_by(|a, b| a.table.cmp(&b.table));
    let _ = fresh.execute_batch("DETACH DATABASE old");
    Ok(Rebuilt {
        moved_to,
        tables: copies,
    })
}

/// The tables in an order that copies each after the tables its rows refer to (sessions
/// before their requests and events: with foreign keys on, a child copied first is
/// refused); by name otherwise.
fn parents_first(conn: &Connection, tables: Vec<String>) -> rusqlite::Result<Vec<String>> {
    let mut waiting = Vec::with_capacity(tables.len());
    for table in tables {
        let parents: Vec<String> = conn
            .prepare(&format!("PRAGMA main.foreign_key_list(\"{table}\")"))?
            .query_map([], |r| r.get::<_, String>(2))?
            .collect::<rusqlite::Result<_>>()?;
        waiting.push((table, parents));
    }
    let mut order: Vec<String> = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        let ready = |(table, parents): &(String, Vec<String>), order: &[String]| {
            parents.iter().all(|p| p == table || order.contains(p))
        };
        let Some(next) = waiting.iter().position(|w| ready(w, &order)) else {
            // A cycle (none in this schema): the rest in name order.
            order.extend(waiting.drain(..).map(|(t, _)| t));
            break;
        };
        order.push(waiting.remove(next).0);
    }
    Ok(order)
}

/// The columns `table` has in both databases.
fn shared_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let columns = |schema: &str| -> rusqlite::Result<Vec<String>> {
        conn.prepare(&format!("PRAGMA {schema}.table_info(\"{table}\")"))?
            .query_map([], |r| r.get::<_, String>(1))?
            .collect()
    };
    let old = columns("old")?;
    Ok(columns("main")?
        .into_iter()
        .filter(|c| old.contains(c))
        .collect())
}

fn copy_table(conn: &Connection, table: &str) -> TableCopy {
    let mut copy = TableCopy {
        table: table.to_string(),
        copied: 0,
        unreadable: 0,
    };
    // Computed in the fresh store rather than copied.
    let computed: &[(&str, &str)] = if table == "requests" {
        &identity::HASH_COLUMNS
    } else {
        &[]
    };
    let cols = match shared_columns(conn, table) {
        Ok(cols) if !cols.is_empty() => cols,
        _ => {
            copy.unreadable += 1;
            return copy;
        }
    };
    let copied: Vec<String> = cols
        .iter()
        .filter(|c| !computed.iter().any(|(name, _)| name == c))
        .map(|c| format!("\"{c}\""))
        .collect();
    let list = copied
        .iter()
        .cloned()
        .chain(computed.iter().map(|(name, _)| (*name).to_owned()))
        .collect::<Vec<_>>()
        .join(", ");
    let values = copied
        .iter()
        .cloned()
        .chain(computed.iter().map(|(_, sql)| (*sql).to_owned()))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "INSERT OR IGNORE INTO main.\"{table}\" ({list}) SELECT {values} FROM old.\"{table}\""
    );
    // The whole table at once when it reads cleanly.
    if let Ok(n) = conn.execute(&insert, []) {
        copy.copied = n as u64;
        return copy;
    }
    // Otherwise by rowid ranges, halving a range that fails until the damage is isolated.
    let Ok(max_rowid) = conn.query_row(
        &format!("SELECT max(rowid) FROM old.\"{table}\""),
        [],
        |r| r.get::<_, Option<i64>>(0),
    ) else {
        copy.unreadable += 1;
        return copy;
    };
    let ranged = format!("{insert} WHERE rowid >= ?1 AND rowid < ?2");
    let mut pending: Vec<(i64, i64)> = Vec::new();
    let mut lo = 0;
    while lo <= max_rowid.unwrap_or(0) {
        pending.push((lo, lo + COPY_CHUNK));
        lo += COPY_CHUNK;
    }
    pending.reverse();
    while let Some((lo, hi)) = pending.pop() {
        match conn.execute(&ranged, [lo, hi]) {
            Ok(n) => copy.copied += n as u64,
            Err(_) if hi - lo > 1 => {
                let mid = lo + (hi - lo) / 2;
                pending.push((mid, hi));
                pending.push((lo, mid));
            }
            Err(_) => copy.unreadable += 1,
        }
    }
    copy
}
