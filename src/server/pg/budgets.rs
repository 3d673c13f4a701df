//! Budgets on a team server on PostgreSQL: the config's team and project monthly budgets,
//! stored at start (`set_budgets`), and the budget rules' observations (month-to-date
//! spend and the seasonal month-end forecast against each subject's own budget), computed
//! by the same domain functions as on SQLite (`domain::forecast`, `alert_observations`).

use super::{PgError, PgStore, Tx};
use crate::domain::Money;
use crate::domain::alert_observations as observe;
use crate::domain::alert_rules::{Observation, RuleSpec, Scope};
use crate::domain::forecast;
use crate::store::queries::alert_inputs::{InputClock, key_sql};
use crate::store::sums::pg_clamped_sum;

impl PgStore {
    /// Replaces every stored budget with these (team name or project id, monthly budget);
    /// a zero or negative budget is no budget.
    pub async fn set_budgets(
        &self,
        teams: &[(String, Money)],
        projects: &[(String, Money)],
    ) -> Result<(), PgError> {
        let mut conn = self.writer().await?;
        let tx = conn.client.transaction().await?;
        tx.execute("DELETE FROM budgets", &[]).await?;
        let rows = teams
            .iter()
            .map(|t| ("team", t))
            .chain(projects.iter().map(|p| ("project", p)));
        for (scope, (key, budget)) in rows.filter(|(_, (_, b))| b.micro_usd() > 0) {
            tx.execute(
                "INSERT INTO budgets (scope, key, budget_micro_usd_month) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, key) DO UPDATE SET budget_micro_usd_month = excluded.budget_micro_usd_month",
                &[&scope, key, &budget.micro_usd()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Observations of a budget rule (`budget_spent`, `budget_forecast`): one per budgeted team
/// or project; other scopes have no budgets.
pub(super) async fn observations(
    t: &mut Tx<'_, '_>,
    rule: &RuleSpec,
    clock: &InputClock,
) -> Result<Vec<Observation>, PgError> {
    let scope_name = match rule.scope {
        Scope::Team => "team",
        Scope::Project => "project",
        Scope::Org | Scope::Developer => return Ok(Vec::new()),
    };
    let mut budgets = Vec::new();
    for r in t
        .query(
            "SELECT key, budget_micro_usd_month FROM budgets WHERE scope = $1 ORDER BY key",
            &[&scope_name],
        )
        .await?
    {
        budgets.push((r.try_get::<_, String>(0)?, r.try_get::<_, i64>(1)?));
    }
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let key = key_sql(rule.scope);
    let (first, today) = forecast::history_range_ms(clock.now_ms);
    let month = format!(
        "SELECT {} FROM rollups x LEFT JOIN developers d ON d.id = x.developer
         WHERE x.bucket_start >= $1 AND x.bucket_start < $2 AND {key} = $3",
        pg_clamped_sum("x.cost_micro_usd")
    );
    // Whole UTC days from the 15-minute buckets (SQLite reads its daily tier).
    let daily = format!(
        "SELECT x.bucket_start - (x.bucket_start % 86400000), {} FROM rollups x
         LEFT JOIN developers d ON d.id = x.developer
         WHERE x.bucket_start >= $1 AND x.bucket_start < $2 AND {key} = $3 GROUP BY 1",
        pg_clamped_sum("x.cost_micro_usd")
    );
    let mut rows = Vec::with_capacity(budgets.len());
    for (subject, budget) in budgets {
        let mtd: i64 = t
            .query(&month, &[&clock.month_start_ms, &clock.now_ms, &subject])
            .await?
            .first()
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(0);
        let mut days = Vec::new();
        for r in t.query(&daily, &[&first, &today, &subject]).await? {
            days.push((r.try_get(0)?, Money::from_micro_usd(r.try_get(1)?)));
        }
        let f =
            forecast::seasonal_from_days(days, Money::from_micro_usd(mtd), clock.now_ms, clock.tz);
        rows.push((subject, Money::from_micro_usd(budget), f));
    }
    Ok(observe::budget(rule.scope, rule.metric, rows))
}
