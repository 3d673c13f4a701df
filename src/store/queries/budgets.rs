//! Where each budgeted scope stands this month: the team budgets (`[[team]]`) and project
//! budgets (`[[project]]`), each row's month-to-date spend and seasonal month-end forecast
//! judged against its OWN budget by `domain::budget` — for `report budget`, the alert
//! rules and the console's Costs view.

use super::alert_inputs::InputClock;
use crate::domain::Money;
use crate::domain::alert_rules::Scope;
use crate::domain::budget::BudgetState;
use crate::domain::forecast::Forecast;
use crate::store::Reader;
use crate::store::error::Result;
use std::collections::BTreeMap;

/// One budgeted team or project.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRow {
    pub scope: Scope,
    /// The team name or project id.
    pub key: String,
    pub budget: Money,
    pub forecast: Forecast,
    pub state: BudgetState,
}

impl Reader {
    /// Project monthly budgets by project id (projects without one are left out).
    pub fn project_budgets(&self) -> Result<Vec<(String, Money)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT project_id, budget_micro_usd_month FROM project_budgets
             WHERE budget_micro_usd_month > 0 ORDER BY project_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, Money::from_micro_usd(r.get(1)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every budgeted subject of `scope` (teams or projects; other scopes have none).
    pub fn budget_standing(&self, scope: Scope, clock: &InputClock) -> Result<Vec<BudgetRow>> {
        let budgets = match scope {
            Scope::Team => self.team_budgets()?,
            Scope::Project => self.project_budgets()?,
            Scope::Org | Scope::Developer => return Ok(Vec::new()),
        };
        if budgets.is_empty() {
            return Ok(Vec::new());
        }
        let month = self.spend_by(scope, clock.month_start_ms, clock.now_ms)?;
        let mut out = Vec::with_capacity(budgets.len());
        for (key, budget) in budgets {
            let mtd = month.get(&key).copied().unwrap_or_default();
            let forecast =
                self.seasonal_forecast(scope, Some(&key), mtd, clock.now_ms, clock.tz)?;
            let state =
                BudgetState::assess(forecast.month_to_date, forecast.month_end, Some(budget));
            out.push(BudgetRow {
                scope,
                key,
                budget,
                forecast,
                state,
            });
        }
        Ok(out)
    }

    /// The budgeted projects' standing keyed by the name the cost tree shows for each
    /// (its display name, else its id), so the console's project rows are judged against
    /// their own budget. A label two projects share is left out: its row sums both
    /// projects and is no single budget's scope (`report budget` still lists each).
    pub fn project_standing_by_label(
        &self,
        clock: &InputClock,
    ) -> Result<BTreeMap<String, BudgetRow>> {
        let rows = self.budget_standing(Scope::Project, clock)?;
        if rows.is_empty() {
            return Ok(BTreeMap::new());
        }
        let names = super::names::Names::load(self)?;
        Ok(rows
            .into_iter()
            .filter(|r| !names.project_label_shared(&r.key))
            .map(|r| (names.project_label(&r.key).to_string(), r))
            .collect())
    }
}
