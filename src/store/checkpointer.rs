//! Copies the WAL back into the database file on a thread of its own, so the writer never
//! stops to do it. SQLite's automatic checkpoint runs inside the commit that crosses the
//! threshold: that commit then pays for copying every page written since the last one
//! (2–4 ms a time on the team server, most of its p99). Here the writer's WAL hook only
//! nudges this thread, which runs a passive checkpoint (it never blocks the writer or a
//! reader) on its own connection. See docs/perf.md#checkpoints.

use rusqlite::Connection;
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// WAL frames (pages) after which a checkpoint is due: SQLite's default is 1,000; more
/// means a page rewritten by consecutive commits is copied into the database once.
pub const CHECKPOINT_FRAMES: c_int = if cfg!(test) { 64 } else { 8_000 };

/// Should the background thread fall behind (or fail to start), the writer checkpoints
/// itself once the WAL holds this many frames, so the WAL stays bounded whatever happens.
pub const WRITER_CHECKPOINT_FRAMES: c_int = CHECKPOINT_FRAMES * 8;

/// Installs the writer's WAL hook. The checkpoint thread starts at the first nudge (a
/// short `ingest` that never fills the WAL starts none) and ends with the writer.
pub fn install(conn: &mut Connection, path: &Path) -> rusqlite::Result<()> {
    let mut background = Background::Idle(path.to_path_buf());
    conn.wal_hook(Some(
        move |wal: &mut rusqlite::hooks::Wal, frames: c_int| {
            if frames >= WRITER_CHECKPOINT_FRAMES || !background.nudge_due(frames) {
                after_commit(wal.checkpoint()); // passive, on the writer: the fallback
            }
            Ok(())
        },
    ))
}

/// The hook runs once the commit is durable, and SQLite reports an error the hook returns
/// as the commit's own. A checkpoint that cannot run now (the checkpoint thread holds the
/// checkpoint lock: SQLITE_BUSY) is therefore only logged; the next commit tries again.
/// (Returning it made the team server answer 503 for exports it had stored.)
fn after_commit(checkpoint: rusqlite::Result<()>) {
    if let Err(e) = checkpoint {
        tracing::debug!("the writer's own WAL checkpoint did not run ({e}); tried again later");
    }
}

enum Background {
    Idle(PathBuf),
    Running(
        Option<mpsc::SyncSender<()>>,
        Option<std::thread::JoinHandle<()>>,
    ),
    Unavailable,
}

/// The hook (and so this) is dropped when the writer closes: the checkpoint thread is told
/// to end and waited for, so its connection is closed before the writer's.
impl Drop for Background {
    fn drop(&mut self) {
        if let Background::Running(nudge, thread) = self {
            drop(nudge.take());
            if let Some(thread) = thread.take()
                && thread.join().is_err()
            {
                tracing::error!("the WAL checkpoint thread panicked");
            }
        }
    }
}

impl Background {
    /// Wakes the checkpoint thread if a checkpoint is due. False when there is no thread to
    /// do it (it could not be started), so the caller checkpoints itself.
    fn nudge_due(&mut self, frames: c_int) -> bool {
        if frames < CHECKPOINT_FRAMES {
            return true;
        }
        if let Background::Idle(path) = self {
            *self = match spawn(path) {
                Ok((nudge, thread)) => Background::Running(Some(nudge), Some(thread)),
                Err(e) => {
                    tracing::warn!(
                        "cannot start the WAL checkpoint thread for {}: {e}; the writer \
                         checkpoints itself",
                        path.display()
                    );
                    Background::Unavailable
                }
            };
        }
        match self {
            // Full means a nudge is already waiting: one checkpoint covers both.
            Background::Running(Some(nudge), _) => !matches!(
                nudge.try_send(()),
                Err(mpsc::TrySendError::Disconnected(()))
            ),
            _ => false,
        }
    }
}

fn spawn(path: &Path) -> std::io::Result<(mpsc::SyncSender<()>, std::thread::JoinHandle<()>)> {
    let conn = super::schema::open_checkpointer(path).map_err(std::io::Error::other)?;
    let (nudge, nudges) = mpsc::sync_channel::<()>(1);
    let shown = path.display().to_string();
    let thread = std::thread::Builder::new()
        .name("store-checkpoint".into())
        .spawn(move || {
            while nudges.recv().is_ok() {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!("WAL checkpoint of {shown} failed: {e}; retried at the next");
                }
            }
        })?;
    Ok((nudge, thread))
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    /// A commit whose checkpoint cannot run (here: a read still open on the connection, so
    /// the checkpoint gets SQLITE_LOCKED; on the server, the checkpoint thread's lock) is
    /// still a successful commit.
    #[test]
    fn a_checkpoint_that_cannot_run_does_not_fail_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (1);")
            .unwrap();
        super::install(&mut conn, &path).unwrap();
        let mut read = conn.prepare("SELECT x FROM t").unwrap();
        let mut rows = read.query([]).unwrap();
        assert!(rows.next().unwrap().is_some());
        // More pages than the writer's fallback threshold: its hook checkpoints.
        let bytes = (super::WRITER_CHECKPOINT_FRAMES as i64 + 100) * 4096;
        conn.execute("INSERT INTO t VALUES (zeroblob(?1))", [bytes])
            .unwrap();
        drop(rows);
        drop(read);
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    /// Writing well past the threshold without ever asking for a checkpoint: the pages reach
    /// the database file (the thread ran), and the WAL stays far below the writer's own
    /// fallback size.
    #[test]
    fn the_wal_is_copied_back_without_the_writer_asking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        let db_size = || std::fs::metadata(&path).unwrap().len();
        let before = db_size();
        for i in 0..20 {
            // Each batch a separate commit through the writer: a project row with a 40 KB
            // name dirties ten pages.
            let batch = crate::store::WriteBatch {
                projects: vec![crate::domain::ProjectRecord {
                    id: format!("p{i}"),
                    display_name: "x".repeat(40_000),
                }],
                ..Default::default()
            };
            store.writer().apply_blocking(batch).unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while db_size() <= before + 100_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            db_size() > before + 100_000,
            "nothing was checkpointed: database {} bytes, was {before}",
            db_size()
        );
    }

    /// Dropping the last handle closes the writer's connection before `drop` returns (and
    /// ends the checkpoint thread first, so the writer's is the last connection): SQLite
    /// then copies the WAL back and deletes it. Without the wait, a process that exits
    /// right after leaves the WAL behind and the next open checks the whole store.
    #[test]
    fn the_last_handle_closes_the_store_and_removes_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let wal = dir.path().join("s.db-wal");
        for pages in [1, 2 * super::CHECKPOINT_FRAMES as usize] {
            let store = Store::open(&path).unwrap();
            let clone = store.clone();
            // Enough pages, the second time, to start the checkpoint thread.
            for i in 0..pages.div_ceil(10) {
                let batch = crate::store::WriteBatch {
                    projects: vec![crate::domain::ProjectRecord {
                        id: format!("p{pages}-{i}"),
                        display_name: "x".repeat(40_000),
                    }],
                    ..Default::default()
                };
                store.writer().apply_blocking(batch).unwrap();
            }
            drop(store);
            assert!(wal.exists(), "a clone still holds the store open");
            drop(clone);
            assert!(
                !wal.exists(),
                "the WAL is still there after the last handle dropped ({pages} pages)"
            );
        }
        // A reader that outlives the store keeps SQLite from removing the WAL; it must
        // then be empty, or the next open takes it for a crash.
        let store = Store::open(&path).unwrap();
        let reader = store.reader().unwrap();
        let batch = crate::store::WriteBatch {
            projects: vec![crate::domain::ProjectRecord {
                id: "late".into(),
                display_name: "x".repeat(40_000),
            }],
            ..Default::default()
        };
        store.writer().apply_blocking(batch).unwrap();
        drop(store);
        let len = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(
            len, 0,
            "a reader outlived the store and the WAL kept its frames"
        );
        drop(reader);
    }

    /// A store closing while another connection is in the middle of a long read must not
    /// hold the write lock until that read ends: its TRUNCATE checkpoint gives up after a
    /// moment instead of waiting out the 10 s busy timeout, so other writers go on (two
    /// reports side by side failed with "database is locked" before).
    #[test]
    fn closing_the_store_does_not_wait_for_another_connections_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let project = |id: &str| crate::store::WriteBatch {
            projects: vec![crate::domain::ProjectRecord {
                id: id.into(),
                display_name: "x".repeat(40_000),
            }],
            ..Default::default()
        };
        let other = Store::open(&path).unwrap();
        let closing = Store::open(&path).unwrap();
        closing.writer().apply_blocking(project("a")).unwrap();
        // Another process's long report: a read transaction on the WAL, left open.
        let reader = rusqlite::Connection::open(&path).unwrap();
        reader.execute_batch("BEGIN").unwrap();
        let n: i64 = reader
            .query_row("SELECT count(*) FROM projects", [], |r| r.get(0))
            .unwrap();
        assert!(n >= 1);
        other.writer().apply_blocking(project("b")).unwrap();

        let started = std::time::Instant::now();
        drop(closing);
        let closed_in = started.elapsed();
        other.writer().apply_blocking(project("c")).unwrap();
        assert!(
            closed_in < std::time::Duration::from_secs(5),
            "closing waited {closed_in:?} for another connection's read, holding every writer"
        );
        drop(reader);
    }
}
