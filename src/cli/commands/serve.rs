//! `agentdeck serve [--listen ADDR] [--database URL]` and `serve tokens create|list|revoke`.
//! Runs the team server until SIGTERM or ctrl-c, then finishes accepted requests.

use crate::cli::args::{ServeArgs, ServeCommand, TokensCommand};
use crate::cli::context::Context;
use crate::server::auth::{generate_token, hash_token};
use crate::server::state::Limits;
use crate::server::{ServerConfig, start};
use crate::store::queries::sync::ServerDb;
use anyhow::Context as _;
use std::io::Write;
use std::path::PathBuf;

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    let db_path = database_path(ctx, args.database.as_deref())?;
    match &args.action {
        Some(ServeCommand::Tokens { action }) => tokens(&db_path, action),
        None => serve(ctx, args, db_path),
    }
}

/// `--database`: a SQLite path (`sqlite:PATH`, `sqlite://PATH` or a plain path).
fn database_path(ctx: &Context, url: Option<&str>) -> anyhow::Result<PathBuf> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(ctx.db_path.clone());
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        anyhow::bail!(
            "the PostgreSQL backend is not available in this version of agentdeck; \
             use a SQLite path (--database sqlite:/var/lib/agentdeck/team.db)"
        );
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    Ok(PathBuf::from(path))
}

fn serve(ctx: &Context, args: &ServeArgs, db_path: PathBuf) -> anyhow::Result<()> {
    let prices = ctx.price_table()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let config = ServerConfig { listen: args.listen, db_path: db_path.clone(), limits: Limits::default() };
        let server = start(config, prices, shutdown_signal()).await?;
        eprintln!(
            "agentdeck serve: listening on http://{} (store {}); OTLP at /v1/logs, /v1/metrics, /v1/traces",
            server.addr,
            db_path.display()
        );
        server.wait().await?;
        eprintln!("agentdeck serve: stopped");
        Ok(())
    })
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

fn tokens(db_path: &std::path::Path, action: &TokensCommand) -> anyhow::Result<()> {
    let db = ServerDb::open(db_path)
        .with_context(|| format!("opening the store at {}", db_path.display()))?;
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
            let id = db.create_token(
                &hash_token(&token),
                role.as_str(),
                developer.trim(),
                team.as_deref(),
                now,
            )?;
            eprintln!(
                "token {id} ({}, {developer}) created; it is shown once, store it now:",
                role.as_str()
            );
            writeln!(out, "{token}")?;
        }
        TokensCommand::List { all, json } => {
            let rows = db.tokens(*all)?;
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
            if !db.revoke_token(*id, now)? {
                anyhow::bail!("no live token with id {id} (see `agentdeck serve tokens list`)");
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
