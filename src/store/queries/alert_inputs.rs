//! What the alert rules measure, read from the store: one observation per subject of a
//! rule's scope (spend over a window and its trailing baseline, 429 bursts, API error rate,
//! vendor acceptance, month-to-date spend and the seasonal forecast against budget,
//! unapproved agents or models, permission-skipping sessions).

use super::wide_sum::wide_sum;
use crate::domain::Money;
use crate::domain::alert_observations as observe;
use crate::domain::alert_rules::{Metric, Observation, RuleSpec, Scope};
use crate::domain::forecast;
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::BTreeMap;

/// Times and policy the measurements need.
#[derive(Debug, Clone)]
pub struct InputClock {
    pub now_ms: i64,
    /// Local start of the month.
    pub month_start_ms: i64,
    /// The user's zone (month edges, forecast weekdays).
    pub tz: chrono_tz::Tz,
    /// `[policy]`: approved agent ids and model patterns (empty: all approved).
    pub approved_agents: Vec<String>,
    pub approved_models: Vec<String>,
}

impl InputClock {
    /// The clock at `now_ms` in zone `tz`, with no policy.
    pub fn at(now_ms: i64, tz: chrono_tz::Tz) -> InputClock {
        let today = crate::domain::period::local_date(now_ms, tz);
        let first = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
        InputClock {
            now_ms,
            month_start_ms: crate::domain::period::local_day_start_ms(first, tz),
            tz,
            approved_agents: Vec::new(),
            approved_models: Vec::new(),
        }
    }
}

/// The SQL expression grouping rows of a table with a `developer` column by scope.
pub(crate) fn key_sql(scope: Scope) -> &'static str {
    match scope {
        Scope::Org => "'org'",
        Scope::Team => "coalesce(d.team, 'unassigned')",
        Scope::Developer => "x.developer",
        // Rollups and sessions carry a project; vendor daily usage does not.
        Scope::Project => "coalesce(x.project_id, '')",
    }
}

pub use crate::domain::alert_observations::model_approved;

impl Reader {
    /// Observations for every subject of `rule`'s scope.
    pub fn observations(&self, rule: &RuleSpec, clock: &InputClock) -> Result<Vec<Observation>> {
        let now = clock.now_ms;
        let w = rule.window_ms.max(60_000);
        match rule.metric {
            Metric::Spend => {
                let current = self.spend_by(rule.scope, now - w, now)?;
                let base_from = now - w - rule.baseline_ms;
                let baseline = self.spend_by(rule.scope, base_from, now - w)?;
                let periods = (rule.baseline_ms as f64 / w as f64).max(1.0);
                // Judge a baseline only with at least three windows of history behind it.
                let history = self
                    .first_spend_ms()?
                    .is_some_and(|first| first <= now - 4 * w);
                Ok(observe::spend(
                    rule.scope, current, &baseline, periods, history,
                ))
            }
            Metric::RateLimited => {
                let mut by: BTreeMap<String, Vec<i64>> = BTreeMap::new();
                let sql = format!(
                    "SELECT {}, e.ts FROM events e JOIN sessions x ON x.id = e.session_id
                     LEFT JOIN developers d ON d.id = x.developer
                     WHERE e.kind = 'api_error' AND e.status_code = 429 AND e.ts >= ?1 AND e.ts < ?2",
                    key_sql(rule.scope)
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                for row in stmt.query_map([now - w, now], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })? {
                    let (k, ts) = row?;
                    by.entry(k).or_default().push(ts);
                }
                Ok(observe::rate_limited(rule.scope, by))
            }
            Metric::ApiErrorRate => {
                let current = self.error_rate_by(rule.scope, now - w, now)?;
                let baseline =
                    self.error_rate_by(rule.scope, now - w - rule.baseline_ms, now - w)?;
                Ok(observe::api_error_rate(rule.scope, current, &baseline))
            }
            Metric::AcceptanceRate if rule.scope == Scope::Project => Ok(Vec::new()),
            Metric::AcceptanceRate => {
                let since = observe::acceptance_since_day(now, w);
                let sql = format!(
                    "SELECT {}, sum(x.suggestions), sum(x.acceptances) FROM daily_usage x
                     LEFT JOIN developers d ON d.id = x.developer
                     WHERE x.day >= ?1 AND x.developer <> '' GROUP BY 1",
                    key_sql(rule.scope)
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let rows = stmt
                    .query_map([since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<Vec<(String, i64, i64)>>>()?;
                Ok(observe::acceptance(rule.scope, rows))
            }
            Metric::BudgetSpent | Metric::BudgetForecast => self.budget_observations(rule, clock),
            Metric::UnapprovedUse => {
                if clock.approved_agents.is_empty() && clock.approved_models.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT {}, x.agent, x.model, sum(x.requests) FROM rollups x
                     LEFT JOIN developers d ON d.id = x.developer
                     WHERE x.bucket_start >= ?1 AND x.bucket_start < ?2 GROUP BY 1, 2, 3",
                    key_sql(rule.scope)
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let rows = stmt.query_map([now - w, now], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })?;
                let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(observe::unapproved_use(
                    rule.scope,
                    rows,
                    &clock.approved_agents,
                    &clock.approved_models,
                ))
            }
            Metric::PermissionSkip => {
                let sql = format!(
                    "SELECT {}, count(DISTINCT e.session_id) FROM events e JOIN sessions x ON x.id = e.session_id
                     LEFT JOIN developers d ON d.id = x.developer
                     WHERE e.kind = 'permission_skip' AND e.ts >= ?1 AND e.ts < ?2 GROUP BY 1",
                    key_sql(rule.scope)
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let rows = stmt.query_map([now - w, now], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?;
                let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(observe::counts(rule.scope, rows))
            }
        }
    }

    fn first_spend_ms(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT min(bucket_start) FROM rollups_day")?
            .query_row([], |r| r.get(0))?)
    }

    /// Priced spend per scope key over `[from, to)` (15-minute buckets).
    pub(crate) fn spend_by(
        &self,
        scope: Scope,
        from: i64,
        to: i64,
    ) -> Result<BTreeMap<String, Money>> {
        let sql = format!(
            "SELECT {}, {} FROM rollups x LEFT JOIN developers d ON d.id = x.developer
             WHERE x.bucket_start >= ?1 AND x.bucket_start < ?2 GROUP BY 1",
            key_sql(scope),
            wide_sum("x.cost_micro_usd")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (k, micro) = row?;
            out.insert(k, Money::from_micro_usd(micro));
        }
        Ok(out)
    }

    /// (API errors, requests) per scope key over `[from, to)`.
    fn error_rate_by(
        &self,
        scope: Scope,
        from: i64,
        to: i64,
    ) -> Result<BTreeMap<String, (i64, i64)>> {
        let mut out: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let requests = format!(
            "SELECT {}, sum(x.requests) FROM rollups x LEFT JOIN developers d ON d.id = x.developer
             WHERE x.bucket_start >= ?1 AND x.bucket_start < ?2 GROUP BY 1",
            key_sql(scope)
        );
        let mut stmt = self.conn.prepare_cached(&requests)?;
        for row in stmt.query_map([from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (k, n) = row?;
            out.entry(k).or_default().1 = n;
        }
        let errors = format!(
            "SELECT {}, count(*) FROM events e JOIN sessions x ON x.id = e.session_id
             LEFT JOIN developers d ON d.id = x.developer
             WHERE e.kind = 'api_error' AND e.ts >= ?1 AND e.ts < ?2 GROUP BY 1",
            key_sql(scope)
        );
        let mut stmt = self.conn.prepare_cached(&errors)?;
        for row in stmt.query_map([from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (k, n) = row?;
            out.entry(k).or_default().0 = n;
        }
        Ok(out)
    }

    /// The seasonal month-end forecast of one scope key (`None`: everything in scope)
    /// from up to `forecast::HISTORY_DAYS` whole UTC days of history before today (the
    /// daily rollup tier: a few rows per day) and the exact `month_to_date`.
    pub fn seasonal_forecast(
        &self,
        scope: Scope,
        key: Option<&str>,
        month_to_date: Money,
        now_ms: i64,
        tz: chrono_tz::Tz,
    ) -> Result<forecast::Forecast> {
        let (first, today_utc) = forecast::history_range_ms(now_ms);
        let filter = match (scope, key) {
            (Scope::Org, _) | (_, None) => "?3 IS NULL OR 1 = 1".to_string(),
            (s, Some(_)) => format!("{} = ?3", key_sql(s)),
        };
        // Only a project's history needs the project column; the narrow daily tier (one row
        // per day, developer and agent) has the same spend in a fraction of the rows.
        let table = if scope == Scope::Project {
            "rollups_day"
        } else {
            "rollups_day_dev"
        };
        let sql = format!(
            "SELECT x.bucket_start, {spend} FROM {table} x
             LEFT JOIN developers d ON d.id = x.developer
             WHERE x.bucket_start >= ?1 AND x.bucket_start < ?2 AND ({filter}) GROUP BY 1",
            spend = wide_sum("x.cost_micro_usd")
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let daily = stmt
            .query_map(rusqlite::params![first, today_utc, key], |r| {
                Ok((r.get::<_, i64>(0)?, Money::from_micro_usd(r.get(1)?)))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(forecast::seasonal_from_days(
            daily,
            month_to_date,
            now_ms,
            tz,
        ))
    }

    fn budget_observations(&self, rule: &RuleSpec, clock: &InputClock) -> Result<Vec<Observation>> {
        // Budgets exist per team (`[[team]] budget_usd_month`) and per project
        // (`[[project]] budget_usd_month`); each row is judged against its own.
        let rows = self
            .budget_standing(rule.scope, clock)?
            .into_iter()
            .map(|row| (row.key, row.budget, row.forecast))
            .collect();
        Ok(observe::budget(rule.scope, rule.metric, rows))
    }
}
