//! A team on a real server over loopback, on SQLite or on the real PostgreSQL of
//! AGENTDECK_TEST_POSTGRES_URL: a directory (ana and the lead in team `a`, bob in team `b`),
//! tokens for every role (and a revoked one), and helpers that speak HTTP as each of them.

use agentdeck::pricing::PriceTable;
use agentdeck::protocol::{SyncPage, SyncQuery};
use agentdeck::server::auth::{generate_token, hash_token};
use agentdeck::server::backend::{Backend, Database};
use agentdeck::server::members::member;
use agentdeck::server::state::Limits;
use agentdeck::server::{RunningServer, ServerConfig, start};
use agentdeck::store::queries::server_db::NewToken;
use agentdeck::store::queries::sync::OrgTotalsRule;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use prost::Message;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const ANA: &str = "ana@x.io";
pub const BOB: &str = "bob@x.io";
pub const LEAD: &str = "lead@x.io";
pub const CAROL: &str = "carol@x.io";

static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// A fresh database on the test PostgreSQL, or `None` when none was provided.
pub async fn fresh_postgres() -> Option<String> {
    let Ok(admin_url) = std::env::var("AGENTDECK_TEST_POSTGRES_URL") else {
        eprintln!("AGENTDECK_TEST_POSTGRES_URL is not set: PostgreSQL part skipped");
        return None;
    };
    let name = format!(
        "agentdeck_team{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let (client, conn) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    Some(format!("{base}/{name}"))
}

/// SQLite in a temp dir, then PostgreSQL when it is available.
pub async fn each_backend() -> Vec<(Database, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(Database::Sqlite(dir.path().join("team.db")), Some(dir))];
    if let Some(url) = fresh_postgres().await {
        out.push((Database::Postgres(url), None));
    }
    out
}

pub struct Team {
    pub server: RunningServer,
    pub database: Database,
    pub tokens: HashMap<&'static str, String>,
    limits: Limits,
    org: OrgTotalsRule,
    _dir: Option<tempfile::TempDir>,
}

/// Which backend a team runs on, for messages.
pub fn label(database: &Database) -> &'static str {
    match database {
        Database::Sqlite(_) => "SQLite",
        Database::Postgres(_) => "PostgreSQL",
    }
}

impl Team {
    pub async fn start(
        (database, dir): (Database, Option<tempfile::TempDir>),
        limits: Limits,
        org: OrgTotalsRule,
    ) -> Team {
        let backend = Backend::open(&database).await.unwrap();
        backend
            .set_members(vec![
                member(ANA, "a", None, None),
                member(LEAD, "a", Some("lead".into()), None),
                member(CAROL, "a", None, None),
                member(BOB, "b", None, None),
            ])
            .await
            .unwrap();
        let mut tokens = HashMap::new();
        for (name, role, developer, team, collector) in [
            ("ana", "member", ANA, Some("a"), false),
            ("bob", "member", BOB, Some("b"), false),
            ("lead", "manager", LEAD, Some("a"), false),
            ("collector", "manager", LEAD, Some("a"), true),
            ("admin", "admin", "root@x.io", None, false),
            ("revoked", "member", ANA, Some("a"), false),
        ] {
            let token = generate_token().unwrap();
            let id = backend
                .create_token(
                    NewToken {
                        token_hash: hash_token(&token),
                        role,
                        developer: developer.into(),
                        team: team.map(str::to_string),
                        collector,
                    },
                    0,
                )
                .await
                .unwrap();
            if name == "revoked" {
                backend.revoke_token(id, 1).await.unwrap();
            }
            tokens.insert(name, token);
        }
        drop(backend);
        let server = serve(&database, limits, org).await;
        Team {
            server,
            database,
            tokens,
            limits,
            org,
            _dir: dir,
        }
    }

    pub fn label(&self) -> &'static str {
        label(&self.database)
    }

    /// Stops the server (draining its queue) and starts another on the same database.
    pub async fn restart(mut self) -> Team {
        self.server.shutdown().await.unwrap();
        self.server = serve(&self.database, self.limits, self.org).await;
        self
    }

    pub async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    fn token(&self, who: &str) -> &str {
        self.tokens
            .get(who)
            .unwrap_or_else(|| panic!("no token {who}"))
    }

    /// One integer from SQL that both backends understand.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match &self.database {
            Database::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Database::Postgres(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client.query_one(sql, &[]).await.unwrap().get(0)
            }
        }
    }

    /// Runs a statement directly on the database (to plant rows no writer would write).
    pub async fn execute(&self, sql: &str) {
        match &self.database {
            Database::Sqlite(path) => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            Database::Postgres(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client.batch_execute(sql).await.unwrap();
            }
        }
    }

    pub async fn logs(
        &self,
        who: &str,
        export: &ExportLogsServiceRequest,
    ) -> (u16, ExportLogsServiceResponse) {
        let r = reqwest::Client::new()
            .post(self.url("/v1/logs"))
            .header("content-type", "application/x-protobuf")
            .bearer_auth(self.token(who))
            .body(export.encode_to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.bytes().await.unwrap();
        (
            status,
            ExportLogsServiceResponse::decode(body).unwrap_or_default(),
        )
    }

    pub async fn metrics(
        &self,
        who: &str,
        export: &ExportMetricsServiceRequest,
    ) -> (u16, ExportMetricsServiceResponse) {
        let r = reqwest::Client::new()
            .post(self.url("/v1/metrics"))
            .header("content-type", "application/x-protobuf")
            .bearer_auth(self.token(who))
            .body(export.encode_to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.bytes().await.unwrap();
        (
            status,
            ExportMetricsServiceResponse::decode(body).unwrap_or_default(),
        )
    }

    pub async fn push(&self, who: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let r = reqwest::Client::new()
            .post(self.url("/api/v1/push"))
            .bearer_auth(self.token(who))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Every sync page the token may read (3 rows per page, so cursors are exercised),
    /// merged into one.
    pub async fn sync(&self, who: &str) -> SyncPage {
        self.sync_paged(who, 3).await
    }

    pub async fn sync_paged(&self, who: &str, limit: usize) -> SyncPage {
        let mut all = SyncPage::default();
        let mut q = SyncQuery::default();
        for _ in 0..10_000 {
            let r = reqwest::Client::new()
                .get(self.url(&format!(
                    "/api/v1/sync?cursor={}&event_cursor={}&counter_cursor={}&limit={limit}",
                    q.cursor, q.event_cursor, q.counter_cursor
                )))
                .bearer_auth(self.token(who))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "sync as {who} on {}", self.label());
            let page: SyncPage = r.json().await.unwrap();
            let done = page.is_empty();
            q.cursor = page.next_cursor;
            q.event_cursor = page.next_event_cursor;
            q.counter_cursor = page.next_counter_cursor;
            all.sessions.extend(page.sessions);
            all.requests.extend(page.requests);
            all.events.extend(page.events);
            all.counters.extend(page.counters);
            all.developers.extend(page.developers);
            all.org_daily = page.org_daily;
            if done {
                return all;
            }
        }
        panic!("sync never ended");
    }
}

async fn serve(database: &Database, limits: Limits, org: OrgTotalsRule) -> RunningServer {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: database.clone(),
        limits,
        tls: None,
        org_totals: org,
    };
    start(config, PriceTable::builtin(), std::future::pending())
        .await
        .unwrap()
}

/// Every developer a sync page names anywhere, sorted.
pub fn owners_in(page: &SyncPage) -> Vec<String> {
    let mut all: Vec<String> = page
        .sessions
        .iter()
        .map(|s| s.developer.clone())
        .chain(page.requests.iter().map(|r| r.developer.clone()))
        .chain(page.events.iter().map(|e| e.developer.clone()))
        .chain(page.counters.iter().map(|c| c.developer.clone()))
        .chain(page.developers.iter().map(|d| d.id.clone()))
        .collect();
    all.sort();
    all.dedup();
    all
}
