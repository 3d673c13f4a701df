//! Budget state: the one definition of how a row's spend and forecast stand against a
//! budget — always the budget of the row's own scope (a team row against its team's
//! budget, never a sum or a parent's). Overview, Costs and the alert rules all use it.

use super::Money;

/// Where a scope stands this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BudgetStatus {
    /// No budget for this scope: nothing to judge.
    NoBudget,
    /// Spent and forecast both under the budget.
    OnTrack,
    /// The month-end forecast reaches the budget.
    ForecastOver,
    /// Month-to-date spend has reached the budget.
    Breached,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetState {
    pub status: BudgetStatus,
    pub budget: Option<Money>,
    pub spent: Money,
    pub forecast: Money,
    /// spent / budget and forecast / budget (None without a budget).
    pub spent_ratio: Option<f64>,
    pub forecast_ratio: Option<f64>,
}

impl BudgetState {
    /// Judges `spent` (month to date) and `forecast` (month end) against `budget`, the
    /// monthly budget of the same scope. A zero or missing budget is no budget.
    pub fn assess(spent: Money, forecast: Money, budget: Option<Money>) -> BudgetState {
        let budget = budget.filter(|b| b.micro_usd() > 0);
        let ratio = |m: Money| budget.map(|b| m.micro_usd() as f64 / b.micro_usd() as f64);
        let status = match budget {
            None => BudgetStatus::NoBudget,
            Some(b) if spent >= b => BudgetStatus::Breached,
            Some(b) if forecast >= b => BudgetStatus::ForecastOver,
            Some(_) => BudgetStatus::OnTrack,
        };
        BudgetState {
            status,
            budget,
            spent,
            forecast,
            spent_ratio: ratio(spent),
            forecast_ratio: ratio(forecast),
        }
    }

    /// A short flag for tables (`⚠ over budget`, `⚠ forecast 112% of budget`), or `None`.
    pub fn flag(&self) -> Option<String> {
        match self.status {
            BudgetStatus::Breached => Some(format!(
                "⚠ over budget ({:.0}%)",
                self.spent_ratio.unwrap_or(0.0) * 100.0
            )),
            BudgetStatus::ForecastOver => Some(format!(
                "⚠ forecast {:.0}% of budget",
                self.forecast_ratio.unwrap_or(0.0) * 100.0
            )),
            BudgetStatus::NoBudget | BudgetStatus::OnTrack => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(v: f64) -> Money {
        Money::from_usd(v)
    }

    #[test]
    fn states() {
        let cases = [
            (
                usd(1200.0),
                usd(1300.0),
                Some(usd(1000.0)),
                BudgetStatus::Breached,
            ),
            (
                usd(600.0),
                usd(1000.0),
                Some(usd(1000.0)),
                BudgetStatus::ForecastOver,
            ),
            (
                usd(600.0),
                usd(900.0),
                Some(usd(1000.0)),
                BudgetStatus::OnTrack,
            ),
            (usd(600.0), usd(900.0), None, BudgetStatus::NoBudget),
            (
                usd(600.0),
                usd(900.0),
                Some(Money::ZERO),
                BudgetStatus::NoBudget,
            ),
        ];
        for (spent, forecast, budget, want) in cases {
            let s = BudgetState::assess(spent, forecast, budget);
            assert_eq!(s.status, want, "{spent} {forecast} {budget:?}");
            assert_eq!(s.flag().is_some(), want >= BudgetStatus::ForecastOver);
        }
        let s = BudgetState::assess(usd(600.0), usd(1120.0), Some(usd(1000.0)));
        assert_eq!(s.flag().as_deref(), Some("⚠ forecast 112% of budget"));
    }

    /// The console's flags and the built-in budget alert rules judge alike: the rule that
    /// fires names the state the console shows, and no rule fires for a scope on track.
    #[test]
    fn the_console_and_the_default_budget_rules_agree() {
        use crate::domain::alerts::{budget as rule, names};
        let budget = Some(usd(1000.0));
        for (spent, forecast) in [
            (1317.0, 2600.0),
            (1000.0, 1000.0),
            (999.0, 1500.0),
            (600.0, 1000.0),
            (600.0, 999.0),
            (0.0, 0.0),
        ] {
            let state = BudgetState::assess(usd(spent), usd(forecast), budget);
            let fired = rule("team:x", usd(spent), usd(forecast), budget).map(|f| f.rule);
            let want = match state.status {
                BudgetStatus::Breached => Some(names::BUDGET_BREACH.to_string()),
                BudgetStatus::ForecastOver => Some(names::BUDGET_FORECAST.to_string()),
                BudgetStatus::OnTrack | BudgetStatus::NoBudget => None,
            };
            assert_eq!(fired, want, "spent {spent}, forecast {forecast}");
        }
    }
}
