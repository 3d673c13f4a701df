//! The console's Overview question: today's sessions and agent mix, tokens, acceptance,
//! spend today and month-to-date (per team, for budgets), and the spend of the period on
//! screen per local day and per developer. Aggregates come from the rollup tiers and
//! `sessions`, never from raw requests.

use super::names::Names;
use super::rollup_scan::{Bins, Grain, RollupRow, Spend};
use crate::domain::Money;
use crate::domain::bounds::add_to_total;
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::HashMap;

/// Raw figures for the Overview; the console formats and derives (forecast, shares).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewFigures {
    /// Sessions active since the start of today, per agent id.
    pub sessions_by_agent: Vec<(String, i64)>,
    pub sessions_today: i64,
    /// Sessions whose last activity is at or after [`OverviewBounds::running_since_ms`].
    pub running_sessions: i64,
    /// Mean length (last activity − start) of today's sessions, in milliseconds.
    pub avg_session_ms: i64,
    pub tokens_today: i64,
    pub output_tokens_today: i64,
    pub spend_today: Money,
    pub unpriced_today: i64,
    pub spend_month: Money,
    /// Month-to-date spend per team (teams with spend this month).
    pub team_month: Vec<(String, Money)>,
    /// Monthly budgets of the teams that have one.
    pub budgets: Vec<(String, Money)>,
    /// Vendor suggestions and acceptances over the last 7 days (Copilot, Cursor, …).
    pub suggestions_7d: i64,
    pub acceptances_7d: i64,
    pub lines_accepted_7d: i64,
    /// Vendor-reported use over the last 7 days per source (`copilot`, `cursor`, …; IDE use
    /// that has no local session): (source, developers, suggestions, acceptances).
    pub vendor_7d: Vec<(String, i64, i64, i64)>,
    /// Spend per local day of the period ([`OverviewBounds::period_edges`]), oldest first.
    pub spend_by_day: Vec<Money>,
    /// Requests in the period that had no price.
    pub period_unpriced: i64,
    /// The period's spend per developer with their unpriced requests (developers with
    /// requests in the period).
    pub spend_by_developer: Vec<(String, Money, i64)>,
}

/// UTC millisecond bounds the Overview needs (computed by the caller in its time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewBounds {
    pub now_ms: i64,
    /// The earliest last activity that counts as running (`domain::session_state`).
    pub running_since_ms: i64,
    /// Local day starts from the first of this month through tomorrow's: the last day is
    /// today.
    pub month_day_edges: Vec<i64>,
    /// Local day starts of the period on screen, then the start of the day after it.
    pub period_edges: Vec<i64>,
}

impl OverviewBounds {
    fn today_start_ms(&self) -> i64 {
        let n = self.month_day_edges.len();
        self.month_day_edges
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
            .prepare_cached(
                "SELECT count(*) FROM sessions INDEXED BY sessions_by_activity
                 WHERE last_activity_at >= ?1",
            )?
            .query_row([b.running_since_ms], |r| r.get(0))?;
        let names = Names::load(self)?;
        self.overview_month(b, &names, &mut f)?;
        self.overview_period(b, &mut f)?;
        f.budgets = self.team_budgets()?;
        let (s, a, l): (i64, i64, i64) = self.conn.prepare_cached(
            "SELECT coalesce(sum(suggestions), 0), coalesce(sum(acceptances), 0), coalesce(sum(lines_accepted), 0)
             FROM daily_usage WHERE day >= ?1",
        )?
        .query_row([week_ago_day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        (f.suggestions_7d, f.acceptances_7d, f.lines_accepted_7d) = (s, a, l);
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, count(DISTINCT developer), sum(suggestions), sum(acceptances)
             FROM daily_usage WHERE day >= ?1 AND developer <> ''
               AND (suggestions > 0 OR requests > 0)
             GROUP BY source ORDER BY 2 DESC, source",
        )?;
        let rows = stmt.query_map([week_ago_day], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        f.vendor_7d = rows.collect::<rusqlite::Result<_>>()?;
        Ok(f)
    }

    /// Today's tokens and spend, month to date in all and per team: one scan of this month's
    /// days.
    fn overview_month(
        &self,
        b: &OverviewBounds,
        names: &Names,
        f: &mut OverviewFigures,
    ) -> Result<()> {
        let bins = Bins::new(b.month_day_edges.iter().copied());
        let today = bins.len().checked_sub(1);
        let mut teams: HashMap<&str, i64> = HashMap::new();
        let (mut tokens, mut output, mut spend_today, mut unpriced_today) =
            (0i64, 0i64, 0i64, 0i64);
        let mut month = 0i64;
        let grain = Grain {
            developer: true,
            ..Grain::default()
        };
        self.scan_rollups(&bins, grain, |bin, row: &RollupRow<Spend>, sign| {
            month = add_to_total(month, sign * row.m.cost_micro_usd);
            let team = teams.entry(names.team(row.developer)).or_default();
            *team = add_to_total(*team, sign * row.m.cost_micro_usd);
            if Some(bin) == today {
                tokens = add_to_total(tokens, sign * row.m.tokens);
                output = add_to_total(output, sign * row.m.output_tokens);
                spend_today = add_to_total(spend_today, sign * row.m.cost_micro_usd);
                unpriced_today = add_to_total(unpriced_today, sign * row.m.unpriced_requests);
            }
        })?;
        f.tokens_today = tokens;
        f.output_tokens_today = output;
        f.spend_today = Money::from_micro_usd(spend_today);
        f.unpriced_today = unpriced_today;
        f.spend_month = Money::from_micro_usd(month);
        let mut team_month: Vec<(String, Money)> = teams
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|(t, v)| (t.to_string(), Money::from_micro_usd(v)))
            .collect();
        team_month.sort();
        f.team_month = team_month;
        Ok(())
    }

    /// The period's spend per local day and per developer: one scan of the period's days.
    fn overview_period(&self, b: &OverviewBounds, f: &mut OverviewFigures) -> Result<()> {
        let bins = Bins::new(b.period_edges.iter().copied());
        let mut by_day = vec![0i64; bins.len()];
        let mut devs: HashMap<String, (i64, i64, i64)> = HashMap::new();
        let mut unpriced = 0i64;
        let grain = Grain {
            developer: true,
            ..Grain::default()
        };
        self.scan_rollups(&bins, grain, |bin, row: &RollupRow<Spend>, sign| {
            by_day[bin] = add_to_total(by_day[bin], sign * row.m.cost_micro_usd);
            unpriced = add_to_total(unpriced, sign * row.m.unpriced_requests);
            let dev = match devs.get_mut(row.developer) {
                Some(d) => d,
                None => devs.entry(row.developer.to_string()).or_default(),
            };
            dev.0 = add_to_total(dev.0, sign * row.m.requests);
            dev.1 = add_to_total(dev.1, sign * row.m.cost_micro_usd);
            dev.2 = add_to_total(dev.2, sign * row.m.unpriced_requests);
        })?;
        f.spend_by_day = by_day.into_iter().map(Money::from_micro_usd).collect();
        f.period_unpriced = unpriced;
        f.spend_by_developer = devs
            .into_iter()
            .filter(|(_, (requests, _, _))| *requests != 0)
            .map(|(dev, (_, cost, unpriced))| (dev, Money::from_micro_usd(cost), unpriced))
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
