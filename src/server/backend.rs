//! Where the server keeps its rows: the SQLite store (default; the single writer thread plus
//! the server's own connection) or PostgreSQL (`pg/`). Handlers see only this enum.

use super::pg::{PgError, PgStore};
use crate::alerting::{DeliveryReport, Engine, Evaluation, RetryPolicy, Webhook};
use crate::domain::Money;
use crate::protocol::{SyncPage, SyncQuery};
use crate::store::ops::{Op, OpError, op_rejection};
use crate::store::queries::alerts_admin::StoredAlert;
use crate::store::queries::server_db::{NewToken, ServerDb, TokenRow};
use crate::store::queries::sync::{OrgTotalsRule, RowFilter};
use crate::store::{DeveloperRow, Store, StoreError, TeamRow, WriteBatch};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// `--database`: a SQLite path (`sqlite:PATH`, `sqlite://PATH`, a plain path) or a
/// `postgres://` / `postgresql://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    pub fn parse(url: &str) -> Database {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Database::Postgres(url.to_string());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Database::Sqlite(PathBuf::from(path))
    }

    /// For messages: the path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let user_end = url[scheme + 3..at].find(':').map_or(at, |c| scheme + 3 + c);
                    format!("{}{}", &url[..user_end], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pg(#[from] PgError),
    #[error("a background database task failed")]
    Task,
}

impl BackendError {
    /// The refusal of an alert op (unknown or resolved alert), if that is why it failed.
    pub fn rejection(&self) -> Option<&OpError> {
        match self {
            BackendError::Store(e) => op_rejection(e),
            BackendError::Pg(PgError::Refused(e)) => Some(e),
            _ => None,
        }
    }
}

/// What [`Backend::enqueue`] did with a batch.
pub enum Queued {
    /// In the SQLite writer's queue; await the ticket.
    Writer(crate::store::Ticket),
    /// Not queued (PostgreSQL).
    NotQueued(Box<WriteBatch>),
}

#[derive(Clone)]
pub enum Backend {
    Sqlite { store: Store, db: ServerDb },
    Postgres(Arc<PgStore>),
}

impl Backend {
    pub async fn open(database: &Database) -> Result<Backend, BackendError> {
        match database {
            Database::Sqlite(path) => Ok(Backend::Sqlite {
                store: Store::open(path)?,
                db: ServerDb::open(path)?,
            }),
            Database::Postgres(url) => {
                Ok(Backend::Postgres(Arc::new(PgStore::connect(url).await?)))
            }
        }
    }

    /// Runs `work` on the SQLite server connection off the async threads.
    async fn blocking<T: Send + 'static>(
        db: &ServerDb,
        work: impl FnOnce(&ServerDb) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let db = db.clone();
        Ok(tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|_| BackendError::Task)??)
    }

    /// Stores a batch in one transaction through the write pipeline (SQLite: on the
    /// writer thread; PostgreSQL: on one of the pool's connections).
    pub async fn commit(&self, batch: WriteBatch) -> Result<(), BackendError> {
        if batch.is_empty() {
            return Ok(());
        }
        match self {
            Backend::Sqlite { store, .. } => {
                store.writer().apply(batch).await?;
                Ok(())
            }
            Backend::Postgres(pg) => Ok(pg.apply(&batch).await?),
        }
    }

    /// SQLite: one writer thread applies batches in the order they were queued, so the
    /// ingest dispatcher needs no per-developer exclusion there, only queueing in order
    /// ([`Backend::enqueue`]). PostgreSQL commits on several connections at once.
    pub fn single_writer(&self) -> bool {
        matches!(self, Backend::Sqlite { .. })
    }

    /// SQLite: queues the batch for the writer thread now (batches queued one after another
    /// commit in that order) and returns the commit to await. PostgreSQL: the batch comes
    /// back untouched, for [`Backend::commit`].
    pub async fn enqueue(&self, batch: WriteBatch) -> Result<Queued, BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                Ok(Queued::Writer(store.writer().enqueue(batch).await?))
            }
            Backend::Postgres(_) => Ok(Queued::NotQueued(Box::new(batch))),
        }
    }

    /// Applies alert-state and outcome-event ops in one transaction (a refused op rolls
    /// the whole batch back; see [`BackendError::rejection`]).
    pub async fn apply_ops(&self, ops: Vec<Op>) -> Result<(), BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                store
                    .writer()
                    .apply(WriteBatch {
                        ops,
                        ..WriteBatch::default()
                    })
                    .await?;
                Ok(())
            }
            Backend::Postgres(pg) => Ok(pg.apply_ops(&ops).await?),
        }
    }

    /// The server's alerts changed at or after `since`, oldest change first.
    pub async fn alerts_changed_since(
        &self,
        since: i64,
        limit: usize,
    ) -> Result<Vec<(StoredAlert, i64)>, BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                let store = store.clone();
                Ok(tokio::task::spawn_blocking(move || {
                    store.reader()?.alerts_changed_since(since, limit)
                })
                .await
                .map_err(|_| BackendError::Task)??)
            }
            Backend::Postgres(pg) => Ok(pg.alerts_changed_since(since, limit).await?),
        }
    }

    /// One of the server's alerts by id.
    pub async fn alert(&self, id: i64) -> Result<Option<StoredAlert>, BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                let store = store.clone();
                Ok(
                    tokio::task::spawn_blocking(move || store.reader()?.alert(id))
                        .await
                        .map_err(|_| BackendError::Task)??,
                )
            }
            Backend::Postgres(pg) => Ok(pg.alert(id).await?),
        }
    }

    /// One evaluation of the alert rules over the team's data (with `record`, its
    /// transitions are stored).
    pub async fn evaluate_alerts(
        &self,
        engine: &Engine,
        now_ms: i64,
        record: bool,
    ) -> Result<Evaluation, BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                let (engine, store) = (engine.clone(), store.clone());
                Ok(tokio::task::spawn_blocking(move || {
                    engine.evaluate_once(&store, now_ms, record)
                })
                .await
                .map_err(|_| BackendError::Task)??)
            }
            Backend::Postgres(pg) => Ok(pg.evaluate_alerts(engine, now_ms, record).await?),
        }
    }

    /// Sends the pending webhook notifications (retries, then a dead-letter record);
    /// on PostgreSQL each is claimed so that no two `serve` instances send it.
    pub async fn deliver_pending(
        &self,
        hooks: &[Webhook],
        client: &reqwest::Client,
        policy: RetryPolicy,
    ) -> Result<DeliveryReport, BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                Ok(crate::alerting::webhook::deliver_pending(store, hooks, client, policy).await?)
            }
            Backend::Postgres(pg) => Ok(pg.deliver_pending(hooks, client, policy).await?),
        }
    }

    /// Records the config's monthly budgets (team name or project id, budget), which the
    /// budget alert rules judge against. On PostgreSQL they replace every stored budget; the
    /// SQLite store keeps them as a console's config does (teams and project budgets).
    pub async fn set_budgets(
        &self,
        teams: Vec<(String, Money)>,
        projects: Vec<(String, Money)>,
    ) -> Result<(), BackendError> {
        match self {
            Backend::Sqlite { store, .. } => {
                let batch = WriteBatch {
                    teams: teams
                        .into_iter()
                        .map(|(name, budget)| TeamRow {
                            name,
                            budget_micro_usd_month: Some(budget.micro_usd()),
                        })
                        .collect(),
                    ops: vec![Op::SetProjectBudgets(
                        projects
                            .into_iter()
                            .map(|(id, budget)| (id, budget.micro_usd()))
                            .collect(),
                    )],
                    ..WriteBatch::default()
                };
                store.writer().apply(batch).await?;
                Ok(())
            }
            Backend::Postgres(pg) => Ok(pg.set_budgets(&teams, &projects).await?),
        }
    }

    pub async fn tokens(&self, include_revoked: bool) -> Result<Vec<TokenRow>, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => {
                Self::blocking(db, move |db| db.tokens(include_revoked)).await
            }
            Backend::Postgres(pg) => Ok(pg.tokens(include_revoked).await?),
        }
    }

    pub async fn create_token(&self, token: NewToken, now: i64) -> Result<i64, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => {
                Self::blocking(db, move |db| db.create_token(&token, now)).await
            }
            Backend::Postgres(pg) => Ok(pg.create_token(&token, now).await?),
        }
    }

    pub async fn revoke_token(&self, id: i64, now: i64) -> Result<bool, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => {
                Self::blocking(db, move |db| db.revoke_token(id, now)).await
            }
            Backend::Postgres(pg) => Ok(pg.revoke_token(id, now).await?),
        }
    }

    pub async fn known_developers(&self) -> Result<HashSet<String>, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => Self::blocking(db, |db| db.known_developers()).await,
            Backend::Postgres(pg) => Ok(pg.known_developers().await?),
        }
    }

    /// The directory's developers of a team.
    pub async fn team_members(&self, team: &str) -> Result<HashSet<String>, BackendError> {
        let members = self.members().await?;
        Ok(members
            .into_iter()
            .filter(|d| d.team == team)
            .map(|d| d.id)
            .collect())
    }

    /// A developer's team in the directory (set by the server, never by a record).
    pub async fn team_of(&self, developer: &str) -> Result<Option<String>, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => {
                let developer = developer.to_string();
                Self::blocking(db, move |db| db.team_of(&developer)).await
            }
            Backend::Postgres(_) => Ok(self
                .members()
                .await?
                .into_iter()
                .find(|d| d.id == developer)
                .map(|d| d.team)),
        }
    }

    /// Sets directory entries (`serve members import|set`).
    pub async fn set_members(&self, rows: Vec<DeveloperRow>) -> Result<usize, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => Self::blocking(db, move |db| db.set_members(&rows)).await,
            Backend::Postgres(pg) => Ok(pg.set_members(&rows).await?),
        }
    }

    /// The directory, sorted by developer id.
    pub async fn members(&self) -> Result<Vec<DeveloperRow>, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => Self::blocking(db, |db| db.members()).await,
            Backend::Postgres(pg) => Ok(pg.members().await?),
        }
    }

    pub async fn sync_page(
        &self,
        filter: RowFilter,
        query: SyncQuery,
        limit: usize,
        org: OrgTotalsRule,
    ) -> Result<SyncPage, BackendError> {
        match self {
            Backend::Sqlite { db, .. } => {
                Self::blocking(db, move |db| db.sync_page(&filter, &query, limit, org)).await
            }
            Backend::Postgres(pg) => Ok(pg.sync_page(&filter, &query, limit, org).await?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            Database::parse("sqlite:/a/b.db"),
            Database::Sqlite("/a/b.db".into())
        );
        assert_eq!(
            Database::parse("sqlite:///a/b.db"),
            Database::Sqlite("/a/b.db".into())
        );
        assert_eq!(
            Database::parse("team.db"),
            Database::Sqlite("team.db".into())
        );
        let pg = Database::parse("postgres://agent:s3cret@db:5432/agentdeck");
        assert_eq!(
            pg,
            Database::Postgres("postgres://agent:s3cret@db:5432/agentdeck".into())
        );
        assert_eq!(pg.describe(), "postgres://agent@db:5432/agentdeck");
    }
}
