//! `agentdeck serve [--listen ADDR] [--database URL] [--tls-cert FILE --tls-key FILE]`,
//! `serve tokens create|list|revoke` and `serve members import|set|list`. Runs the team
//! server until SIGTERM or ctrl-c, then finishes accepted requests.

use crate::cli::args::{MembersCommand, ServeArgs, ServeCommand, TokensCommand};
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::domain::Money;
use crate::server::auth::{Role, generate_token, hash_token};
use crate::server::backend::{Backend, Database};
use crate::server::members::{member, parse_members};
use crate::server::state::Limits;
use crate::server::tls::TlsFiles;
use crate::server::{ServerConfig, start};
use crate::store::queries::server_db::NewToken;
use crate::store::queries::sync::OrgTotalsRule;
use crate::tui::widgets::columns::Align;
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
        Some(ServeCommand::Members { action }) => runtime.block_on(members(&database, action)),
        None => {
            let prices = ctx.price_table()?;
            reprice_team_rows(&database, &prices)?;
            let (engine, hooks) = super::alerts_check::engine(ctx)?;
            let alerting = (engine, hooks, ctx.config.alerting.enabled);
            let budgets = config_budgets(&ctx.config);
            runtime.block_on(serve(args, database, prices, alerting, budgets))
        }
    }
}

/// The config's monthly budgets, every `[[team]]` (zero: none) and `[[project]]`, which the
/// server's budget alert rules judge against (the same file a console reads).
type Budgets = (Vec<(String, Money)>, Vec<(String, Money)>);

fn config_budgets(config: &crate::cli::config::Config) -> Budgets {
    let teams = config
        .teams
        .iter()
        .map(|t| {
            let usd = t.budget_usd_month.unwrap_or(0.0);
            (t.name.clone(), Money::from_usd(usd))
        })
        .collect();
    let projects = config
        .projects
        .iter()
        .map(|p| (p.id.trim().to_string(), Money::from_usd(p.budget_usd_month)))
        .collect();
    (teams, projects)
}

/// The team's rows follow the server's prices the way local rows follow local ones: when
/// the effective table changed since they were priced (an override, an import, an upgrade),
/// a server on the SQLite store reprices them before it accepts writes. (PostgreSQL keeps
/// the costs its rows were written with; docs/server.md.)
fn reprice_team_rows(
    database: &Database,
    prices: &crate::pricing::PriceTable,
) -> anyhow::Result<()> {
    if let Database::Sqlite(path) = database {
        crate::cli::context::open_notices(path);
        let store = crate::store::Store::open(path)?;
        if let Some(state) = super::pricing::reprice_if_stale(&store, prices)? {
            eprintln!("agentdeck serve: {}", super::pricing::repriced_text(&state));
        }
    }
    Ok(())
}

async fn serve(
    args: &ServeArgs,
    database: Database,
    prices: crate::pricing::PriceTable,
    (engine, hooks, enabled): (crate::alerting::Engine, Vec<crate::alerting::Webhook>, bool),
    (teams, projects): Budgets,
) -> anyhow::Result<()> {
    let described = database.describe();
    let backend = Backend::open(&database)
        .await
        .with_context(|| format!("opening the database {described}"))?;
    backend
        .set_budgets(teams, projects)
        .await
        .context("recording the config's budgets")?;
    // The server evaluates the alert rules over the team's data and owns alert state.
    let engine_backend = match backend {
        _ if !enabled => None,
        Backend::Sqlite { store, .. } => Some(EngineOn::Sqlite(store)),
        postgres @ Backend::Postgres(_) => Some(EngineOn::Postgres(postgres)),
    };
    let config = ServerConfig {
        listen: args.listen,
        database,
        limits: Limits {
            requests_per_second_per_token: args.rate_limit,
            ..Limits::default()
        },
        org_totals: OrgTotalsRule {
            min_developers: args.org_totals_min_developers,
        },
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
    let engine_task = engine_backend.map(|on| match on {
        EngineOn::Sqlite(store) => crate::alerting::task::spawn(engine, store, hooks),
        EngineOn::Postgres(backend) => crate::server::alert_engine::spawn(engine, backend, hooks),
    });
    server.wait().await?;
    if let Some(task) = engine_task {
        task.abort();
    }
    eprintln!("agentdeck serve: stopped");
    Ok(())
}

/// Where the server's alert engine reads and writes.
enum EngineOn {
    Sqlite(crate::store::Store),
    Postgres(Backend),
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
            collector,
        } => {
            anyhow::ensure!(
                !*collector || *role == Role::Manager,
                "--collector is for manager tokens (an admin token may always send any developer's telemetry)"
            );
            anyhow::ensure!(
                !*collector || team.is_some(),
                "a --collector token needs --team: it may send the telemetry of that team's developers"
            );
            let token = generate_token()
                .map_err(|e| anyhow::anyhow!("no OS randomness for a token: {e}"))?;
            let new = NewToken {
                token_hash: hash_token(&token),
                role: role.as_str(),
                developer: developer.trim().to_ascii_lowercase(),
                team: team.clone(),
                collector: *collector,
            };
            let id = db.create_token(new, now).await?;
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
                let mut list = Listing::new(&[
                    ("id", Align::Right),
                    ("role", Align::Left),
                    ("developer", Align::Left),
                    ("team", Align::Left),
                    ("created (UTC)", Align::Left),
                    ("state", Align::Left),
                ]);
                for t in rows {
                    let created = chrono::DateTime::from_timestamp_millis(t.created_at)
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default();
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "live"
                    };
                    let role = if t.collector {
                        format!("{} +collector", t.role)
                    } else {
                        t.role.clone()
                    };
                    list.row([
                        t.id.to_string(),
                        role,
                        t.developer,
                        t.team.unwrap_or_default(),
                        created,
                        state.to_string(),
                    ]);
                }
                list.write(&mut out)?;
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

async fn members(database: &Database, action: &MembersCommand) -> anyhow::Result<()> {
    let db = Backend::open(database)
        .await
        .with_context(|| format!("opening the database {}", database.describe()))?;
    let mut out = std::io::stdout().lock();
    match action {
        MembersCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let rows = parse_members(&file.display().to_string(), &text)?;
            let n = db.set_members(rows).await?;
            eprintln!("{n} developers set from {}", file.display());
        }
        MembersCommand::Set { email, team, role } => {
            let row = member(email, team, role.clone(), None);
            crate::domain::bounds::id("email", &row.id)?;
            crate::domain::bounds::id("team", &row.team)?;
            db.set_members(vec![row]).await?;
            eprintln!("{} is in team {team}", email.trim().to_ascii_lowercase());
        }
        MembersCommand::List { json } => {
            let rows = db.members().await?;
            if *json {
                let list: Vec<_> = rows
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "id": d.id, "team": d.team, "role": d.role, "started_on": d.started_on
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "members": list }))?;
                writeln!(out)?;
            } else {
                let mut list = Listing::new(&[
                    ("developer", Align::Left),
                    ("team", Align::Left),
                    ("role", Align::Left),
                    ("started", Align::Left),
                ]);
                for d in rows {
                    list.row([
                        d.id,
                        d.team,
                        d.role.unwrap_or_default(),
                        d.started_on.unwrap_or_default(),
                    ]);
                }
                list.write(&mut out)?;
            }
        }
    }
    Ok(())
}
