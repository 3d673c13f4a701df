//! The console's Overview question: today's sessions and agent mix, tokens, acceptance,
//! spend today / month-to-date against budgets, and daily spend for the sparkline.
//! Aggregates come from the rollup tiers and `sessions`, never from raw requests.

use super::rollup_scan::{Bins, Grain, RollupRow, Spend};
use crate::domain::Money;
use crate::domain::bounds::{add_to_total, sum_totals};
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::HashMap;

/// Raw figures for the Overview; the console formats and derives (forecast, shares).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewFigures {
    /// Sessions active since the start of today, per agent id.
    pub sessions_by_agent: Vec<(String, i64)>,
    pub sessions_today: i64,
    /// Sessions with activity in the last 5 minutes.
    pub running_sessions: i64,
    /// Mean length (last activity − start) of today's sessions, in milliseconds.
    pub avg_session_ms: i64,
    pub tokens_today: i64,
    pub output_tokens_today: i64,
    pub spend_today: Money,
    pub spend_month: Money,
    /// Sum of team budgets; `None` when no team has one.
    pub budget_month: Option<Money>,
    /// Vendor suggestions and acceptances over the last 7 days (Copilot, Cursor, …).
    pub suggestions_7d: i64,
    pub acceptances_7d: i64,
    pub lines_accepted_7d: i64,
    /// Spend per local day of [`OverviewBounds::day_edges`], oldest first.
    pub spend_by_day: Vec<Money>,
    /// Today's spend per developer (developers with requests today).
    pub spend_today_by_developer: Vec<(String, Money)>,
}

/// UTC millisecond bounds the Overview needs (computed by the caller in its time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewBounds {
    pub now_ms: i64,
    /// Local day starts, oldest first, ending with tomorrow's: the last day is today. They
    /// reach back at least to the start of the month.
    pub day_edges: Vec<i64>,
    pub month_start_ms: i64,
}

impl OverviewBounds {
    fn today_start_ms(&self) -> i64 {
        let n = self.day_edges.len();
        self.day_edges
            .get(n.saturating_sub(2))
            .copied()
            .unwrap_or(self.now_ms)
    }
}

impl Reader {
    /// `week_ago_day` is `YYYY-MM-DD` seven days ago, for vendor day rows.
    pub fn overview_figures(
        &self,
        b: &OverviewBounds,
        week_ago_day: &str,
    ) -> Result<OverviewFigures> {
        let mut f = OverviewFigures::default();
        {
            // Named index: without statistics the planner would walk every session in agent
            // order to avoid a sort, instead of today's few hundred by activity.
            let mut stmt = self.conn.prepare_cached(
                "SELECT agent, count(*), coalesce(sum(last_activity_at - started_at), 0)
                 FROM sessions INDEXED BY sessions_by_activity WHERE last_activity_at >= ?1
                 GROUP BY agent ORDER BY count(*) DESC, agent",
            )?;
            let mut total_ms = 0i64;
            let rows = stmt.query_map([b.today_start_ms()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (agent, n, ms) = row?;
                f.sessions_today += n;
                total_ms += ms;
                f.sessions_by_agent.push((agent, n));
            }
            if f.sessions_today > 0 {
                f.avg_session_ms = total_ms / f.sessions_today;
            }
        }
        f.running_sessions = self
            .conn
            .prepare_cached("SELECT count(*) FROM sessions WHERE last_activity_at >= ?1")?
            .query_row([b.now_ms - 5 * 60_000], |r| r.get(0))?;
        self.overview_spend(b, &mut f)?;
        let budget: Option<i64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM teams",
                super::wide_sum::wide_sum("budget_micro_usd_month")
            ))?
            .query_row([], |r| r.get(0))?;
        f.budget_month = budget.filter(|b| *b > 0).map(Money::from_micro_usd);
        let (s, a, l): (i64, i64, i64) = self.conn.prepare_cached(
            "SELECT coalesce(sum(suggestions), 0), coalesce(sum(acceptances), 0), coalesce(sum(lines_accepted), 0)
             FROM daily_usage WHERE day >= ?1",
        )?
        .query_row([week_ago_day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        (f.suggestions_7d, f.acceptances_7d, f.lines_accepted_7d) = (s, a, l);
        Ok(f)
    }

    /// Spend per local day, today's tokens and spend per developer, month to date: one scan
    /// of the rollup tiers over the days of `b`.
    fn overview_spend(&self, b: &OverviewBounds, f: &mut OverviewFigures) -> Result<()> {
        let bins = Bins::new(b.day_edges.iter().copied());
        let today = bins.len().checked_sub(1);
        let mut by_day = vec![0i64; bins.len()];
        let mut today_devs: HashMap<String, (i64, i64)> = HashMap::new();
        let (mut tokens, mut output) = (0i64, 0i64);
        let grain = Grain {
            developer: true,
            ..Grain::default()
        };
        self.scan_rollups(&bins, grain, |bin, row: &RollupRow<Spend>, sign| {
            by_day[bin] = add_to_total(by_day[bin], sign * row.m.cost_micro_usd);
            if Some(bin) == today {
                tokens = add_to_total(tokens, sign * row.m.tokens);
                output = add_to_total(output, sign * row.m.output_tokens);
                let dev = match today_devs.get_mut(row.developer) {
                    Some(d) => d,
                    None => today_devs.entry(row.developer.to_string()).or_default(),
                };
                dev.0 = add_to_total(dev.0, sign * row.m.requests);
                dev.1 = add_to_total(dev.1, sign * row.m.cost_micro_usd);
            }
        })?;
        f.tokens_today = tokens;
        f.output_tokens_today = output;
        f.spend_today = Money::from_micro_usd(today.map_or(0, |i| by_day[i]));
        f.spend_month = Money::from_micro_usd(sum_totals(
            by_day
                .iter()
                .zip(&b.day_edges)
                .filter(|(_, start)| **start >= b.month_start_ms)
                .map(|(v, _)| *v),
        ));
        f.spend_by_day = by_day.into_iter().map(Money::from_micro_usd).collect();
        f.spend_today_by_developer = today_devs
            .into_iter()
            .filter(|(_, (requests, _))| *requests != 0)
            .map(|(dev, (_, cost))| (dev, Money::from_micro_usd(cost)))
            .collect();
        Ok(())
    }

    /// The newest activity anywhere in the store (for the status bar's data age).
    pub fn latest_activity_ms(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT max(last_activity_at) FROM sessions")?
            .query_row([], |r| r.get(0))?)
    }
}
