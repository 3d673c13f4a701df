//! The PostgreSQL backend (`serve --database postgres://…`): several `serve` instances can
//! share one database and each adds write capacity. Versioned migrations under an advisory
//! lock (migrations/), the write pipeline's statements (apply, bulk), tokens, the directory
//! and sync reads (queries), alert state and the engine's inputs (alerts, alert_inputs, budgets),
//! the webhook queue (deliveries), deploys and incidents (outcome_events).

pub mod alert_inputs;
mod alerts;
mod apply;
mod budgets;
mod bulk;
mod deliveries;
mod outcome_events;
mod queries;
mod vendor_days;

use std::collections::HashMap;
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement, Transaction};

/// (version, SQL). Append only; never edit a released migration.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_owner_scoped_keys.sql")),
    (3, include_str!("migrations/0003_alerts.sql")),
    (4, include_str!("migrations/0004_budgets.sql")),
    (5, include_str!("migrations/0005_daily_usage.sql")),
    (6, include_str!("migrations/0006_write_path.sql")),
    (7, include_str!("migrations/0007_telemetry_request_ids.sql")),
];

/// Serialises migrations across every `serve` sharing the database (batches take only
/// per-identity locks).
const MIGRATION_LOCK_KEY: i64 = 0x4167_446b;

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[source] tokio_postgres::Error),
    #[error(
        "the PostgreSQL database has agentdeck schema version {found}, newer than this agentdeck understands (up to {supported}); upgrade agentdeck"
    )]
    NewerSchema { found: i32, supported: i32 },
    #[error("migration to PostgreSQL schema version {version} failed: {source}")]
    Migration {
        version: i32,
        source: tokio_postgres::Error,
    },
    #[error("PostgreSQL error: {0}")]
    Sql(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Row(#[from] crate::store::row::RowError),
    #[error("PostgreSQL: {0}")]
    Missing(&'static str),
    /// An alert op refused (unknown or resolved alert): the batch is rolled back.
    #[error(transparent)]
    Refused(#[from] crate::store::ops::OpError),
    #[error(
        "a team server on PostgreSQL keeps alert state, webhook notifications, deploys/incidents and vendor daily usage, not this kind of write"
    )]
    NotKept,
}

/// Write connections per server: batches of different developers commit in parallel.
pub const WRITE_CONNECTIONS: usize = 4;

/// A write connection with its prepared statements (the write path runs the same few
/// statements over and over: prepared once, PostgreSQL parses and plans them once).
pub(super) struct WriteConn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Ids of sessions this connection has seen committed, by [`session_cache_key`].
    /// Sessions are never deleted and their ids never change, so a known session needs no
    /// statement to find it (its span and totals are merged by the batch's UPDATE).
    sessions: HashMap<SessionCacheKey, i64>,
}

/// Sessions a write connection remembers at most (about 100 bytes each); past it the
/// memory starts over.
const SESSION_CACHE_ENTRIES: usize = 100_000;

/// A session's owner-scoped identity: (owner, agent, session id).
pub(super) type SessionCacheKey = (String, crate::domain::Agent, String);

pub(super) fn session_cache_key(s: &crate::domain::SessionRecord) -> SessionCacheKey {
    (s.developer.clone(), s.agent, s.session_key.clone())
}

impl WriteConn {
    /// Remembers sessions of a committed transaction.
    pub(super) fn learn_sessions(&mut self, learned: Vec<(SessionCacheKey, i64)>) {
        if self.sessions.len() + learned.len() > SESSION_CACHE_ENTRIES {
            self.sessions.clear();
        }
        self.sessions.extend(learned);
    }
}

/// A transaction on a write connection, preparing each statement once.
pub(super) struct Tx<'t, 'c> {
    tx: &'t Transaction<'c>,
    statements: &'t mut HashMap<String, Statement>,
}

/// Statements sent in one round trip at most (below `try_join_all`'s in-order limit).
const PIPELINE_DEPTH: usize = 16;

/// One statement with its parameters (owned, or borrowed from the batch), for
/// [`Tx::pipeline`].
pub(super) struct Stmt<'a> {
    pub sql: String,
    pub params: Vec<Box<dyn ToSql + Sync + Send + 'a>>,
}

impl<'a> Stmt<'a> {
    pub fn new(sql: impl Into<String>) -> Stmt<'a> {
        Stmt {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// Adds the next parameter (`$1`, `$2`, … in order).
    pub fn bind(mut self, param: impl ToSql + Sync + Send + 'a) -> Stmt<'a> {
        self.params.push(Box::new(param));
        self
    }
}

impl Tx<'_, '_> {
    /// Sends the statements at once and then waits for their answers: one round trip for
    /// all of them instead of one each (tokio-postgres sends a request when its future is
    /// first polled, and `try_join_all` polls a list of up to 30 in order, so PostgreSQL runs
    /// them in the given order; longer lists go out in several round trips). The first
    /// error aborts the transaction.
    pub(super) async fn pipeline(&mut self, stmts: &[Stmt<'_>]) -> Result<Vec<Vec<Row>>, PgError> {
        let mut answers = Vec::with_capacity(stmts.len());
        for group in stmts.chunks(PIPELINE_DEPTH) {
            answers.extend(self.pipeline_group(group).await?);
        }
        Ok(answers)
    }

    async fn pipeline_group(&mut self, stmts: &[Stmt<'_>]) -> Result<Vec<Vec<Row>>, PgError> {
        let mut prepared = Vec::with_capacity(stmts.len());
        for s in stmts {
            prepared.push(self.statement(&s.sql).await?);
        }
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = stmts
            .iter()
            .map(|s| {
                s.params
                    .iter()
                    .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                    .collect()
            })
            .collect();
        let tx = self.tx;
        let queries = prepared
            .iter()
            .zip(&params)
            .map(|(statement, params)| tx.query(statement, params));
        Ok(futures_util::future::try_join_all(queries).await?)
    }

    async fn statement(&mut self, sql: &str) -> Result<Statement, PgError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).await?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    pub(super) async fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, PgError> {
        let statement = self.statement(sql).await?;
        Ok(self.tx.query(&statement, params).await?)
    }

    pub(super) async fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, PgError> {
        let statement = self.statement(sql).await?;
        Ok(self.tx.execute(&statement, params).await?)
    }
}

/// Connections to the team database: a few for writes (one transaction per batch each), one
/// for reads. A connection found closed (database restart, network cut) is opened again.
pub struct PgStore {
    url: String,
    write: Vec<Mutex<WriteConn>>,
    next_write: std::sync::atomic::AtomicUsize,
    read: Mutex<Client>,
}

async fn connect_one(url: &str) -> Result<Client, PgError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(PgError::Connect)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!("PostgreSQL connection closed: {e}");
        }
    });
    Ok(client)
}

impl PgStore {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore, PgError> {
        let mut first = connect_one(url).await?;
        migrate(&mut first).await?;
        let conn = |client| {
            Mutex::new(WriteConn {
                client,
                statements: HashMap::new(),
                sessions: HashMap::new(),
            })
        };
        let mut write = vec![conn(first)];
        for _ in 1..WRITE_CONNECTIONS {
            write.push(conn(connect_one(url).await?));
        }
        let read = connect_one(url).await?;
        Ok(PgStore {
            url: url.to_string(),
            write,
            next_write: std::sync::atomic::AtomicUsize::new(0),
            read: Mutex::new(read),
        })
    }

    async fn live<'a>(&self, slot: &'a Mutex<Client>) -> Result<MutexGuard<'a, Client>, PgError> {
        let mut client = slot.lock().await;
        if client.is_closed() {
            *client = connect_one(&self.url).await?;
            tracing::warn!("reconnected to PostgreSQL");
        }
        Ok(client)
    }

    pub(super) async fn reader(&self) -> Result<MutexGuard<'_, Client>, PgError> {
        self.live(&self.read).await
    }

    /// A free write connection, else the next one in turn.
    pub(super) async fn writer(&self) -> Result<MutexGuard<'_, WriteConn>, PgError> {
        let mut conn = match self.write.iter().find_map(|slot| slot.try_lock().ok()) {
            Some(free) => free,
            None => {
                let turn = self
                    .next_write
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.write[turn % self.write.len()].lock().await
            }
        };
        if conn.client.is_closed() {
            conn.client = connect_one(&self.url).await?;
            conn.statements.clear();
            conn.sessions.clear();
            tracing::warn!("reconnected to PostgreSQL");
        }
        Ok(conn)
    }
}

async fn migrate(client: &mut Client) -> Result<(), PgError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS agentdeck_schema (version INT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .await?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM agentdeck_schema",
            &[],
        )
        .await?
        .get(0);
    let supported = MIGRATIONS[MIGRATIONS.len() - 1].0;
    if current > supported {
        return Err(PgError::NewerSchema {
            found: current,
            supported,
        });
    }
    let now = chrono::Utc::now().timestamp_millis();
    for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)
            .await
            .map_err(|source| PgError::Migration { version, source })?;
        tx.execute(
            "INSERT INTO agentdeck_schema (version, applied_at) VALUES ($1, $2)",
            &[&version, &now],
        )
        .await?;
        tracing::info!(version, "applied PostgreSQL migration");
    }
    tx.commit().await?;
    Ok(())
}
