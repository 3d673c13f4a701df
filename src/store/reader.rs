//! A read-only connection. Query methods live in `queries/`, one module per question.

use super::batch::FileCursor;
use super::error::Result;
use super::schema;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;

pub struct Reader {
    pub(super) conn: Connection,
}

impl Reader {
    pub(super) fn open(path: &Path) -> Result<Reader> {
        Ok(Reader {
            conn: schema::open_reader(path)?,
        })
    }

    /// A reader on an existing store without a writer or migrations, and without creating
    /// anything next to the file when the medium is read-only (`agentdeck --read-only`).
    pub fn open_read_only(path: &Path) -> Result<Reader> {
        Ok(Reader {
            conn: schema::open_read_only(path)?,
        })
    }

    /// Every file cursor of one source, keyed by path.
    pub fn file_cursors(&self, source: &str) -> Result<HashMap<String, FileCursor>> {
        let mut stmt = self.conn.prepare(
            "SELECT source, path, device, inode, size, offset, line, mtime_ns, state, fingerprint
             FROM cursors WHERE source = ?1",
        )?;
        let rows = stmt.query_map([source], |r| {
            Ok(FileCursor {
                source: r.get(0)?,
                path: r.get(1)?,
                device: r.get::<_, i64>(2)? as u64,
                inode: r.get::<_, i64>(3)? as u64,
                size: r.get::<_, i64>(4)? as u64,
                offset: r.get::<_, i64>(5)? as u64,
                line: r.get::<_, i64>(6)? as u64,
                mtime_ns: r.get(7)?,
                state: r.get(8)?,
                fingerprint: r.get(9)?,
            })
        })?;
        let mut out = HashMap::new();
        for c in rows {
            let c = c?;
            out.insert(c.path.clone(), c);
        }
        Ok(out)
    }

    /// How many local agent files have a recorded owner.
    pub fn file_owner_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM file_owners", [], |r| r.get(0))?)
    }

    /// The developer each local agent file belongs to, keyed by (source, path).
    pub fn file_owners(&self) -> Result<HashMap<(String, String), String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT source, path, developer FROM file_owners")?;
        let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Latest change counters as committed (for processes that did not write them).
    pub fn change_counters(&self) -> Result<super::ChangeCounters> {
        Ok(super::writer::read_counters(&self.conn)?)
    }
}
