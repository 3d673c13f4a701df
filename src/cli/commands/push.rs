//! `agentdeck push --server URL [--token T] [--watch]`: sends this machine's own collected
//! rows (the local developer's; metadata only) to a team server in JSON batches. Rows are
//! keyed per owner, so a re-sent batch counts once; the position pushed so far is kept as a
//! cursor in the store. Rows the server refuses are named on stderr.

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
    runtime.block_on(async {
        loop {
            let developer = ctx.developer();
            let sent =
                push_once(&store, &db, &args.server, args.token.as_deref(), &developer).await?;
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
            if !args.watch {
                return Ok(());
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from(args.interval)) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    })
}

/// Pushes every row of `developer` after the stored cursor for `server` (rows synced from
/// the server for other developers stay local); returns what was accepted.
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
        };
        let mut request = client.post(&url).json(&batch);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("sending to {url}"))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            anyhow::bail!(
                "{url} answered {status}: {}",
                text.chars().take(300).collect::<String>()
            );
        }
        let answer: PushAnswer = response
            .json()
            .await
            .with_context(|| format!("reading the answer of {url}"))?;
        total.sessions += answer.sessions;
        total.requests += answer.requests;
        total.events += answer.events;
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
