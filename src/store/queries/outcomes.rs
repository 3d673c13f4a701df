//! Outcome rows as reports and tests read them back: commits of a repository with their
//! attribution and links, and the session a commit most likely came from (a telemetry
//! commit event naming its id, else the same project and branch around its time).

use crate::store::Reader;
use crate::store::error::Result;
use crate::store::ops::CommitRow;

/// A session matched to a commit: within this much before the session's first request or
/// after its last activity still counts as "made in that session".
pub const SESSION_SLACK_MS: i64 = 30 * 60_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCommit {
    pub row: CommitRow,
    pub fixed_by: Option<String>,
}

/// How a commit was tied to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSession {
    pub sha: String,
    pub session_id: i64,
    /// `telemetry` (a commit event naming the id) or `branch_time`.
    pub linked_by: &'static str,
}

impl Reader {
    /// The agent's own key of a stored session.
    pub fn session_key_of(&self, session_id: i64) -> Result<String> {
        Ok(self
            .conn
            .prepare_cached("SELECT session_key FROM sessions WHERE id = ?1")?
            .query_row([session_id], |r| r.get(0))?)
    }

    /// Every stored commit of `repo`, newest first.
    pub fn commits(&self, repo: &str) -> Result<Vec<StoredCommit>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT repo, sha, author, ts, ai_agent, ai_detected_by, lines_added, lines_removed,
                    reverted_by, ticket_key, branch, is_merge, fixed_by
             FROM commits WHERE repo = ?1 ORDER BY ts DESC, sha",
        )?;
        let rows = stmt.query_map([repo], |r| {
            Ok(StoredCommit {
                row: CommitRow {
                    repo: r.get(0)?,
                    sha: r.get(1)?,
                    author: r.get(2)?,
                    ts: r.get(3)?,
                    ai_agent: r.get(4)?,
                    ai_detected_by: r.get(5)?,
                    lines_added: r.get(6)?,
                    lines_removed: r.get(7)?,
                    reverted_by: r.get(8)?,
                    ticket_key: r.get(9)?,
                    branch: r.get(10)?,
                    is_merge: r.get(11)?,
                },
                fixed_by: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sessions the commits of `repo` came from. A `commit` event whose detail is the
    /// commit id (Claude Code telemetry's `git_commit_id`) wins; otherwise the session of
    /// the same project and branch whose active span (± [`SESSION_SLACK_MS`]) holds the
    /// commit's time, the one with the latest activity first.
    pub fn commit_sessions(&self, repo: &str) -> Result<Vec<CommitSession>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.sha, min(e.session_id) FROM commits c
             JOIN events e ON e.kind = 'commit' AND e.detail IS NOT NULL AND length(e.detail) >= 7
                 AND c.sha >= lower(e.detail) AND c.sha < lower(e.detail) || 'g'
             WHERE c.repo = ?1 GROUP BY c.sha",
        )?;
        let by_event = stmt.query_map([repo], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut linked = std::collections::HashSet::new();
        for row in by_event {
            let (sha, session_id) = row?;
            linked.insert(sha.clone());
            out.push(CommitSession {
                sha,
                session_id,
                linked_by: "telemetry",
            });
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.sha, (SELECT s.id FROM sessions s
                 WHERE s.project_id = c.repo AND s.branch = c.branch
                   AND c.ts BETWEEN s.started_at - ?2 AND s.last_activity_at + ?2
                 ORDER BY s.last_activity_at DESC LIMIT 1)
             FROM commits c WHERE c.repo = ?1 AND c.branch IS NOT NULL",
        )?;
        let by_time = stmt.query_map(rusqlite::params![repo, SESSION_SLACK_MS], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })?;
        for row in by_time {
            if let (sha, Some(session_id)) = row?
                && !linked.contains(&sha)
            {
                out.push(CommitSession {
                    sha,
                    session_id,
                    linked_by: "branch_time",
                });
            }
        }
        out.sort_by(|a, b| a.sha.cmp(&b.sha));
        Ok(out)
    }
}
