//! A new store's first load, written without a write-ahead log
//! (docs/architecture.md#a-new-stores-first-load).
//!
//! A command that reads the agents' files into a store that does not exist yet creates it,
//! loads it with SQLite's rollback journal kept in memory and no syncs, and switches it to
//! WAL when the pass ends. The WAL, its checksums and the checkpoints that copy it back
//! were a fifth of a cold pass's writer and its whole checkpoint thread (docs/perf.md).
//!
//! While it loads, the process holds the store's open lock alone (`recovery.rs`), so no
//! other process reads or writes the file, and a marker `<db>-loading` says that a first
//! load is under way. A process killed (or a machine stopped) mid-load leaves the marker,
//! and the next opener deletes the half-written file and starts again: it held only what
//! the agents' files hold, so nothing is lost, and without a journal on disk it might not
//! be whole.

use super::error::{Result, StoreError};
use super::schema::beside;
use rusqlite::Connection;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `<db>-loading`: present from the moment a first load begins until its rows are synced.
pub(super) fn marker_path(db: &Path) -> PathBuf {
    beside(db, "-loading")
}

/// Marks the start of a first load, durably (the marker, then its folder, synced) before
/// the database file exists.
pub(super) fn mark(db: &Path) -> std::io::Result<()> {
    let mut marker = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(marker_path(db))?;
    writeln!(
        marker,
        "agentdeck process {} is loading this new store for the first time",
        std::process::id()
    )?;
    marker.sync_all()?;
    sync_folder(db)
}

/// Deletes what a first load that never ended left behind: the database and SQLite's files
/// beside it, then the marker. Only called by a process that holds the open lock alone.
pub(super) fn discard_interrupted(db: &Path) -> std::io::Result<()> {
    let marker = marker_path(db);
    if !marker.exists() {
        return Ok(());
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        match std::fs::remove_file(beside(db, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    std::fs::remove_file(&marker)?;
    sync_folder(db)?;
    tracing::warn!(
        path = %db.display(),
        "the store's first load was cut short (the process was stopped or the machine went down); it is started again from the agents' files"
    );
    Ok(())
}

/// The writer connection of a first load: the rollback journal in memory (a failed batch
/// still rolls back) and no syncs. Set on the new, empty file before the schema is
/// created.
pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("memory") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stayed {mode}"
        )));
    }
    conn.pragma_update(None, "synchronous", "OFF")
}

/// Ends a first load on the writer's connection: the store goes to WAL with the usual
/// syncs, the file is synced, and only then the marker goes. A store that cannot switch to
/// WAL now (another connection in the middle of a read) takes a rollback journal on disk
/// instead, which is as safe, and switches to WAL at its next open.
pub(super) fn end(conn: &Connection, db: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let at = |e| StoreError::at(db, e);
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(at)?;
    let journal = |mode: &str| {
        conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| {
            r.get::<_, String>(0)
        })
        .is_ok_and(|now| now.eq_ignore_ascii_case(mode))
    };
    if !journal("WAL") {
        tracing::info!("the new store switches to WAL at its next open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(at)?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::File {
                what: "leaving the in-memory journal of the first load of",
                path: db.to_path_buf(),
                source: std::io::Error::other(format!("the journal mode stayed {mode}")),
            });
        }
    }
    File::open(db)
        .and_then(|f| f.sync_all())
        .map_err(|source| StoreError::File {
            what: "syncing the newly loaded store",
            path: db.to_path_buf(),
            source,
        })?;
    let marker = marker_path(db);
    std::fs::remove_file(&marker)
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        })
        .and_then(|()| sync_folder(db))
        .map_err(|source| StoreError::File {
            what: "removing the first-load marker",
            path: marker,
            source,
        })?;
    tracing::debug!(
        took_ms = started.elapsed().as_millis() as u64,
        "the store's first load ended"
    );
    Ok(())
}

/// Makes a file's creation or removal in the store's folder durable.
fn sync_folder(db: &Path) -> std::io::Result<()> {
    let folder = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(folder)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader in the middle of a read keeps the store from switching to WAL: it takes a
    /// rollback journal on disk instead (never stays with the in-memory one), and the load
    /// still ends.
    #[test]
    fn a_load_that_cannot_switch_to_wal_ends_with_a_journal_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("f.db");
        mark(&db).unwrap();
        let conn = Connection::open(&db).unwrap();
        configure(&conn).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        conn.busy_timeout(std::time::Duration::ZERO).unwrap();
        let reader = Connection::open(&db).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let n: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        end(&conn, &db).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        assert!(!marker_path(&db).exists());
        reader.execute_batch("COMMIT").unwrap();
    }
}
