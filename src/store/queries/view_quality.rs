//! The console's Quality question: AI-assisted versus human outcomes over a window — pull
//! requests (merged, first-review merges, reverts, review turnaround, coverage), commits
//! (reverts, lines) and incidents (AI-linked).

use crate::store::Reader;
use crate::store::error::Result;

/// Outcome counts for one side (AI-assisted or human).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OutcomeSide {
    pub prs: i64,
    pub merged: i64,
    pub merged_first_review: i64,
    pub reverted_prs: i64,
    /// Mean hours from open to first review, over PRs that had one.
    pub review_turnaround_h: Option<f64>,
    pub coverage_delta: Option<f64>,
    pub commits: i64,
    pub reverted_commits: i64,
    pub lines_added: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QualityFacts {
    pub ai: OutcomeSide,
    pub human: OutcomeSide,
    /// AI-assisted PRs per agent: (agent, prs, merged, reverted).
    pub by_agent: Vec<(String, i64, i64, i64)>,
    pub incidents: i64,
    pub ai_incidents: i64,
    /// The newest incidents: (id, severity, title, ai_linked, opened_at).
    pub recent_incidents: Vec<(String, String, String, bool, i64)>,
}

impl Reader {
    /// Outcomes opened (PRs, incidents) or made (commits) in `[since, until)`.
    pub fn quality_facts(&self, since_ms: i64, until_ms: i64) -> Result<QualityFacts> {
        let mut f = QualityFacts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT ai_agent IS NOT NULL, count(*), count(merged_at),
                    sum(merged_at IS NOT NULL AND review_rounds <= 1), sum(reverted),
                    avg(CASE WHEN first_review_at IS NOT NULL THEN (first_review_at - opened_at) / 3600000.0 END),
                    avg(coverage_delta)
             FROM pull_requests WHERE opened_at >= ?1 AND opened_at < ?2 GROUP BY 1",
        )?;
        let mut rows = stmt.query([since_ms, until_ms])?;
        while let Some(r) = rows.next()? {
            let side = if r.get::<_, bool>(0)? {
                &mut f.ai
            } else {
                &mut f.human
            };
            side.prs = r.get(1)?;
            side.merged = r.get(2)?;
            side.merged_first_review = r.get::<_, Option<i64>>(3)?.unwrap_or(0);
            side.reverted_prs = r.get::<_, Option<i64>>(4)?.unwrap_or(0);
            side.review_turnaround_h = r.get(5)?;
            side.coverage_delta = r.get(6)?;
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT ai_agent IS NOT NULL, count(*), count(reverted_by), sum(lines_added)
             FROM commits WHERE ts >= ?1 AND ts < ?2 GROUP BY 1",
        )?;
        let mut rows = stmt.query([since_ms, until_ms])?;
        while let Some(r) = rows.next()? {
            let side = if r.get::<_, bool>(0)? {
                &mut f.ai
            } else {
                &mut f.human
            };
            side.commits = r.get(1)?;
            side.reverted_commits = r.get(2)?;
            side.lines_added = r.get::<_, Option<i64>>(3)?.unwrap_or(0);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT ai_agent, count(*), count(merged_at), sum(reverted) FROM pull_requests
             WHERE opened_at >= ?1 AND opened_at < ?2 AND ai_agent IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )?;
        let rows = stmt.query_map([since_ms, until_ms], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            ))
        })?;
        f.by_agent = rows.collect::<rusqlite::Result<_>>()?;
        (f.incidents, f.ai_incidents) = self
            .conn
            .prepare_cached(
                "SELECT count(*), coalesce(sum(ai_linked), 0) FROM incidents WHERE opened_at >= ?1 AND opened_at < ?2",
            )?
            .query_row([since_ms, until_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, severity, coalesce(title, ''), ai_linked, opened_at FROM incidents
             WHERE opened_at >= ?1 AND opened_at < ?2 ORDER BY opened_at DESC LIMIT 20",
        )?;
        let rows = stmt.query_map([since_ms, until_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        f.recent_incidents = rows.collect::<rusqlite::Result<_>>()?;
        Ok(f)
    }

    /// Every commit (`false`) and merged PR (`true`) in `[since, until)` as (author, ts),
    /// for Replay's per-work-session outcomes.
    pub fn outcome_times(&self, since_ms: i64, until_ms: i64) -> Result<Vec<(String, i64, bool)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT author, ts, 0 FROM commits WHERE ts >= ?1 AND ts < ?2
             UNION ALL
             SELECT author, merged_at, 1 FROM pull_requests WHERE merged_at >= ?1 AND merged_at < ?2",
        )?;
        let rows = stmt.query_map([since_ms, until_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
