//! Opening connections and versioned migrations. A corrupt file, a foreign SQLite file and a
//! newer schema are clear errors; nothing is ever reset silently. Several processes may
//! open a new store at once: the schema is migrated inside one exclusive transaction that
//! re-reads the version, and a busy database is waited for, never called corrupt.

use super::error::{Result, StoreError};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Marks our files (`PRAGMA application_id`), ASCII "AgDk".
const APPLICATION_ID: i64 = 0x4167_446b;

/// (version, SQL). Append only; never edit a released migration.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_server.sql")),
    (3, include_str!("migrations/0003_rollup_tiers.sql")),
    (4, include_str!("migrations/0004_developer_team_source.sql")),
    (5, include_str!("migrations/0005_cursor_fingerprint.sql")),
    (6, include_str!("migrations/0006_outcomes.sql")),
    (7, include_str!("migrations/0007_pricing_state.sql")),
    (8, include_str!("migrations/0008_source_runs.sql")),
    (9, include_str!("migrations/0009_vendor_usage.sql")),
    (10, include_str!("migrations/0010_http_etags.sql")),
    (11, include_str!("migrations/0011_project_budgets.sql")),
    (12, include_str!("migrations/0012_console_tiers.sql")),
    (13, include_str!("migrations/0013_owner_scoped_keys.sql")),
    (
        14,
        include_str!("migrations/0014_requests_by_developer.sql"),
    ),
    (
        15,
        include_str!("migrations/0015_requests_without_session_index.sql"),
    ),
    (
        16,
        include_str!("migrations/0016_request_ids_without_owner.sql"),
    ),
    (17, include_str!("migrations/0017_identity_hashes.sql")),
    (18, include_str!("migrations/0018_config_teams.sql")),
    (19, include_str!("migrations/0019_file_owners.sql")),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The schema the migrations above build, as one script: a new store is created from it in
/// one step (replaying every migration took 20–30 ms of SQL parsing before a first ingest
/// could start; docs/perf.md#a-new-store-in-one-step). Generated from the migrations and
/// held equal to them by `a_new_store_has_exactly_the_schema_the_migrations_build`; never
/// edited by hand.
const CURRENT_SCHEMA: &str = include_str!("migrations/current.sql");

/// The writer connection's page cache, in KiB (negative: SQLite's unit for a size).
const WRITER_CACHE_KIB: i64 = -8_000;
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// What the WAL may keep on disk between passes once its frames are checkpointed.
const JOURNAL_SIZE_LIMIT_BYTES: i64 = 4 * 1024 * 1024;
/// How long opening keeps retrying a database another process holds locked (switching to
/// WAL and migrating need it alone for a moment; SQLite's busy handler does not cover every
/// such case).
const OPEN_RETRY_FOR: Duration = Duration::from_secs(30);

/// Opens (creating if needed) the writer connection and brings the schema up to date. The
/// folder must exist (the caller creates the default data folder, never a typo'd one).
/// `first_load`: the file is new and this process loads it alone (`first_load.rs`).
pub fn open_writer(path: &Path, first_load: bool) -> Result<Connection> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match try_open_writer(path, first_load) {
            Err(e) if e.is_busy() && started.elapsed() < OPEN_RETRY_FOR => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(250));
            }
            other => return other,
        }
    }
}

fn try_open_writer(path: &Path, first_load: bool) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    configure(&conn, path)?;
    let journal = || -> rusqlite::Result<()> {
        if first_load {
            super::first_load::configure(&conn)
        } else {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")
        }
    };
    journal().map_err(|e| classify(path, e))?;
    let setup = || -> rusqlite::Result<()> {
        // After a checkpoint has been copied back, the WAL file is cut to this size instead
        // of keeping the high-water mark of the largest pass on disk (docs/perf.md).
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)?;
        // The writer's page cache is half the readers': with requests found by 8-byte
        // hashes (migration 17) a cold ingest of 1 GB or a team server's load run as fast
        // with 8 MB as with 16, and the ingest peaks at 52–57 MB RSS instead of 62–69 (64 MB
        // had made nothing faster either; docs/perf.md#memory). (Its checkpoints:
        // `checkpointer.rs`.)
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)
    };
    setup().map_err(|e| classify(path, e))?;
    migrate(&conn, path)?;
    Ok(conn)
}

/// The schema version of a store an older agentdeck wrote, which opening it will migrate;
/// None for a new, current, foreign or unreadable file (opening says what is wrong). Read
/// without a lock or a write, so a command can say that an upgrade is coming before it
/// waits for one (rewriting 10 M requests took 72 s in migration 17).
pub fn pending_upgrade(path: &Path) -> Option<i64> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    let version = user_version(&conn, path).ok()?;
    (version > 0 && version < SCHEMA_VERSION).then_some(version)
}

/// Opens an existing store read-only without writing anything next to it: first as usual
/// (`mode=ro`); then, when the folder is read-only and SQLite cannot create its shared
/// memory file, without the shared memory: a `-wal` file left next to the database (a copy
/// taken while agentdeck ran, or after it was killed) is read into private memory, so its
/// rows are seen; without one, the file is opened immutable.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let first = match open_reader(path) {
        Ok(conn) => return Ok(conn),
        Err(first) if path.exists() => first,
        Err(e) => return Err(e),
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let wal = wal_path(path);
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let wal_readable = has_wal && std::fs::File::open(&wal).is_ok();
    if has_wal && !wal_readable {
        tracing::warn!(
            wal = %wal.display(),
            "the store's -wal file cannot be read; opening the database without it, so its latest changes are not shown"
        );
    }
    // `unix-none` takes no file locks (a read-only medium has no other writer) and exclusive
    // locking mode keeps the WAL index in heap memory instead of the `-shm` file.
    let (uri, pragma, how) = if wal_readable {
        (
            format!("file:{}?mode=ro&vfs=unix-none", uri_path(path)),
            Some(("locking_mode", "EXCLUSIVE")),
            "with its -wal file (read-only media)",
        )
    } else {
        (
            format!("file:{}?immutable=1", uri_path(path)),
            None,
            "immutable (read-only media)",
        )
    };
    let Ok(conn) = Connection::open_with_flags(&uri, flags) else {
        return Err(first);
    };
    if let Some((name, value)) = pragma {
        conn.pragma_update(None, name, value)
            .map_err(|e| classify(path, e))?;
    }
    configure(&conn, path)?;
    let version = user_version(&conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    tracing::info!(path = %path.display(), "opened the store {how}");
    Ok(conn)
}

/// The write-ahead log SQLite keeps next to `path`.
pub(super) fn wal_path(path: &Path) -> std::path::PathBuf {
    beside(path, "-wal")
}

/// A file next to the database: its name with `suffix` appended (`-wal`, `-open`, …).
pub(super) fn beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// A path as the path part of a `file:` URI.
fn uri_path(path: &Path) -> String {
    path.to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

/// A read-write connection for the WAL checkpoint thread, to a store the writer has opened
/// (and migrated) already.
pub fn open_checkpointer(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    configure(&conn, path)?;
    Ok(conn)
}

/// Opens a read-only connection to an existing, current store.
pub fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    configure(&conn, path)?;
    let version = user_version(&conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(conn)
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Touch the header: a file that is not a database fails here, not mid-ingest.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Plans never depend on bound values: otherwise SQLite marks every `col = ?` lookup
        // for re-preparation, and the statement cache's clear-bindings on return then
        // re-parses the statement at every use (docs/perf.md#prepared-statements).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.pragma_update(None, "cache_size", -16_000) // 16 MB page cache per connection
    };
    setup().map_err(|e| classify(path, e))
}

/// A corrupt or non-database file becomes [`StoreError::Corrupt`], a busy one
/// [`StoreError::Busy`]; anything else stays SQL.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::at(path, e)
}

fn user_version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| classify(path, e))
}

/// Brings the schema up to date inside one `BEGIN IMMEDIATE` transaction that reads the
/// version again once it holds the write lock: a second process opening a new store at the
/// same moment waits, then finds the work done.
fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    // Cheap check first: an up-to-date store takes no write lock to open.
    if user_version(conn, path)? == SCHEMA_VERSION {
        return check_identity(conn, path, SCHEMA_VERSION);
    }
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| classify(path, e))?;
    let result = migrate_locked(conn, path);
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(|e| classify(path, e)),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

fn migrate_locked(conn: &Connection, path: &Path) -> Result<()> {
    let version = user_version(conn, path)?;
    // A version-0 file has no table (`check_identity`): a new store, created in one step.
    check_identity(conn, path, version)?;
    // Migration 17 fills the stored requests' identity hashes in SQL.
    super::identity::register(conn).map_err(|e| classify(path, e))?;
    let steps: &[(i64, &str)] = if version == 0 {
        &[(SCHEMA_VERSION, CURRENT_SCHEMA)]
    } else {
        MIGRATIONS
    };
    for &(target, sql) in steps.iter().filter(|(v, _)| *v > version) {
        conn.execute_batch(sql)
            .and_then(|_| conn.pragma_update(None, "application_id", APPLICATION_ID))
            .and_then(|_| conn.pragma_update(None, "user_version", target))
            .map_err(|source| match StoreError::at(path, source) {
                StoreError::Sql(source) => StoreError::Migration {
                    version: target,
                    source,
                },
                other => other,
            })?;
        tracing::info!(version = target, "applied store migration");
    }
    // A new store's key (`current.sql` holds the schema only).
    conn.execute_batch(super::identity::ENSURE_SECRET_SQL)
        .map_err(|e| classify(path, e))
}

/// A newer schema, or a database that is not ours, is refused.
fn check_identity(conn: &Connection, path: &Path, version: i64) -> Result<()> {
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| classify(path, e))?;
    if version == 0 {
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| classify(path, e))?;
        if tables > 0 {
            return Err(StoreError::Foreign {
                path: path.to_path_buf(),
            });
        }
    } else if app_id != APPLICATION_ID {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_empty_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(open_writer(&path, false).unwrap());
        let conn = open_writer(&path, false).unwrap();
        assert_eq!(user_version(&conn, &path).unwrap(), SCHEMA_VERSION);
        open_reader(&path).unwrap();
    }

    /// (type, name, table, SQL) of every schema object.
    fn schema_of(conn: &Connection) -> Vec<[Option<String>; 4]> {
        let sql = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]));
        rows.unwrap().map(Result::unwrap).collect()
    }

    /// Every row of every table, by table.
    fn rows_of(conn: &Connection) -> Vec<(String, Vec<String>)> {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let dump = |table: &str| -> Vec<String> {
            // Each store draws its own hash key: that it has one is what must agree.
            let columns = if table == "store_secrets" {
                "name"
            } else {
                "*"
            };
            let sql = format!("SELECT {columns} FROM \"{table}\"");
            let mut stmt = conn.prepare(&sql).unwrap();
            let width = stmt.column_count();
            let rows = stmt.query_map([], |r| {
                (0..width)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|row| row.join("|"))
            });
            let mut rows: Vec<String> = rows.unwrap().map(Result::unwrap).collect();
            rows.sort();
            rows
        };
        tables.iter().map(|t| (t.clone(), dump(t))).collect()
    }

    /// `migrations/current.sql` from a store the migrations built: tables, then indexes.
    fn write_current_schema(conn: &Connection) {
        let mut out = String::from(
            "-- The store's schema at the newest migration, generated from the migrations by\n\
             -- `AGENTDECK_WRITE_SCHEMA=1 cargo test --lib a_new_store_has_exactly` (src/store/schema.rs).\n\
             -- A new store is created from this file; never edit it by hand.\n\n",
        );
        let sql = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL
                   ORDER BY type = 'index', rowid";
        let mut stmt = conn.prepare(sql).unwrap();
        for statement in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
            out.push_str(&statement.unwrap());
            out.push_str(";\n\n");
        }
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/store/migrations/current.sql"
        );
        std::fs::write(path, out.trim_end().to_owned() + "\n").unwrap();
    }

    /// A new store is created from `current.sql` in one step; older files take the
    /// migrations. Both must give the same store, object by object and row by row.
    #[test]
    fn a_new_store_has_exactly_the_schema_the_migrations_build() {
        let dir = tempfile::tempdir().unwrap();
        let replayed = Connection::open(dir.path().join("replayed.db")).unwrap();
        crate::store::identity::register(&replayed).unwrap();
        replayed.execute_batch("BEGIN").unwrap();
        for (_, sql) in MIGRATIONS {
            replayed.execute_batch(sql).unwrap();
        }
        replayed.execute_batch("COMMIT").unwrap();
        if std::env::var_os("AGENTDECK_WRITE_SCHEMA").is_some() {
            write_current_schema(&replayed);
            return;
        }
        let path = dir.path().join("new.db");
        let created = open_writer(&path, false).unwrap();
        assert_eq!(user_version(&created, &path).unwrap(), SCHEMA_VERSION);
        assert_eq!(
            schema_of(&created),
            schema_of(&replayed),
            "src/store/migrations/current.sql is not what the migrations build; regenerate it: \
             AGENTDECK_WRITE_SCHEMA=1 cargo test --lib a_new_store_has_exactly"
        );
        assert_eq!(rows_of(&created), rows_of(&replayed));
    }

    #[test]
    fn many_processes_opening_a_new_store_at_once_all_succeed() {
        // Threads with their own connections race exactly as processes do.
        for round in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("race{round}.db"));
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        open_writer(&path, false).map(|_| ())
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap().unwrap();
            }
            let conn = open_writer(&path, false).unwrap();
            assert_eq!(user_version(&conn, &path).unwrap(), SCHEMA_VERSION);
        }
    }

    /// The write pipeline looks rows up by key through the statement cache, once per key.
    /// Were plans allowed to depend on bound values, each return to the cache (which clears
    /// the bindings) would expire the statement and the next use would parse it again: that
    /// made a cold ingest 3× slower.
    #[test]
    fn cached_lookups_are_prepared_once_on_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = open_writer(&path, false).unwrap();
        let reader = open_reader(&path).unwrap();
        let sql = "SELECT q.id FROM requests q JOIN sessions s ON s.id = q.session_id
                   WHERE q.developer = ?1 AND q.message_id = ?2";
        for conn in [&writer, &reader] {
            for i in 0..5 {
                let mut stmt = conn.prepare_cached(sql).unwrap();
                let mut rows = stmt
                    .query(rusqlite::params!["dev", format!("m{i}")])
                    .unwrap();
                assert!(rows.next().unwrap().is_none());
            }
            let stmt = conn.prepare_cached(sql).unwrap();
            let reprepared = stmt.get_status(rusqlite::StatementStatus::RePrepare);
            assert_eq!(
                reprepared, 0,
                "a cached lookup was parsed again {reprepared} times"
            );
        }
    }

    #[test]
    fn a_locked_store_is_busy_not_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(open_writer(&path, false).unwrap());
        let holder = Connection::open(&path).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let other = Connection::open(&path).unwrap();
        let e = other
            .execute_batch("BEGIN IMMEDIATE; CREATE TABLE x(y); COMMIT")
            .unwrap_err();
        let err = StoreError::at(&path, e);
        assert!(matches!(err, StoreError::Busy { .. }), "{err}");
        assert!(!err.to_string().contains("corrupt"), "{err}");
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let conn = open_writer(&path, false).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = open_writer(&path, false).unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1)
        );
        assert!(err.to_string().contains("newer than this agentdeck"));
    }

    #[test]
    fn refuses_a_corrupt_file_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        let err = open_writer(&path, false).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("corrupt"), "{err}");
        assert!(err.to_string().contains("agentdeck doctor"), "{err}");
    }

    #[test]
    fn refuses_a_foreign_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(matches!(
            open_writer(&path, false).unwrap_err(),
            StoreError::Foreign { .. }
        ));
    }
}
