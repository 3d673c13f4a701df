//! ETags of code-host listings kept across passes (`collect::sources::code_host`): the
//! writer's upsert and the reader's lookup per source. No response bodies are stored.

use super::Reader;
use super::error::Result;
use rusqlite::{Transaction, params};
use std::collections::HashMap;

pub(super) fn remember(
    tx: &Transaction<'_>,
    source: &str,
    url: &str,
    etag: &str,
    at: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO http_etags (source, url, etag, seen_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (source, url) DO UPDATE SET etag = excluded.etag, seen_at = excluded.seen_at",
    )?
    .execute(params![source, url, etag, at])?;
    Ok(())
}

impl Reader {
    /// URL → ETag of the listings `source` read in earlier passes.
    pub fn http_etags(&self, source: &str) -> Result<HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT url, etag FROM http_etags WHERE source = ?1")?;
        let rows = stmt.query_map([source], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
