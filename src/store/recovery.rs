//! Noticing that the last process to use a store did not close it (killed mid-write, power
//! loss) and checking the file before trusting it. Every process that opens the store for
//! writing holds a shared lock on `<db>-open`; a process that finds no other holder and a
//! `-wal` file left behind runs `PRAGMA quick_check` once (SQLite removes the WAL on a
//! clean close). Normal opens cost one lock call and two `stat`s (docs/perf.md). A new
//! store's first load holds the lock alone until it ends (`first_load.rs`).

use super::error::{Result, StoreError};
use super::first_load;
use super::schema::{beside, wal_path};
use rusqlite::Connection;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// This process's share of the store's open lock; released when dropped.
#[derive(Debug)]
pub struct OpenLock {
    file: File,
}

/// What [`OpenLock::acquire`] found.
#[derive(Debug)]
pub struct Opening {
    /// `None` when the lock file cannot be made (read-only folder, no `flock`): the check
    /// is then skipped, never the open.
    pub lock: Option<OpenLock>,
    /// No other process had the store open and its WAL was still there.
    pub unclean: bool,
    /// This process creates the store and loads it first (`first_load.rs`): the lock is
    /// held alone until [`OpenLock::share`].
    pub first_load: bool,
}

/// How long an opener waits for another process's first load of a new store to end.
const FIRST_LOAD_WAIT: Duration = Duration::from_secs(60);

fn lock_path(path: &Path) -> PathBuf {
    beside(path, "-open")
}

impl OpenLock {
    /// Takes a shared lock on `<db>-open`, first looking (with a brief exclusive lock)
    /// whether anyone else holds it. Call before opening the database: SQLite creates the
    /// WAL as soon as it opens. Alone, it first deletes what a first load that never ended
    /// left behind; then, with `may_load_first` and no database yet, it marks a first load
    /// and keeps the lock exclusive. Another process's first load is waited for.
    pub fn acquire(path: &Path, may_load_first: bool) -> Result<Opening> {
        let unlocked = |why: &dyn std::fmt::Display| {
            tracing::debug!("no open lock for the store ({why}); skipping the crash check");
            Opening {
                lock: None,
                unclean: false,
                first_load: false,
            }
        };
        let file = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(lock_path(path))
        {
            Ok(f) => f,
            Err(e) => return Ok(unlocked(&e)),
        };
        let alone = match file.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(e)) => return Ok(unlocked(&e)),
        };
        if !alone {
            return Ok(Opening {
                lock: wait_shared(file, path)?,
                unclean: false,
                first_load: false,
            });
        }
        let file_error = |what, source| StoreError::File {
            what,
            path: path.to_path_buf(),
            source,
        };
        first_load::discard_interrupted(path)
            .map_err(|e| file_error("deleting the half-loaded store", e))?;
        if may_load_first && !path.exists() {
            first_load::mark(path).map_err(|e| file_error("marking the first load of", e))?;
            return Ok(Opening {
                lock: Some(OpenLock { file }),
                unclean: false,
                first_load: true,
            });
        }
        let unclean = std::fs::metadata(wal_path(path)).is_ok_and(|m| m.len() > 0);
        let lock = file.unlock().and_then(|()| file.lock_shared());
        Ok(Opening {
            lock: lock.ok().map(|()| OpenLock { file }),
            unclean,
            first_load: false,
        })
    }

    /// Lets other processes in once this one's first load has ended.
    pub fn share(&self) -> std::io::Result<()> {
        self.file.lock_shared()
    }
}

/// Another process is loading this new store for the first time (its marker is there and
/// the open lock is held alone), so opening it now waits. Looked at without taking a lock,
/// so a command can say so before it waits (`cli/context.rs`).
pub fn first_load_elsewhere(path: &Path) -> bool {
    first_load::marker_path(path).exists()
        && File::open(lock_path(path))
            .is_ok_and(|f| matches!(f.try_lock_shared(), Err(TryLockError::WouldBlock)))
}

/// The shared lock, once no process holds it alone. Others hold it alone only for a moment,
/// except during a first load, which is waited for up to [`FIRST_LOAD_WAIT`].
fn wait_shared(file: File, path: &Path) -> Result<Option<OpenLock>> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock_shared() {
            Ok(()) => return Ok(Some(OpenLock { file })),
            Err(TryLockError::Error(e)) => {
                tracing::debug!(error = %e, "cannot lock the store's open lock; skipping the crash check");
                return Ok(None);
            }
            Err(TryLockError::WouldBlock) => {}
        }
        if started.elapsed() > FIRST_LOAD_WAIT {
            let loading = first_load::marker_path(path).exists();
            return Err(StoreError::Busy {
                path: path.to_path_buf(),
                detail: if loading {
                    "it is loading this new store for the first time".to_owned()
                } else {
                    "its open lock stayed taken".to_owned()
                },
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
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
        let first = OpenLock::acquire(&db, false).unwrap();
        assert!(first.lock.is_some());
        assert!(!first.unclean, "no WAL: a clean start");
        std::fs::write(wal_path(&db), b"frames").unwrap();
        let second = OpenLock::acquire(&db, false).unwrap();
        assert!(
            !second.unclean,
            "another opener is alive: its WAL is in use"
        );
        drop((first, second));
        let after_crash = OpenLock::acquire(&db, false).unwrap();
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
