//! Opening connections and versioned migrations. A corrupt file, a foreign SQLite file and a
//! newer schema are clear errors; nothing is ever reset silently.

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
    (5, include_str!("migrations/0005_owner_scoped_keys.sql")),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating if needed) the writer connection and brings the schema up to date.
pub fn open_writer(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        })?;
    }
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    configure(&conn, path)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| corrupt(path, e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // The writer gets a larger page cache and checkpoints less often: pages rewritten by
    // consecutive commits are then copied into the database once.
    conn.pragma_update(None, "cache_size", -64_000)?;
    conn.pragma_update(None, "wal_autocheckpoint", 8_000)?;
    migrate(&conn, path)?;
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
        // The bundled SQLite (3.51.1) can deadlock when two connections to one WAL file
        // close at once: the close that checkpoints and deletes the WAL takes the file's
        // inode mutex and then the VFS mutex, a concurrent close or open the other way
        // round (fixed in SQLite 3.51.2; seen here as a hung test). Without the close-time
        // checkpoint that path is never taken; the writer's automatic checkpoints keep the
        // WAL bounded, and the next open reads it as usual.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        conn.pragma_update(None, "cache_size", -16_000) // 16 MB page cache per connection
    };
    setup().map_err(|e| classify(path, e))
}

/// A corrupt or non-database file becomes [`StoreError::Corrupt`]; anything else stays SQL.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(NotADatabase | DatabaseCorrupt) => corrupt(path, e),
        _ => StoreError::Sql(e),
    }
}

fn user_version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| corrupt(path, e))
}

fn corrupt(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let version = user_version(conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if version == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
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
    for &(target, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > version) {
        let apply = || -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let result = conn
                .execute_batch(sql)
                .and_then(|_| conn.pragma_update(None, "application_id", APPLICATION_ID))
                .and_then(|_| conn.pragma_update(None, "user_version", target));
            match result {
                Ok(()) => conn.execute_batch("COMMIT"),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        };
        apply().map_err(|source| StoreError::Migration {
            version: target,
            source,
        })?;
        tracing::info!(version = target, "applied store migration");
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
        drop(open_writer(&path).unwrap());
        let conn = open_writer(&path).unwrap();
        assert_eq!(user_version(&conn, &path).unwrap(), SCHEMA_VERSION);
        open_reader(&path).unwrap();
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let conn = open_writer(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = open_writer(&path).unwrap_err();
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
        let err = open_writer(&path).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("corrupt"));
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
            open_writer(&path).unwrap_err(),
            StoreError::Foreign { .. }
        ));
    }
}
