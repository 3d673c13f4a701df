//! `agentdeck push --server URL [--token T] [--watch]`: sends this machine's own collected
//! rows (the local developer's; metadata only) to a team server in JSON batches. Rows are
//! keyed per owner, so a re-sent batch counts once; the position pushed so far is kept as a
//! cursor in the store. Rows the server refuses are named on stderr. Vendor daily usage the
//! machine polls (Cursor, Copilot, Claude Code analytics) goes too, for the server's
//! acceptance rule; that needs an admin token (or a collector token, for its team).

use super::push_retry::{self, PushFailure, Retry};
use crate::cli::args::PushArgs;
use crate::cli::context::Context;
use crate::protocol::{PushAnswer, PushBatch, SyncQuery};
use crate::store::queries::server_db::ServerDb;
use crate::store::queries::sync::{OrgTotalsRule, RowFilter};
use crate::store::{FileCursor, Store, WriteBatch};
use anyhow::Context as _;
use std::time::Duration;

const SOURCE: &str = "push";
const PAGE_ROWS: usize = 2_000;

pub fn run(ctx: &Context, args: &PushArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let db = ServerDb::open(&ctx.db_path)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // Registered now, so a SIGTERM during a pass is not the default (fatal) action.
    let term = {
        let _in_runtime = runtime.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
    };
    let mut stop = Box::pin(shutdown(term));
    let mut failures = 0u32;
    let developer = ctx.developer();
    let vendor_server =
        crate::collect::sources::team_server::TeamServer::new(&args.server, args.token.clone())?;
    let mut vendor_days = crate::collect::sources::vendor_push::VendorPush::default();
    loop {
        // New transcript lines first (on this thread: the pass blocks on the store's
        // writer), so each push carries what the agents wrote since the last one.
        let outcome = match super::ingest::refresh(ctx, &store, &args.dirs, false) {
            Ok(_) => runtime.block_on(push_once(
                &store,
                &db,
                &args.server,
                args.token.as_deref(),
                &developer,
            )),
            Err(e) => Err(e.context("reading the agents' files before pushing")),
        };
        runtime.block_on(record_health(&store, &args.server, &outcome));
        let pause = match outcome {
            Ok(sent) => {
                failures = 0;
                for r in &sent.rejected {
                    eprintln!(
                        "agentdeck push: the server refused {} {} ({}): {}",
                        r.kind,
                        r.index,
                        r.key.as_deref().unwrap_or("no key"),
                        r.reason
                    );
                }
                eprintln!(
                    "agentdeck push: sent {} sessions, {} requests, {} events to {}",
                    sent.sessions, sent.requests, sent.events, args.server
                );
                let now = chrono::Utc::now().timestamp_millis();
                match runtime.block_on(vendor_days.push_changed(&vendor_server, &store, now)) {
                    Ok(v) => {
                        for r in &v.rejected {
                            eprintln!(
                                "agentdeck push: the server refused vendor day {} ({}): {}",
                                r.index,
                                r.key.as_deref().unwrap_or("no key"),
                                r.reason
                            );
                        }
                        if v.sent > 0 {
                            eprintln!(
                                "agentdeck push: sent {} vendor day(s) to {}",
                                v.stored, args.server
                            );
                        }
                    }
                    Err(e) => eprintln!("agentdeck push: vendor daily usage not sent: {e}"),
                }
                if !args.watch {
                    return Ok(());
                }
                Duration::from(args.interval)
            }
            Err(e) if !args.watch => return Err(e),
            Err(e) => {
                let retry = e
                    .downcast_ref::<PushFailure>()
                    .map_or(Retry::NextInterval, |f| f.retry);
                let pause = match retry {
                    Retry::Backoff => {
                        failures = failures.saturating_add(1);
                        push_retry::backoff(failures)
                    }
                    Retry::After(wait) => wait,
                    Retry::NextInterval => Duration::from(args.interval),
                };
                eprintln!(
                    "agentdeck push: {}; trying again in {}",
                    crate::cli::one_cause_each(&e),
                    humantime::format_duration(Duration::from_secs(pause.as_secs().max(1)))
                );
                pause
            }
        };
        let stopped = runtime.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep(pause) => false,
                _ = &mut stop => true,
            }
        });
        if stopped {
            return Ok(());
        }
    }
}

/// Ctrl-C or SIGTERM (`systemctl stop`): finish quietly.
async fn shutdown(term: Option<tokio::signal::unix::Signal>) {
    let term = async {
        match term {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// The push's state in `source_health`, so `agentdeck sources` shows it (`push <server>`),
/// with the server as the setting in effect (the token never).
async fn record_health(store: &Store, server: &str, outcome: &anyhow::Result<PushAnswer>) {
    let run = crate::collect::health::push_run(
        &format!("{SOURCE} {server}"),
        server,
        match outcome {
            Ok(sent) => Ok((sent.requests + sent.events) as i64),
            Err(e) => Err(crate::cli::one_cause_each(e)),
        },
    );
    let batch = WriteBatch {
        ops: vec![crate::store::ops::Op::RecordRun(run)],
        ..WriteBatch::default()
    };
    if let Err(e) = store.writer().apply(batch).await {
        tracing::warn!("recording the push's health failed: {e}");
    }
}

/// A push answer as read: [`PushAnswer`], with the counts optional.
#[derive(serde::Deserialize)]
struct Answer {
    sessions: Option<usize>,
    requests: Option<usize>,
    events: Option<usize>,
    #[serde(default)]
    rejected: Vec<crate::protocol::Rejected>,
}

/// Pushes every row of `developer` after the stored cursor for `server` (rows synced from
/// the server for other developers stay local); returns what the server accepted.
pub async fn push_once(
    store: &Store,
    db: &ServerDb,
    server: &str,
    token: Option<&str>,
    developer: &str,
) -> anyhow::Result<PushAnswer> {
    let url = format!("{}/api/v1/push", server.trim_end_matches('/'));
    let client = crate::collect::http::client_builder(Duration::from_secs(60)).build()?;
    let mut cursor = store
        .reader()?
        .file_cursors(SOURCE)?
        .remove(server)
        .unwrap_or_default();
    let mut total = PushAnswer::default();
    let filter = RowFilter::Developer(developer.to_string());
    loop {
        let query = SyncQuery {
            cursor: cursor.offset as i64,
            event_cursor: cursor.line as i64,
            ..SyncQuery::default()
        };
        let page = {
            let (db, filter) = (db.clone(), filter.clone());
            tokio::task::spawn_blocking(move || {
                db.sync_page(&filter, &query, PAGE_ROWS, OrgTotalsRule::default())
            })
            .await??
        };
        if page.requests.is_empty() && page.events.is_empty() {
            return Ok(total);
        }
        let batch = PushBatch {
            sessions: page.sessions,
            requests: page.requests,
            events: page.events,
            ..PushBatch::default()
        };
        let mut request = client.post(&url).json(&batch);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| PushFailure {
            // Connection refused, reset, timed out: the server may be restarting.
            retry: Retry::Backoff,
            message: format!("sending to {url}: {}", without_url(e)),
        })?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = response.text().await.unwrap_or_default();
            return Err(PushFailure {
                retry: push_retry::for_status(status.as_u16(), retry_after.as_deref()),
                message: format!(
                    "{url} answered {status}: {}",
                    text.chars().take(300).collect::<String>()
                ),
            }
            .into());
        }
        let answer: Answer = response
            .json()
            .await
            .with_context(|| format!("reading the answer of {url}"))?;
        // A server that does not count (an older one) accepted the whole batch.
        total.sessions += answer.sessions.unwrap_or(batch.sessions.len());
        total.requests += answer.requests.unwrap_or(batch.requests.len());
        total.events += answer.events.unwrap_or(batch.events.len());
        total.rejected.extend(answer.rejected);
        cursor = FileCursor {
            source: SOURCE.into(),
            path: server.to_string(),
            offset: page.next_cursor as u64,
            line: page.next_event_cursor as u64,
            ..FileCursor::default()
        };
        store
            .writer()
            .apply(WriteBatch {
                cursors: vec![cursor.clone()],
                ..WriteBatch::default()
            })
            .await?;
    }
}

/// A reqwest error's cause without the URL (the message already names it once).
fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
