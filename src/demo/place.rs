//! Where `--demo` keeps its store: a throwaway temporary directory (deleted on quit, so
//! acknowledgements made in the demo vanish — the console says so), or the file `--db`
//! names: built there when it is new, reopened (acks and all) when it is an earlier demo
//! store, refused when it holds anything else, so the demo never writes into real data.

use super::{DEFAULT_SEED, build, temp_store};
use crate::store::{SourceHealthRow, Store, WriteBatch};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use std::path::Path;

/// The source-health row that marks a store as a demo store.
pub const MARKER_SOURCE: &str = "demo";

/// The demo store, the temporary directory to delete on quit (if any), and a line for the
/// user saying where it lives.
pub struct DemoStore {
    pub store: Store,
    pub temp: Option<tempfile::TempDir>,
    pub notice: String,
}

fn is_demo(store: &Store) -> anyhow::Result<bool> {
    let sources = store.reader()?.source_status()?;
    Ok(sources.iter().any(|s| s.source == MARKER_SOURCE))
}

fn has_data(store: &Store) -> anyhow::Result<bool> {
    let reader = store.reader()?;
    Ok(reader.latest_activity_ms()?.is_some() || !reader.source_status()?.is_empty())
}

fn build_marked(store: &Store, now: DateTime<Utc>) -> anyhow::Result<()> {
    build(store, now, DEFAULT_SEED)?;
    store
        .writer()
        .apply_blocking(WriteBatch {
            source_health: vec![SourceHealthRow {
                source: MARKER_SOURCE.into(),
                kind: "demo".into(),
                success_at: Some(now.timestamp_millis()),
                error: None,
                rows_added: 0,
            }],
            ..Default::default()
        })
        .context("marking the demo store")?;
    Ok(())
}

/// Opens the demo store: in `db` when given, else in a temporary directory.
pub fn open(db: Option<&Path>, now: DateTime<Utc>) -> anyhow::Result<DemoStore> {
    let Some(path) = db else {
        let (dir, store) = temp_store()?;
        eprintln!("agentdeck: building the demo organisation…");
        build_marked(&store, now)?;
        return Ok(DemoStore {
            store,
            temp: Some(dir),
            notice: "demo: a throwaway store, deleted on quit (acks vanish); \
                     `--demo --db FILE` keeps it"
                .into(),
        });
    };
    let store =
        Store::open(path).with_context(|| format!("opening the demo store {}", path.display()))?;
    if is_demo(&store)? {
        return Ok(DemoStore {
            store,
            temp: None,
            notice: format!("demo: reopened {} (kept after quit)", path.display()),
        });
    }
    if has_data(&store)? {
        anyhow::bail!(
            "{} holds data that is not a demo store; --demo writes only to a new file or an \
             earlier demo store (leave out --db, or unset AGENTDECK_DB, for a throwaway one)",
            path.display()
        );
    }
    eprintln!(
        "agentdeck: building the demo organisation into {}…",
        path.display()
    );
    build_marked(&store, now)?;
    Ok(DemoStore {
        store,
        temp: None,
        notice: format!("demo: built into {} (kept after quit)", path.display()),
    })
}
