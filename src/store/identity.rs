//! The 64-bit hashes stored requests are found by (migration 17; docs/architecture.md,
//! "How the writer finds stored requests"). Each request is looked up by three identities
//! of its owner's: its key, its cross-source request id and its Claude message id. Indexing
//! the text of those (a 49-byte owner e-mail in front of each key) made every insert and
//! every commit walk long keys; an index of 8-byte integers is a third of the size.
//!
//! The hash is SipHash-1-3 of (owner, which identity, value), keyed with 16 random bytes the
//! store draws once (`store_secrets`). A hash only narrows the search: every look-up also
//! compares the owner and the value, so a collision costs a row read, never a merge. The key
//! is secret so that no one who sends rows to a team server can choose values whose hashes
//! collide and turn the single writer's look-ups into scans.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use siphasher::sip::SipHasher13;
use std::hash::Hasher;

/// Which identity of a stored request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    Key,
    RequestId,
    MessageId,
}

impl Identity {
    /// The name migration 17's SQL passes to `identity_hash`.
    fn from_name(name: &str) -> Option<Identity> {
        match name {
            "key" => Some(Identity::Key),
            "request_id" => Some(Identity::RequestId),
            "message_id" => Some(Identity::MessageId),
            _ => None,
        }
    }

    fn tag(self) -> u8 {
        match self {
            Identity::Key => 1,
            Identity::RequestId => 2,
            Identity::MessageId => 3,
        }
    }
}

/// The schema version that gave stores their key (migration 17).
pub const KEYED_SINCE: i64 = 17;
/// The store's hash key.
pub const SECRET_SQL: &str = "SELECT value FROM store_secrets WHERE name = 'identity_hash'";
/// What a store without a valid key is told.
pub const MISSING_KEY: &str =
    "the store's identity-hash key (table store_secrets) is missing or damaged";

/// Draws the store's hash key once; every later run keeps it.
pub const ENSURE_SECRET_SQL: &str = "INSERT OR IGNORE INTO store_secrets (name, value)
     VALUES ('identity_hash', randomblob(16))";

/// `identity_hash` of one identity of a row, under the `main` store's key.
macro_rules! hashed {
    ($identity:literal, $column:literal) => {
        concat!(
            "identity_hash((SELECT value FROM main.store_secrets WHERE name = 'identity_hash'), ",
            "developer, '",
            $identity,
            "', ",
            $column,
            ")"
        )
    };
}

/// The hash columns of `requests`, each with the SQL that computes it from the row's own
/// columns under the key of the `main` store (`identity_hash` registered): what a copy of
/// rows from another store fills in itself (`doctor --rebuild`), since that store's hashes
/// were made with another key or not at all.
pub const HASH_COLUMNS: [(&str, &str); 3] = [
    ("key_hash", hashed!("key", "dedupe_key")),
    ("request_hash", hashed!("request_id", "request_id")),
    ("message_hash", hashed!("message_id", "message_id")),
];

/// The keyed hash of one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityHash {
    k0: u64,
    k1: u64,
}

impl IdentityHash {
    fn from_secret(secret: &[u8]) -> Option<IdentityHash> {
        let k0 = u64::from_le_bytes(secret.get(..8)?.try_into().ok()?);
        let k1 = u64::from_le_bytes(secret.get(8..16)?.try_into().ok()?);
        Some(IdentityHash { k0, k1 })
    }

    /// The store's key, as `schema::migrate` left it. A store without one is damaged: its
    /// stored requests could not be found again (a new key would count each twice), so the
    /// error is SQLite's "corrupt", which sends the user to `agentdeck doctor --rebuild`
    /// (that computes every copied row's hashes under the fresh store's key).
    pub fn of_store(conn: &Connection) -> rusqlite::Result<IdentityHash> {
        let secret: Option<Vec<u8>> = conn.query_row(SECRET_SQL, [], |r| r.get(0)).optional()?;
        secret
            .as_deref()
            .and_then(IdentityHash::from_secret)
            .ok_or_else(|| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                    Some(MISSING_KEY.to_owned()),
                )
            })
    }

    /// The top 16 bits hash the owner alone, the other 48 the owner, the identity and the
    /// value: an owner's entries sit together in each index, as they did behind the owner's
    /// text, so a commit of one owner's rows (a team server's export) dirties the pages of
    /// that owner's part of the index only, not pages all over it.
    pub fn of(&self, owner: &str, what: Identity, value: &str) -> i64 {
        self.of_bytes(owner.as_bytes(), what, value.as_bytes())
    }

    fn of_bytes(&self, owner: &[u8], what: Identity, value: &[u8]) -> i64 {
        const OWNER_BITS: u64 = 0xffff_0000_0000_0000;
        let mut o = SipHasher13::new_with_keys(self.k0, self.k1);
        o.write(owner);
        let mut h = o;
        // 0xff never occurs in UTF-8: no owner/value split gives another's bytes.
        h.write(&[0xff, what.tag()]);
        h.write(value);
        ((o.finish() & OWNER_BITS) | (h.finish() & !OWNER_BITS)) as i64
    }
}

/// Registers `identity_hash(secret, owner, identity, value)` (NULL for a NULL value), which
/// migration 17 fills the hash columns of the stored rows with.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "identity_hash",
        4,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let bad = |what: &str| rusqlite::Error::UserFunctionError(what.to_owned().into());
            // Text is hashed as the bytes stored, without a UTF-8 check: a row another tool
            // wrote with invalid UTF-8 gets a hash instead of stopping the migration.
            let bytes = |i: usize| match ctx.get_raw(i) {
                ValueRef::Text(b) | ValueRef::Blob(b) => Some(b),
                _ => None,
            };
            let hash = bytes(0)
                .and_then(IdentityHash::from_secret)
                .ok_or_else(|| bad("identity_hash: the secret is not 16 bytes"))?;
            let owner = bytes(1).ok_or_else(|| bad("identity_hash: no owner"))?;
            let what = bytes(2)
                .and_then(|name| Identity::from_name(std::str::from_utf8(name).ok()?))
                .ok_or_else(|| bad("identity_hash: unknown identity"))?;
            Ok(bytes(3).map(|value| hash.of_bytes(owner, what, value)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_function_and_the_writer_hash_alike() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let secret: Vec<u8> = (1..=16).collect();
        let hash = IdentityHash::from_secret(&secret).unwrap();
        for (name, what) in [
            ("key", Identity::Key),
            ("request_id", Identity::RequestId),
            ("message_id", Identity::MessageId),
        ] {
            let sql: i64 = conn
                .query_row(
                    "SELECT identity_hash(?1, 'dev@example.com', ?2, 'msg_01')",
                    rusqlite::params![secret, name],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(sql, hash.of("dev@example.com", what, "msg_01"), "{name}");
        }
        let null: Option<i64> = conn
            .query_row(
                "SELECT identity_hash(?1, 'o', 'key', NULL)",
                [&secret],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(null, None);
        let err = conn.query_row("SELECT identity_hash(x'00', 'o', 'key', 'v')", [], |r| {
            r.get::<_, i64>(0)
        });
        assert!(err.is_err());
        // Text that is not UTF-8 (written by another tool) is hashed as stored.
        let odd: i64 = conn
            .query_row(
                "SELECT identity_hash(?1, 'o', 'key', CAST(x'ff61' AS TEXT))",
                [&secret],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(odd, hash.of_bytes(b"o", Identity::Key, b"\xffa"));
    }

    #[test]
    fn owner_identity_and_secret_all_change_the_hash() {
        let a = IdentityHash::from_secret(&[7; 16]).unwrap();
        let b = IdentityHash::from_secret(&[8; 16]).unwrap();
        let base = a.of("ab", Identity::Key, "c");
        assert_ne!(base, a.of("a", Identity::Key, "bc"));
        assert_ne!(base, a.of("ab", Identity::MessageId, "c"));
        assert_ne!(base, b.of("ab", Identity::Key, "c"));
        assert_eq!(base, a.of("ab", Identity::Key, "c"));
    }

    #[test]
    fn an_owners_hashes_share_their_top_bits() {
        let h = IdentityHash::from_secret(&[7; 16]).unwrap();
        let top = |owner: &str, value: &str| (h.of(owner, Identity::Key, value) as u64) >> 48;
        assert_eq!(top("ann", "k1"), top("ann", "k2"));
        assert_eq!(
            top("ann", "k1"),
            (h.of("ann", Identity::MessageId, "m") as u64) >> 48
        );
        assert_ne!(top("ann", "k1"), top("bob", "k1"));
    }
}
