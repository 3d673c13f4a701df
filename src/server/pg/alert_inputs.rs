//! What the alert rules measure, summed on PostgreSQL from the rows the team server keeps
//! (rollups, events, sessions, the directory, vendor daily usage pushed by consoles) and
//! turned into observations by the same rules as on SQLite (`domain::alert_observations`);
//! budgets in `budgets`.

use super::{PgError, Tx};
use crate::domain::Money;
use crate::domain::alert_observations as observe;
use crate::domain::alert_rules::{Metric, Observation, RuleSpec, Scope};
use crate::store::queries::alert_inputs::{InputClock, key_sql};
use crate::store::sums::pg_clamped_sum;
use std::collections::BTreeMap;

/// Observations for every subject of `rule`'s scope.
pub(super) async fn observations(
    t: &mut Tx<'_, '_>,
    rule: &RuleSpec,
    clock: &InputClock,
) -> Result<Vec<Observation>, PgError> {
    let now = clock.now_ms;
    let w = rule.window_ms.max(60_000);
    let key = key_sql(rule.scope);
    match rule.metric {
        Metric::Spend => {
            let current = spend_by(t, rule.scope, now - w, now).await?;
            let baseline = spend_by(t, rule.scope, now - w - rule.baseline_ms, now - w).await?;
            let periods = (rule.baseline_ms as f64 / w as f64).max(1.0);
            let first: Option<i64> = t
                .query("SELECT min(bucket_start) FROM rollups", &[])
                .await?
                .first()
                .map(|r| r.try_get(0))
                .transpose()?
                .flatten();
            // Judge a baseline only with at least three windows of history behind it.
            let history = first.is_some_and(|first| first <= now - 4 * w);
            Ok(observe::spend(
                rule.scope, current, &baseline, periods, history,
            ))
        }
        Metric::RateLimited => {
            let sql = format!(
                "SELECT {key}, e.ts FROM events e JOIN sessions x ON x.id = e.session_id
                 LEFT JOIN developers d ON d.id = x.developer
                 WHERE e.kind = 'api_error' AND e.status_code = 429 AND e.ts >= $1 AND e.ts < $2"
            );
            let mut by: BTreeMap<String, Vec<i64>> = BTreeMap::new();
            for r in t.query(&sql, &[&(now - w), &now]).await? {
                by.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
            }
            Ok(observe::rate_limited(rule.scope, by))
        }
        Metric::ApiErrorRate => {
            let current = error_rate_by(t, rule.scope, now - w, now).await?;
            let baseline =
                error_rate_by(t, rule.scope, now - w - rule.baseline_ms, now - w).await?;
            Ok(observe::api_error_rate(rule.scope, current, &baseline))
        }
        Metric::UnapprovedUse => {
            if clock.approved_agents.is_empty() && clock.approved_models.is_empty() {
                return Ok(Vec::new());
            }
            let sql = format!(
                "SELECT {key}, x.agent, x.model, {} FROM rollups x
                 LEFT JOIN developers d ON d.id = x.developer
                 WHERE x.bucket_start >= $1 AND x.bucket_start < $2 GROUP BY 1, 2, 3",
                pg_clamped_sum("x.requests")
            );
            let mut rows = Vec::new();
            for r in t.query(&sql, &[&(now - w), &now]).await? {
                rows.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
            }
            Ok(observe::unapproved_use(
                rule.scope,
                rows,
                &clock.approved_agents,
                &clock.approved_models,
            ))
        }
        Metric::PermissionSkip => {
            let sql = format!(
                "SELECT {key}, count(DISTINCT e.session_id) FROM events e
                 JOIN sessions x ON x.id = e.session_id
                 LEFT JOIN developers d ON d.id = x.developer
                 WHERE e.kind = 'permission_skip' AND e.ts >= $1 AND e.ts < $2 GROUP BY 1"
            );
            let mut rows = Vec::new();
            for r in t.query(&sql, &[&(now - w), &now]).await? {
                rows.push((r.try_get(0)?, r.try_get(1)?));
            }
            Ok(observe::counts(rule.scope, rows))
        }
        // Vendor daily usage carries no project.
        Metric::AcceptanceRate if rule.scope == Scope::Project => Ok(Vec::new()),
        Metric::AcceptanceRate => {
            let since = observe::acceptance_since_day(now, w);
            let sql = format!(
                "SELECT {key}, {}, {} FROM daily_usage x
                 LEFT JOIN developers d ON d.id = x.developer
                 WHERE x.day >= $1 AND x.developer <> '' GROUP BY 1",
                pg_clamped_sum("x.suggestions"),
                pg_clamped_sum("x.acceptances")
            );
            let mut rows = Vec::new();
            for r in t.query(&sql, &[&since]).await? {
                rows.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
            }
            Ok(observe::acceptance(rule.scope, rows))
        }
        Metric::BudgetSpent | Metric::BudgetForecast => {
            super::budgets::observations(t, rule, clock).await
        }
    }
}

/// Priced spend per scope key over `[from, to)` (15-minute buckets).
async fn spend_by(
    t: &mut Tx<'_, '_>,
    scope: Scope,
    from: i64,
    to: i64,
) -> Result<BTreeMap<String, Money>, PgError> {
    let sql = format!(
        "SELECT {}, {} FROM rollups x LEFT JOIN developers d ON d.id = x.developer
         WHERE x.bucket_start >= $1 AND x.bucket_start < $2 GROUP BY 1",
        key_sql(scope),
        pg_clamped_sum("x.cost_micro_usd")
    );
    let mut out = BTreeMap::new();
    for r in t.query(&sql, &[&from, &to]).await? {
        out.insert(r.try_get(0)?, Money::from_micro_usd(r.try_get(1)?));
    }
    Ok(out)
}

/// (API errors, requests) per scope key over `[from, to)`.
async fn error_rate_by(
    t: &mut Tx<'_, '_>,
    scope: Scope,
    from: i64,
    to: i64,
) -> Result<BTreeMap<String, (i64, i64)>, PgError> {
    let key = key_sql(scope);
    let mut out: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let requests = format!(
        "SELECT {key}, {} FROM rollups x LEFT JOIN developers d ON d.id = x.developer
         WHERE x.bucket_start >= $1 AND x.bucket_start < $2 GROUP BY 1",
        pg_clamped_sum("x.requests")
    );
    for r in t.query(&requests, &[&from, &to]).await? {
        out.entry(r.try_get(0)?).or_default().1 = r.try_get(1)?;
    }
    let errors = format!(
        "SELECT {key}, count(*) FROM events e JOIN sessions x ON x.id = e.session_id
         LEFT JOIN developers d ON d.id = x.developer
         WHERE e.kind = 'api_error' AND e.ts >= $1 AND e.ts < $2 GROUP BY 1"
    );
    for r in t.query(&errors, &[&from, &to]).await? {
        out.entry(r.try_get(0)?).or_default().0 = r.try_get(1)?;
    }
    Ok(out)
}
