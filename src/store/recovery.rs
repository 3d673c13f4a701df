//! Noticing that the last process to use a store did not close it (killed mid-write, power
//! loss) and checking the file before trusting it. Every process that opens the store for
//! writing holds a shared lock on `<db>-open`; a process that finds no other holder and a
//! `-wal` file left behind runs `PRAGMA quick_check` once (SQLite removes the WAL on a
//! clean close). Normal opens cost one lock call and one `stat` (docs/perf.md).

use super::error::{Result, StoreError};
use super::schema::wal_path;
use rusqlite::Connection;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// This process's share of the store's open lock; released when dropped.
#[derive(Debug)]
pub struct OpenLock {
    _file: File,
}

/// What [`OpenLock::acquire`] found.
#[derive(Debug)]
pub struct Opening {
    /// `None` when the lock file cannot be made (read-only folder, no `flock`): the check
    /// is then skipped, never the open.
    pub lock: Option<OpenLock>,
    /// No other process had the store open and its WAL was still there.
    pub unclean: bool,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-open");
    PathBuf::from(name)
}

impl OpenLock {
    /// Takes a shared lock on `<db>-open`, first looking (with a brief exclusive lock)
    /// whether anyone else holds it. Call before opening the database: SQLite creates the
    /// WAL as soon as it opens.
    pub fn acquire(path: &Path) -> Opening {
        let file = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(lock_path(path))
        {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(error = %e, "no open lock for the store; skipping the crash check");
                return Opening {
                    lock: None,
                    unclean: false,
                };
            }
        };
        let alone = match file.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(e)) => {
                tracing::debug!(error = %e, "cannot lock the store's open lock; skipping the crash check");
                return Opening {
                    lock: None,
                    unclean: false,
                };
            }
        };
        let unclean = alone && std::fs::metadata(wal_path(path)).is_ok_and(|m| m.len() > 0);
        let shared = if alone {
            file.unlock().and_then(|()| file.lock_shared())
        } else {
            file.lock_shared()
        };
        Opening {
            lock: shared.ok().map(|()| OpenLock { _file: file }),
            unclean,
        }
    }
}

/// Most problems quoted from `quick_check` in the error message.
const QUOTED_PROBLEMS: usize = 3;

/// `PRAGMA quick_check` on an open connection: damage becomes [`StoreError::Corrupt`] with
/// the usual advice (`agentdeck doctor`).
pub fn quick_check(conn: &Connection, path: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let lines: Vec<String> = conn
        .prepare("PRAGMA quick_check(10)")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| StoreError::at(path, e))?;
    tracing::info!(
        path = %path.display(),
        took_ms = started.elapsed().as_millis() as u64,
        "checked the store after an unclean shutdown"
    );
    let problems: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| *l != "ok")
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    let mut detail = format!(
        "found by the check after an unclean shutdown: {}",
        problems[..problems.len().min(QUOTED_PROBLEMS)].join("; ")
    );
    if problems.len() > QUOTED_PROBLEMS {
        detail.push_str(&format!("; and {} more", problems.len() - QUOTED_PROBLEMS));
    }
    Err(StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_opener_after_a_left_wal_checks() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let first = OpenLock::acquire(&db);
        assert!(first.lock.is_some());
        assert!(!first.unclean, "no WAL: a clean start");
        std::fs::write(wal_path(&db), b"frames").unwrap();
        let second = OpenLock::acquire(&db);
        assert!(
            !second.unclean,
            "another opener is alive: its WAL is in use"
        );
        drop((first, second));
        let after_crash = OpenLock::acquire(&db);
        assert!(
            after_crash.unclean,
            "nobody holds the store and its WAL was left"
        );
    }

    #[test]
    fn a_sound_store_passes_and_a_damaged_one_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 1024; CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO t SELECT printf('%08d', i) FROM n;",
        )
        .unwrap();
        quick_check(&conn, &db).unwrap();
        let root: i64 = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 't_x'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        drop(conn);
        let mut bytes = std::fs::read(&db).unwrap();
        let start = (root as usize - 1) * 1024;
        bytes[start..start + 1024].fill(0xA5);
        std::fs::write(&db, bytes).unwrap();
        let conn = Connection::open(&db).unwrap();
        let err = quick_check(&conn, &db).unwrap_err();
        assert!(err.is_damage(), "{err}");
        let text = err.to_string();
        assert!(text.contains("unclean shutdown"), "{text}");
        assert!(text.contains("agentdeck doctor"), "{text}");
    }
}
