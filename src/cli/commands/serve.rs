//! `agentdeck serve [--listen ADDR] [--database URL] [--tls-cert FILE --tls-key FILE]` and `serve tokens create|list|revoke`.
//! Runs the team server until SIGTERM or ctrl-c, then finishes accepted requests.

use crate::cli::args::{ServeArgs, ServeCommand, TokensCommand};
use crate::cli::context::Context;
use crate::server::auth::{generate_token, hash_token};
use crate::server::backend::{Backend, Database};
use crate::server::state::Limits;
use crate::server::tls::TlsFiles;
use crate::server::{ServerConfig, start};
use anyhow::Context as _;
use std::io::Write;

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    let database = match args
        .database
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(url) => Database::parse(url),
        None => Database::Sqlite(ctx.db_path.clone()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match &args.action {
        Some(ServeCommand::Tokens { action }) => runtime.block_on(tokens(&database, action)),
        None => {
            let prices = ctx.price_table()?;
            let (engine, hooks) = super::alerts_check::engine(ctx)?;
            let alerting = (engine, hooks, ctx.config.alerting.enabled);
            runtime.block_on(serve(args, database, prices, alerting))
        }
    }
}

async fn serve(
    args: &ServeArgs,
    database: Database,
    prices: crate::pricing::PriceTable,
    (engine, hooks, enabled): (crate::alerting::Engine, Vec<crate::alerting::Webhook>, bool),
) -> anyhow::Result<()> {
    let described = database.describe();
    // The server evaluates the alert rules over the team's data and owns alert state.
    let engine_store = match &database {
        _ if !enabled => None,
        Database::Sqlite(path) => Some(crate::store::Store::open(path)?),
        Database::Postgres(_) => {
            tracing::warn!("the alert engine runs on the SQLite store only; not started");
            None
        }
    };
    let config = ServerConfig {
        listen: args.listen,
        database,
        limits: Limits::default(),
        tls: match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        },
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let server = start(config, prices, shutdown_signal()).await?;
    eprintln!(
        "agentdeck serve: listening on {scheme}://{} (store {described}); OTLP at /v1/logs, /v1/metrics, /v1/traces",
        server.addr
    );
    let engine_task = engine_store.map(|store| crate::alerting::task::spawn(engine, store, hooks));
    server.wait().await?;
    if let Some(task) = engine_task {
        task.abort();
    }
    eprintln!("agentdeck serve: stopped");
    Ok(())
}

/// SIGTERM or ctrl-c.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

async fn tokens(database: &Database, action: &TokensCommand) -> anyhow::Result<()> {
    let db = Backend::open(database)
        .await
        .with_context(|| format!("opening the database {}", database.describe()))?;
    let now = chrono::Utc::now().timestamp_millis();
    let mut out = std::io::stdout().lock();
    match action {
        TokensCommand::Create {
            role,
            developer,
            team,
        } => {
            let token = generate_token()
                .map_err(|e| anyhow::anyhow!("no OS randomness for a token: {e}"))?;
            let id = db
                .create_token(
                    hash_token(&token),
                    role.as_str(),
                    developer.trim().to_string(),
                    team.clone(),
                    now,
                )
                .await?;
            eprintln!(
                "token {id} ({}, {developer}) created; it is shown once, store it now:",
                role.as_str()
            );
            writeln!(out, "{token}")?;
        }
        TokensCommand::List { all, json } => {
            let rows = db.tokens(*all).await?;
            if *json {
                serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "tokens": rows }))?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{:>4}  {:<8} {:<32} {:<16} {:<20} state",
                    "id", "role", "developer", "team", "created (UTC)"
                )?;
                for t in rows {
                    let created = chrono::DateTime::from_timestamp_millis(t.created_at)
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default();
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "live"
                    };
                    writeln!(
                        out,
                        "{:>4}  {:<8} {:<32} {:<16} {:<20} {state}",
                        t.id,
                        t.role,
                        t.developer,
                        t.team.unwrap_or_default(),
                        created
                    )?;
                }
            }
        }
        TokensCommand::Revoke { id } => {
            if !db.revoke_token(*id, now).await? {
                anyhow::bail!("no live token with id {id} (see `agentdeck serve tokens list`)");
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
