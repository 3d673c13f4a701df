//! The console's Overview question: today's sessions and agent mix, tokens, acceptance,
//! spend today / month-to-date against budgets, and daily spend for the sparkline.
//! Aggregates come from `rollups` and `sessions`, never from raw requests.

use crate::domain::Money;
use crate::store::Reader;
use crate::store::error::Result;

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
    /// Spend per 15-minute bucket start since `since` (folded into days by the caller).
    pub spend_buckets: Vec<(i64, Money)>,
}

/// UTC millisecond bounds the Overview needs (computed by the caller in its time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverviewBounds {
    pub now_ms: i64,
    pub today_start_ms: i64,
    pub month_start_ms: i64,
    pub trend_start_ms: i64,
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
            let mut stmt = self.conn.prepare_cached(
                "SELECT agent, count(*), coalesce(sum(last_activity_at - started_at), 0)
                 FROM sessions WHERE last_activity_at >= ?1 GROUP BY agent ORDER BY count(*) DESC, agent",
            )?;
            let mut total_ms = 0i64;
            let rows = stmt.query_map([b.today_start_ms], |r| {
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
        let (tokens, output, spend_today): (i64, i64, i64) = self.conn.prepare_cached(
            "SELECT coalesce(sum(input_tokens + output_tokens + cache_write_5m + cache_write_1h + cache_read), 0),
                    coalesce(sum(output_tokens), 0), coalesce(sum(cost_micro_usd), 0)
             FROM rollups WHERE bucket_start >= ?1",
        )?
        .query_row([b.today_start_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        f.tokens_today = tokens;
        f.output_tokens_today = output;
        f.spend_today = Money::from_micro_usd(spend_today);
        f.spend_month = Money::from_micro_usd(
            self.conn
                .prepare_cached(
                    "SELECT coalesce(sum(cost_micro_usd), 0) FROM rollups WHERE bucket_start >= ?1",
                )?
                .query_row([b.month_start_ms], |r| r.get(0))?,
        );
        let budget: Option<i64> = self
            .conn
            .prepare_cached("SELECT sum(budget_micro_usd_month) FROM teams")?
            .query_row([], |r| r.get(0))?;
        f.budget_month = budget.filter(|b| *b > 0).map(Money::from_micro_usd);
        let (s, a, l): (i64, i64, i64) = self.conn.prepare_cached(
            "SELECT coalesce(sum(suggestions), 0), coalesce(sum(acceptances), 0), coalesce(sum(lines_accepted), 0)
             FROM daily_usage WHERE day >= ?1",
        )?
        .query_row([week_ago_day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        (f.suggestions_7d, f.acceptances_7d, f.lines_accepted_7d) = (s, a, l);
        let mut stmt = self.conn.prepare_cached(
            "SELECT bucket_start, sum(cost_micro_usd) FROM rollups WHERE bucket_start >= ?1
             GROUP BY bucket_start ORDER BY bucket_start",
        )?;
        let rows = stmt.query_map([b.trend_start_ms], |r| {
            Ok((r.get::<_, i64>(0)?, Money::from_micro_usd(r.get(1)?)))
        })?;
        f.spend_buckets = rows.collect::<rusqlite::Result<_>>()?;
        Ok(f)
    }

    /// The newest activity anywhere in the store (for the status bar's data age).
    pub fn latest_activity_ms(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT max(last_activity_at) FROM sessions")?
            .query_row([], |r| r.get(0))?)
    }
}
