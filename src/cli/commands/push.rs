//! `agentdeck push --server URL [--token T] [--watch]`: sends this machine's collected rows
//! (metadata only) to a team server in JSON batches. Rows are keyed by dedupe key, so a
//! re-sent batch counts once; the position pushed so far is kept as a cursor in the store.

use crate::cli::args::PushArgs;
use crate::cli::context::Context;
use crate::server::api::{PushAccepted, PushBatch};
use crate::store::queries::sync::{RowFilter, ServerDb};
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
            let result = push_once(&store, &db, &args.server, args.token.as_deref()).await;
            let next = args.watch.then(|| {
                chrono::Utc::now().timestamp_millis()
                    + Duration::from(args.interval).as_millis() as i64
            });
            let outcome = match &result {
                Ok(s) => Ok((s.requests + s.events) as i64),
                Err(e) => Err(format!("{e:#}")),
            };
            let health_store = store.clone();
            let server = args.server.clone();
            tokio::task::spawn_blocking(move || {
                crate::collect::health::record_push(&health_store, &server, outcome, next)
            })
            .await?;
            let sent = result?;
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

/// Pushes every row after the stored cursor for `server`; returns what was sent.
pub async fn push_once(
    store: &Store,
    db: &ServerDb,
    server: &str,
    token: Option<&str>,
) -> anyhow::Result<PushAccepted> {
    let url = format!("{}/api/v1/push", server.trim_end_matches('/'));
    let client = crate::collect::http::client_builder(Duration::from_secs(60)).build()?;
    let mut cursor = store
        .reader()?
        .file_cursors(SOURCE)?
        .remove(server)
        .unwrap_or_default();
    let mut total = PushAccepted::default();
    loop {
        let (request_cursor, event_cursor) = (cursor.offset as i64, cursor.line as i64);
        let page = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || {
                db.sync_page(&RowFilter::All, request_cursor, event_cursor, PAGE_ROWS)
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
        total.sessions += batch.sessions.len();
        total.requests += batch.requests.len();
        total.events += batch.events.len();
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
