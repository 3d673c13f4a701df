//! The Quality question (console view and `report quality`): AI-assisted versus human
//! outcomes over a window — pull requests (merged, first-review merges, reverts, review
//! turnaround, coverage), commits (reverts, fixes, lines), incidents (AI-linked), and the
//! agents' spend per merged pull request; `ticket_outcomes` answers `report ticket`.

use super::rollup_scan::{Bins, Grain, RollupRow, Spend};
use super::wide_sum::wide_sum;
use crate::domain::bounds::add_to_total;
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
    /// PRs that reported a coverage delta (the denominator of `coverage_delta`).
    pub coverage_prs: i64,
    /// PRs that had a first review (the denominator of `review_turnaround_h`).
    pub reviewed_prs: i64,
    /// Mean hours from open to merge, over merged PRs.
    pub time_to_merge_h: Option<f64>,
    pub commits: i64,
    pub reverted_commits: i64,
    /// Commits a later commit names as fixing them.
    pub fixed_commits: i64,
    /// Reverted or fixed (counted once).
    pub defective_commits: i64,
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
    /// Priced agent spend over the window (micro-USD), for cost per merged PR.
    pub spend_micro_usd: i64,
}

impl Reader {
    /// Outcomes opened (PRs, incidents) or made (commits) in `[since, until)`.
    pub fn quality_facts(&self, since_ms: i64, until_ms: i64) -> Result<QualityFacts> {
        let mut f = QualityFacts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT ai_agent IS NOT NULL, count(*), count(merged_at),
                    sum(merged_at IS NOT NULL AND review_rounds <= 1), sum(reverted),
                    avg(CASE WHEN first_review_at IS NOT NULL THEN (first_review_at - opened_at) / 3600000.0 END),
                    avg(coverage_delta), count(coverage_delta), count(first_review_at),
                    avg(CASE WHEN merged_at IS NOT NULL THEN (merged_at - opened_at) / 3600000.0 END)
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
            side.coverage_prs = r.get(7)?;
            side.reviewed_prs = r.get(8)?;
            side.time_to_merge_h = r.get(9)?;
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT ai_agent IS NOT NULL, count(*), count(reverted_by), sum(lines_added),
                    count(fixed_by), sum(reverted_by IS NOT NULL OR fixed_by IS NOT NULL)
             FROM commits WHERE ts >= ?1 AND ts < ?2 AND is_merge = 0 GROUP BY 1",
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
            side.fixed_commits = r.get(4)?;
            side.defective_commits = r.get::<_, Option<i64>>(5)?.unwrap_or(0);
        }
        // From the coarsest rollup tier that covers the period exactly (a year reads ~365
        // daily rows per developer and agent, not ~35,000 quarter-hours of every key).
        let mut spend = 0i64;
        self.scan_rollups(
            &Bins::range(since_ms, until_ms),
            Grain::default(),
            |_, row: &RollupRow<Spend>, sign| {
                spend = add_to_total(spend, sign * row.m.cost_micro_usd);
            },
        )?;
        f.spend_micro_usd = spend;
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

/// One ticket's outcomes (`report ticket`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketOutcome {
    pub ticket: String,
    pub commits: i64,
    pub ai_commits: i64,
    pub pull_requests: i64,
    pub merged: i64,
    pub sessions: i64,
    /// Priced spend of the sessions whose branch names the ticket (micro-USD).
    pub cost_micro_usd: i64,
    pub unpriced_tokens: i64,
}

impl Reader {
    /// Tickets seen in `[since_ms, until_ms)` in commits (merges excluded, as in
    /// `quality_facts`), pull requests (opened) and session branches (last active).
    /// `ticket_of_branch` extracts a ticket key from a branch name (a domain rule).
    pub fn ticket_outcomes(
        &self,
        since_ms: i64,
        until_ms: i64,
        ticket_of_branch: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<TicketOutcome>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ticket_key, count(*), count(ai_agent) FROM commits
             WHERE ts >= ?1 AND ts < ?2 AND ticket_key IS NOT NULL AND is_merge = 0 GROUP BY 1",
        )?;
        let rows: Vec<(String, i64, i64)> = stmt
            .query_map([since_ms, until_ms], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut merged: std::collections::BTreeMap<String, TicketOutcome> = rows
            .into_iter()
            .map(|(t, n, ai)| {
                let e = TicketOutcome {
                    ticket: t.clone(),
                    commits: n,
                    ai_commits: ai,
                    ..TicketOutcome::default()
                };
                (t, e)
            })
            .collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT coalesce(ticket_key, title_ticket), count(*), count(merged_at) FROM pull_requests
             WHERE opened_at >= ?1 AND opened_at < ?2 AND coalesce(ticket_key, title_ticket) IS NOT NULL
             GROUP BY 1",
        )?;
        for row in stmt.query_map([since_ms, until_ms], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (t, n, m) = row?;
            let e = merged.entry(t.clone()).or_insert_with(|| TicketOutcome {
                ticket: t,
                ..TicketOutcome::default()
            });
            e.pull_requests += n;
            e.merged += m;
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT branch, count(*), {}, {} FROM sessions
             WHERE last_activity_at >= ?1 AND last_activity_at < ?2 AND branch IS NOT NULL
                 AND branch <> '' GROUP BY 1",
            wide_sum("cost_micro_usd"),
            wide_sum("unpriced_tokens")
        ))?;
        for row in stmt.query_map([since_ms, until_ms], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })? {
            let (branch, n, cost, unpriced) = row?;
            if let Some(t) = ticket_of_branch(&branch) {
                let e = merged.entry(t.clone()).or_insert_with(|| TicketOutcome {
                    ticket: t,
                    ..TicketOutcome::default()
                });
                e.sessions += n;
                e.cost_micro_usd = add_to_total(e.cost_micro_usd, cost);
                e.unpriced_tokens = add_to_total(e.unpriced_tokens, unpriced);
            }
        }
        let mut list: Vec<TicketOutcome> = merged.into_values().collect();
        list.sort_by(|a, b| {
            b.cost_micro_usd
                .cmp(&a.cost_micro_usd)
                .then_with(|| a.ticket.cmp(&b.ticket))
        });
        Ok(list)
    }
}
