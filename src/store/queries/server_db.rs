//! The team server's own SQLite connection: hashed bearer tokens, the developer directory
//! (who is in which team, set by an admin), and small reads. Requests, sessions, events and
//! counters are written only by the store's writer; sync pages are read in `sync`.

use crate::store::DeveloperRow;
use crate::store::error::Result;
use crate::store::schema;
use crate::store::sums::{join_halves, sqlite_exact_sum};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A stored bearer token, without the token (only its hash is ever stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    pub id: i64,
    #[serde(skip)]
    pub token_hash: String,
    pub role: String,
    pub developer: String,
    pub team: Option<String>,
    /// May forward other developers' telemetry (a manager's OpenTelemetry Collector).
    pub collector: bool,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A new token's stored fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub token_hash: String,
    pub role: &'static str,
    pub developer: String,
    pub team: Option<String>,
    pub collector: bool,
}

/// The server's own connection (tokens, directory, sync reads).
#[derive(Clone)]
pub struct ServerDb {
    conn: Arc<Mutex<Connection>>,
}

impl ServerDb {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<ServerDb> {
        Ok(ServerDb {
            conn: Arc::new(Mutex::new(schema::open_writer(path, false)?)),
        })
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn create_token(&self, t: &NewToken, now_ms: i64) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO api_tokens (token_hash, role, developer, team, collector, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                t.token_hash,
                t.role,
                t.developer,
                t.team,
                t.collector,
                now_ms
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    pub fn tokens(&self, include_revoked: bool) -> Result<Vec<TokenRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, token_hash, role, developer, team, collector, created_at, revoked_at
             FROM api_tokens WHERE ?1 OR revoked_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([include_revoked], |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                token_hash: r.get(1)?,
                role: r.get(2)?,
                developer: r.get(3)?,
                team: r.get(4)?,
                collector: r.get(5)?,
                created_at: r.get(6)?,
                revoked_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// True when a live token with this id was revoked now.
    pub fn revoke_token(&self, id: i64, now_ms: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now_ms],
        )?;
        Ok(n > 0)
    }

    pub fn known_developers(&self) -> Result<HashSet<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id FROM developers")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn team_of(&self, developer: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT team FROM developers WHERE id = ?1",
                [developer],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets directory entries (team, role, start date): they replace what telemetry or an
    /// earlier import said. Returns how many rows were written.
    pub fn set_members(&self, rows: &[DeveloperRow]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO developers (id, email, handle, display_name, team, role, started_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET email = coalesce(excluded.email, email),
                     display_name = coalesce(excluded.display_name, display_name),
                     team = excluded.team, role = coalesce(excluded.role, role),
                     started_on = coalesce(excluded.started_on, started_on), team_from_server = 0",
            )?;
            for d in rows {
                stmt.execute(params![
                    d.id,
                    d.email,
                    d.handle,
                    d.display_name,
                    d.team,
                    d.role,
                    d.started_on
                ])?;
            }
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// The directory, sorted by id.
    pub fn members(&self) -> Result<Vec<DeveloperRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, email, handle, display_name, team, role, started_on FROM developers ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DeveloperRow {
                id: r.get(0)?,
                email: r.get(1)?,
                handle: r.get(2)?,
                display_name: r.get(3)?,
                team: r.get(4)?,
                role: r.get(5)?,
                started_on: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sum of a counter metric for one developer (exact, whatever is stored).
    pub fn counter_total(&self, metric: &str, developer: &str) -> Result<i128> {
        let sql = format!(
            "SELECT {} FROM telemetry_counters WHERE metric = ?1 AND developer = ?2",
            sqlite_exact_sum("value")
        );
        let (high, low) = self
            .conn()
            .query_row(&sql, params![metric, developer], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok(join_halves(high, low))
    }
}
