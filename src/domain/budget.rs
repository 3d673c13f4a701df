//! A scope's monthly budget against its spend: **over** when month-to-date spend has reached
//! the budget, **heading over** when the month-end forecast reaches `forecast_ratio` of it,
//! else within. One rule for the console's flags and headers and the budget alerts, always
//! applied to the budget of the scope's own (a team's spend against that team's budget).

use super::Money;

/// The forecast share of the budget that counts as heading over, unless configured.
pub const DEFAULT_FORECAST_RATIO: f64 = 1.0;

/// Worst first when sorted descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BudgetLevel {
    Within,
    /// The month-end forecast (an estimate) reaches the budget.
    ForecastOver,
    /// Month-to-date spend has reached the budget.
    Over,
}

/// A scope's budget position this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetState {
    pub spent: Money,
    pub forecast: Money,
    pub budget: Money,
    pub level: BudgetLevel,
}

impl BudgetState {
    /// Month-to-date spend as a share of the budget.
    pub fn spent_ratio(&self) -> f64 {
        self.spent.micro_usd() as f64 / self.budget.micro_usd().max(1) as f64
    }

    /// The month-end forecast as a share of the budget.
    pub fn forecast_ratio(&self) -> f64 {
        self.forecast.micro_usd() as f64 / self.budget.micro_usd().max(1) as f64
    }

    pub fn is_warning(&self) -> bool {
        self.level != BudgetLevel::Within
    }
}

/// The state of a scope that spent `spent` this month, forecast to reach `forecast`, against
/// its own monthly `budget`. No budget (or a zero one): no state.
pub fn assess(
    spent: Money,
    forecast: Money,
    budget: Option<Money>,
    forecast_ratio: f64,
) -> Option<BudgetState> {
    let budget = budget.filter(|b| b.micro_usd() > 0)?;
    let level = if spent >= budget {
        BudgetLevel::Over
    } else if forecast.as_usd() >= budget.as_usd() * forecast_ratio {
        BudgetLevel::ForecastOver
    } else {
        BudgetLevel::Within
    };
    Some(BudgetState {
        spent,
        forecast,
        budget,
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(x: f64) -> Money {
        Money::from_usd(x)
    }

    #[test]
    fn spent_over_budget_is_over_not_only_a_forecast() {
        // $1,317 of $1,200 spent: over, whatever the forecast says.
        let s = assess(usd(1317.0), usd(2600.0), Some(usd(1200.0)), 1.0).unwrap();
        assert_eq!(s.level, BudgetLevel::Over);
        assert!(s.spent_ratio() > 1.09);
        let s = assess(usd(1200.0), usd(1200.0), Some(usd(1200.0)), 1.0).unwrap();
        assert_eq!(s.level, BudgetLevel::Over);
    }

    #[test]
    fn forecast_over_and_within() {
        let s = assess(usd(700.0), usd(1300.0), Some(usd(1200.0)), 1.0).unwrap();
        assert_eq!(s.level, BudgetLevel::ForecastOver);
        let s = assess(usd(700.0), usd(1000.0), Some(usd(1200.0)), 0.8).unwrap();
        assert_eq!(s.level, BudgetLevel::ForecastOver);
        let s = assess(usd(100.0), usd(300.0), Some(usd(1200.0)), 1.0).unwrap();
        assert_eq!(s.level, BudgetLevel::Within);
        assert!(!s.is_warning());
    }

    #[test]
    fn no_budget_no_state() {
        assert!(assess(usd(5.0), usd(9.0), None, 1.0).is_none());
        assert!(assess(usd(5.0), usd(9.0), Some(Money::ZERO), 1.0).is_none());
    }
}
