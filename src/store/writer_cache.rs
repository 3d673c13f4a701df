//! What the writer thread remembers between transactions so it can skip SQL look-ups: the
//! session rows it has read or written, the store's identity hash, and, for a store that had
//! no requests when the writer started, a set of the identity hashes (key, request id,
//! message id) of every request it stored. Another connection's commit (`PRAGMA
//! data_version`) drops the sessions and the set; a failed transaction drops the sessions.
//! The set only ever answers "certainly not stored"; a hash it holds is checked in SQL as
//! before (see docs/perf.md, "The cold-ingest write path").

use super::identity::IdentityHash;
use crate::domain::SessionRecord;
use rusqlite::Transaction;
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Past this many identities the set is dropped (about 50 MB): the look-ups it saves
/// matter for a cold ingest, not for a store of many millions of requests.
const MAX_IDENTITIES: usize = 3_000_000;
/// Past this many sessions the session cache starts over.
const MAX_SESSIONS: usize = 100_000;

#[derive(Debug, Default)]
pub struct WriterCache {
    /// `data_version` at the last transaction; None before the first.
    data_version: Option<i64>,
    /// By a hash of (developer, agent, session id); the entry's own fields are compared.
    sessions: HashMap<u64, (i64, SessionRecord)>,
    /// Hashes of every identity stored since the store was empty; None when not known.
    identities: Option<HashSet<i64, foldhash::fast::RandomState>>,
    /// The store's keyed identity hash, read at the first transaction.
    hash: Option<IdentityHash>,
}

fn session_hash(s: &SessionRecord) -> u64 {
    let mut h = DefaultHasher::new();
    (&s.developer, s.agent, &s.session_key).hash(&mut h);
    h.finish()
}

fn same_session(a: &SessionRecord, b: &SessionRecord) -> bool {
    a.developer == b.developer && a.agent == b.agent && a.session_key == b.session_key
}

impl WriterCache {
    /// Called first in every write transaction: forgets everything when another connection
    /// committed since the last one; starts the identity set on the first transaction when
    /// the store holds no request.
    pub fn begin(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        match self.data_version {
            None => {
                let empty: bool =
                    tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM requests)", [], |r| {
                        r.get(0)
                    })?;
                self.identities = empty.then(HashSet::default);
            }
            Some(v) if v != version => {
                self.sessions.clear();
                self.identities = None;
            }
            Some(_) => {}
        }
        self.data_version = Some(version);
        Ok(())
    }

    /// A transaction failed: session rows it inserted are gone again. (Identities it added
    /// only cost a look-up.)
    pub fn failed(&mut self) {
        self.sessions.clear();
    }

    /// The store's identity hash (read once: a store never changes its key).
    pub fn identity_hash(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<IdentityHash> {
        if let Some(h) = self.hash {
            return Ok(h);
        }
        let h = IdentityHash::of_store(tx)?;
        self.hash = Some(h);
        Ok(h)
    }

    /// False when the identity with this hash is certainly not stored (no look-up needed).
    pub fn may_be_stored(&self, hash: i64) -> bool {
        self.identities
            .as_ref()
            .is_none_or(|set| set.contains(&hash))
    }

    pub fn stored(&mut self, hash: i64) {
        if let Some(set) = &mut self.identities {
            if set.len() >= MAX_IDENTITIES {
                self.identities = None;
            } else {
                set.insert(hash);
            }
        }
    }

    /// The stored row of this session (id and identity-and-activity fields), if known; the
    /// caller keeps it current.
    pub fn session(&mut self, s: &SessionRecord) -> Option<&mut (i64, SessionRecord)> {
        self.sessions
            .get_mut(&session_hash(s))
            .filter(|(_, c)| same_session(c, s))
    }

    pub fn remember_session(&mut self, id: i64, stored: &SessionRecord) {
        if self.sessions.len() >= MAX_SESSIONS {
            self.sessions.clear();
        }
        self.sessions
            .insert(session_hash(stored), (id, stored.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begin(conn: &mut rusqlite::Connection, cache: &mut WriterCache, sql: &str) {
        let tx = conn.transaction().unwrap();
        cache.begin(&tx).unwrap();
        tx.execute_batch(sql).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn checkpoints_keep_what_the_writer_knows_and_other_commits_drop_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut conn = crate::store::schema::open_writer(&path, false).unwrap();
        let other = crate::store::schema::open_writer(&path, false).unwrap();
        let mut cache = WriterCache::default();
        begin(
            &mut conn,
            &mut cache,
            "INSERT INTO teams (name) VALUES ('a')",
        );
        assert!(!cache.may_be_stored(17), "empty store");
        cache.stored(17);
        assert!(cache.may_be_stored(17));
        // The checkpoint thread runs PASSIVE ones. (Another connection's TRUNCATE counts as
        // a change: the set is dropped, which only costs look-ups.)
        for mode in ["PASSIVE", "FULL", "RESTART"] {
            other
                .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(()))
                .unwrap();
            let sql = "INSERT INTO teams (name) VALUES ('b') ON CONFLICT DO NOTHING";
            begin(&mut conn, &mut cache, sql);
            assert!(cache.identities.is_some(), "after a {mode} checkpoint");
        }
        other
            .execute("INSERT INTO teams (name) VALUES ('c')", [])
            .unwrap();
        begin(&mut conn, &mut cache, "");
        assert!(cache.identities.is_none());
        assert!(cache.may_be_stored(18));
    }

    #[test]
    fn a_store_with_requests_is_always_looked_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut conn = crate::store::schema::open_writer(&path, false).unwrap();
        conn.execute_batch(
            "INSERT INTO sessions (id, agent, session_key, source, developer, started_at,
                 last_activity_at) VALUES (1, 'codex', 's', 't', 'o', 1, 1);
             INSERT INTO requests (dedupe_key, session_id, ts, agent, model, developer,
                 input_tokens, output_tokens, cache_write_5m, cache_write_1h, cache_read,
                 reasoning_tokens, cost_micro_usd, cost_source, key_hash)
             VALUES ('cx:s:1:1', 1, 1, 'codex', 'm', 'o', 0, 0, 0, 0, 0, 0, 0, 'computed', 1)",
        )
        .unwrap();
        let mut cache = WriterCache::default();
        begin(&mut conn, &mut cache, "");
        assert!(cache.may_be_stored(2));
    }
}
