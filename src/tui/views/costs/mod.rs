//! Costs: a drillable tree (team → project → developer; `g` regroups by agent or model),
//! for any period (`p`, `[`, `]`, `:since`), with share, per-developer spend, a 14-day
//! trend, month-end forecast against the budget of the scope's own (`domain::budget`), and
//! ⚠ flags. This file builds the view model; `table.rs` its table, `render.rs` draws it.

use crate::domain::Money;
use crate::domain::alert_rules::Scope;
use crate::domain::bounds::sum_totals;
use crate::domain::budget::{BudgetState, BudgetStatus};
use crate::domain::period::{local_date, local_day_edges, local_day_start_ms};
use crate::store::queries::alert_inputs::InputClock;
use crate::store::queries::view_costs::{CostCell, CostDim, CostQuery};
use crate::store::{Reader, Result};
use crate::tui::state::{CostGroup, Period};
use crate::tui::widgets::table::TableData;
use chrono::{Datelike, Duration};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// A developer spending, inside one group, more than this multiple of the median
/// (developer, group) spend in scope is flagged — when above `HIGH_SPEND_FLOOR`.
pub const HIGH_SPEND_FACTOR: f64 = 3.0;
pub const HIGH_SPEND_FLOOR: Money = Money(1_000_000);
const TREND_DAYS: i64 = 14;

pub fn dim_label(d: CostDim) -> &'static str {
    match d {
        CostDim::Team => "team",
        CostDim::Project => "project",
        CostDim::Developer => "developer",
        CostDim::Agent => "agent",
        CostDim::Model => "model",
    }
}

/// The dimension shown below `path` in this grouping (`None` once every one is used).
pub fn next_dim(group: CostGroup, path: &[(CostDim, String)]) -> Option<CostDim> {
    let extras = [
        CostDim::Project,
        CostDim::Model,
        CostDim::Agent,
        CostDim::Team,
        CostDim::Developer,
    ];
    group
        .hierarchy()
        .into_iter()
        .chain(extras)
        .find(|d| !path.iter().any(|(p, _)| p == d))
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub key: String,
    pub cost: Money,
    pub tokens: i64,
    pub requests: i64,
    pub unpriced_requests: i64,
    /// The billed part of `cost` (charges stated by a vendor or agent).
    pub billed: Money,
    pub share: f64,
    pub developers: usize,
    pub per_developer: Money,
    pub trend: Vec<i64>,
    pub high_spenders: usize,
    pub low_acceptance: usize,
    /// The row's budget position against its OWN scope's budget: a team at the top of the
    /// tree against its team's, a project row (at any level) against its project's
    /// (`[[project]]`, the project's whole month); `None` for any other row or without one.
    pub budget: Option<BudgetState>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostsModel {
    pub dim: CostDim,
    pub period: Period,
    pub group: CostGroup,
    pub total: Money,
    pub unpriced_requests: i64,
    pub month_to_date: Money,
    pub forecast: Money,
    /// The scope's budget position: a team's against its budget, the whole organisation's
    /// (budgeted teams only) at the top; `None` below a team or without budgets.
    pub budget: Option<BudgetState>,
    /// What `budget` covers (`team platform`, `4 budgeted teams`).
    pub budget_scope: String,
    /// Billed in the period: stated charges on requests, plus (at the top of the tree)
    /// the vendors' organisation-wide bills; `None` when nothing was billed.
    pub billed: Option<Money>,
    pub rows: Vec<CostRow>,
    /// `MM-DD` labels of the trend's days, oldest first.
    pub trend_days: Vec<String>,
    pub table: TableData,
}

fn fold(cells: &[CostCell]) -> BTreeMap<&str, Vec<&CostCell>> {
    let mut m: BTreeMap<&str, Vec<&CostCell>> = BTreeMap::new();
    for c in cells {
        m.entry(c.key.as_str()).or_default().push(c);
    }
    m
}

pub fn load(
    reader: &Reader,
    path: &[(CostDim, String)],
    group: CostGroup,
    period: Period,
    billed_view: bool,
    now_ms: i64,
    tz: Tz,
) -> Result<CostsModel> {
    let dim = next_dim(group, path).unwrap_or(CostDim::Developer);
    let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let today = local_date(now_ms, tz);
    let span = period.span(today);
    let (since_ms, until_ms) = span.range_ms(tz);
    let q = CostQuery {
        since_ms,
        until_ms,
        filters: path.to_vec(),
    };
    let cells = reader.cost_cells(&q, dim)?;
    let month_q = CostQuery {
        since_ms: local_day_start_ms(today.with_day(1).unwrap_or(today), tz),
        until_ms: local_day_start_ms(today + Duration::days(1), tz),
        ..q.clone()
    };
    let month_cells = if month_q == q {
        cells.clone()
    } else {
        reader.cost_cells(&month_q, dim)?
    };
    // The trend ends with the period (today at the latest).
    let trend_last = span.last.min(today);
    let trend_first = trend_last - Duration::days(TREND_DAYS - 1);
    let trend_edges: Vec<i64> = local_day_edges(trend_first, TREND_DAYS, tz)
        .into_iter()
        .map(|e| e.min(until_ms))
        .collect();
    let trends = reader.cost_series(path, dim, &trend_edges)?;
    let budgets: BTreeMap<String, Money> = reader.team_budgets()?.into_iter().collect();
    // Project rows are keyed by the project's shown name; the store maps its budgets so.
    let project_budgets = if dim == CostDim::Project {
        reader.project_standing_by_label(&InputClock::at(now_ms, tz))?
    } else {
        BTreeMap::new()
    };
    // Flagged exactly as the `low_acceptance` alert rule fires: same window and thresholds.
    let rules = crate::domain::alerts::default_rules();
    let window_days =
        crate::domain::alerts::rule_named(&rules, crate::domain::alerts::names::LOW_ACCEPTANCE)
            .map_or(7, |r| (r.window_ms / 86_400_000).max(1));
    let since_day = (today - Duration::days(window_days - 1))
        .format("%Y-%m-%d")
        .to_string();
    let low_acceptance: std::collections::BTreeSet<String> = reader
        .acceptance_by_developer(&since_day)?
        .into_iter()
        .filter(|(_, s, a)| crate::domain::alerts::low_acceptance_flag(&rules, *s, *a))
        .map(|(d, _, _)| d)
        .collect();

    let local_now = now.with_timezone(&tz).naive_local();
    let forecast_of = |m: Money| crate::domain::forecast::month_end(m, local_now).month_end;
    // Per-developer spend across the whole scope, for the outlier rule.
    // A developer's spend inside one group, against the median of all such spends in scope.
    let mut spends: Vec<i64> = cells
        .iter()
        .map(|c| c.cost.micro_usd())
        .filter(|v| *v > 0)
        .collect();
    spends.sort_unstable();
    let median = spends.get(spends.len() / 2).copied().unwrap_or(0);
    let total: Money = cells.iter().map(|c| c.cost).sum();
    let month_by_key: BTreeMap<&str, Money> = fold(&month_cells)
        .into_iter()
        .map(|(k, v)| (k, v.iter().map(|c| c.cost).sum()))
        .collect();
    let trend_by_key: BTreeMap<&str, Vec<i64>> = trends
        .iter()
        .map(|(key, days)| {
            let mut v: Vec<i64> = days.iter().map(|m| m.micro_usd()).collect();
            v.resize(TREND_DAYS as usize, 0);
            (key.as_str(), v)
        })
        .collect();
    let mut rows: Vec<CostRow> = fold(&cells)
        .into_iter()
        .map(|(key, cs)| {
            let cost: Money = cs.iter().map(|c| c.cost).sum();
            let devs: Vec<&str> = cs.iter().map(|c| c.developer.as_str()).collect();
            let high = cs
                .iter()
                .filter(|c| {
                    let spend = c.cost.micro_usd();
                    median > 0
                        && spend >= HIGH_SPEND_FLOOR.micro_usd()
                        && spend as f64 > HIGH_SPEND_FACTOR * median as f64
                })
                .count();
            let low = devs.iter().filter(|d| low_acceptance.contains(**d)).count();
            // Each row against its own scope's budget: a project row (at any level) against
            // its project's, a team row at the top against its team's.
            let team_budget = (dim == CostDim::Team && path.is_empty())
                .then(|| budgets.get(key).copied())
                .flatten();
            let budget = team_budget
                .map(|b| {
                    let mtd = month_by_key.get(key).copied().unwrap_or_default();
                    let forecast = reader
                        .seasonal_forecast(Scope::Team, Some(key), mtd, now_ms, tz)
                        .map(|f| f.month_end)
                        .unwrap_or_else(|_| forecast_of(mtd));
                    BudgetState::assess(mtd, forecast, Some(b))
                })
                .or_else(|| project_budgets.get(key).map(|r| r.state))
                .filter(|b| b.status != BudgetStatus::NoBudget);
            CostRow {
                key: key.to_string(),
                cost,
                tokens: sum_totals(cs.iter().map(|c| c.tokens)),
                requests: sum_totals(cs.iter().map(|c| c.requests)),
                unpriced_requests: sum_totals(cs.iter().map(|c| c.unpriced_requests)),
                billed: cs.iter().map(|c| c.billed).sum(),
                share: if total.micro_usd() > 0 {
                    cost.micro_usd() as f64 / total.micro_usd() as f64
                } else {
                    0.0
                },
                developers: devs.len(),
                per_developer: Money::from_micro_usd(cost.micro_usd() / devs.len().max(1) as i64),
                trend: trend_by_key
                    .get(key)
                    .cloned()
                    .unwrap_or_else(|| vec![0; TREND_DAYS as usize]),
                high_spenders: high,
                low_acceptance: low,
                budget,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.key.cmp(&b.key)));
    let month_to_date: Money = month_cells.iter().map(|c| c.cost).sum();
    let forecast = match path.iter().find(|(d, _)| *d == CostDim::Team) {
        Some((_, team)) if path.len() == 1 => {
            reader
                .seasonal_forecast(Scope::Team, Some(team), month_to_date, now_ms, tz)?
                .month_end
        }
        None if path.is_empty() => {
            reader
                .seasonal_forecast(Scope::Org, None, month_to_date, now_ms, tz)?
                .month_end
        }
        _ => forecast_of(month_to_date),
    };
    // The scope's own budget: a team's when the scope is exactly that team, the budgeted
    // teams' together at the top, none below a team (a project's own budget flags its row).
    let (budget, budget_scope) = match path {
        [(CostDim::Team, team)] => (
            Some(BudgetState::assess(
                month_to_date,
                forecast,
                budgets.get(team).copied(),
            )),
            format!("team {team}"),
        ),
        [] if !budgets.is_empty() => {
            let by_team: BTreeMap<String, Money> = if dim == CostDim::Team {
                month_by_key
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect()
            } else {
                fold(&reader.cost_cells(&month_q, CostDim::Team)?)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.iter().map(|c| c.cost).sum()))
                    .collect()
            };
            let spent: Money = by_team
                .iter()
                .filter(|(t, _)| budgets.contains_key(*t))
                .map(|(_, m)| *m)
                .sum();
            (
                Some(BudgetState::assess(
                    spent,
                    forecast_of(spent),
                    Some(budgets.values().copied().sum()),
                )),
                format!("{} budgeted team(s)", budgets.len()),
            )
        }
        _ => (None, String::new()),
    };
    let budget = budget.filter(|b| b.status != BudgetStatus::NoBudget);
    let trend_days = (0..TREND_DAYS)
        .map(|i| {
            (trend_first + Duration::days(i))
                .format("%m-%d")
                .to_string()
        })
        .collect();
    let stated: Money = cells.iter().map(|c| c.billed).sum();
    let vendor_bills = if path.is_empty() {
        reader.vendor_billed(since_ms, until_ms)?
    } else {
        Money::ZERO
    };
    let billed = (stated + vendor_bills > Money::ZERO).then_some(stated + vendor_bills);
    Ok(CostsModel {
        table: table::build(&rows, dim, billed_view),
        billed,
        trend_days,
        dim,
        period,
        group,
        total,
        unpriced_requests: cells.iter().map(|c| c.unpriced_requests).sum(),
        month_to_date,
        forecast,
        budget,
        budget_scope,
        rows,
    })
}

mod render;
mod table;
pub use render::{draw, table_area};
pub use table::detail;
