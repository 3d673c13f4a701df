//! The Costs table (one row per group of the level on screen, with its flags) and the
//! detail pane of a row.

use super::{CostRow, CostsModel, HIGH_SPEND_FACTOR, dim_label};
use crate::domain::budget::{BudgetState, BudgetStatus};
use crate::store::queries::view_costs::CostDim;
use crate::tui::format;
use crate::tui::views::detail::DetailModel;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{Cell, Role, TableData, Value};
use crate::tui::widgets::{bar, spark};

/// `⚠ over budget $1,317 of $1,200` or `⚠ forecast $2,600 > budget $1,200`.
pub fn budget_flag(b: &BudgetState) -> Option<String> {
    let budget = b.budget?;
    match b.status {
        BudgetStatus::Breached => Some(format!(
            "⚠ over budget {} of {}",
            format::money(b.spent),
            format::money(budget)
        )),
        BudgetStatus::ForecastOver => Some(format!(
            "⚠ forecast {} > budget {}",
            format::money(b.forecast),
            format::money(budget)
        )),
        BudgetStatus::NoBudget | BudgetStatus::OnTrack => None,
    }
}

/// Every flag of a row, worst first.
pub fn flags(r: &CostRow) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(f) = r.budget.as_ref().and_then(budget_flag) {
        flags.push(f);
    }
    if r.high_spenders > 0 {
        flags.push(format!("⚠ {} high spend", r.high_spenders));
    }
    if r.low_acceptance > 0 {
        flags.push(format!("⚠ {} low accept", r.low_acceptance));
    }
    if r.unpriced_requests > 0 {
        flags.push(format!("{} unpriced", r.unpriced_requests));
    }
    flags
}

/// `billed`: the spend columns show billed amounts (`b`) instead of computed ones.
pub fn build(rows: &[CostRow], dim: CostDim, billed: bool) -> TableData {
    let columns = vec![
        Column::text(dim_label(dim), 0, 8),
        Column::number(if billed { "billed" } else { "spend" }, 0),
        Column::number("share", 1),
        Column::decoration("", 5),
        Column::number("tokens", 4),
        Column::number("devs", 3),
        Column::number("per dev", 2),
        Column::decoration("14d trend", 3),
        Column::text("flags", 1, 10),
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let flags = flags(r);
            let role = if flags.iter().any(|f| f.starts_with('⚠')) {
                Role::Warning
            } else {
                Role::Muted
            };
            let shown = if billed {
                Cell::new(format::money(r.billed)).with(Value::Micros(r.billed.micro_usd()))
            } else {
                Cell::new(format::spend(r.cost, r.unpriced_requests))
                    .with(Value::Micros(r.cost.micro_usd()))
            };
            vec![
                Cell::new(r.key.clone()),
                shown,
                Cell::new(format!("{:.0}%", r.share * 100.0)).with(Value::Float(r.share)),
                Cell::styled(bar(r.share, 10), Role::Series(0)),
                Cell::new(format::count(r.tokens)).with(Value::Int(r.tokens)),
                Cell::new(r.developers.to_string()).with(Value::Int(r.developers as i64)),
                Cell::new(format::spend(r.per_developer, r.unpriced_requests))
                    .with(Value::Micros(r.per_developer.micro_usd())),
                Cell::styled(spark(&r.trend), Role::Series(1)),
                Cell::styled(flags.join(" · "), role).with(Value::Rank(
                    r.budget.map_or(0, |b| b.status as i64 * 100)
                        + (r.high_spenders + r.low_acceptance) as i64,
                )),
            ]
        })
        .collect();
    TableData::new(columns, cells)
}

/// Every figure of one row, with its flags spelled out.
pub fn detail(m: &CostsModel, r: &CostRow) -> DetailModel {
    let mut fields = vec![
        (dim_label(m.dim).to_string(), r.key.clone()),
        ("period".into(), m.period.to_string()),
        (
            "spend".into(),
            format!("{} computed", format::spend(r.cost, r.unpriced_requests)),
        ),
        ("billed".into(), format::money(r.billed)),
        (
            "share".into(),
            format!("{:.1}% of {}", r.share * 100.0, format::money(m.total)),
        ),
        ("requests".into(), r.requests.to_string()),
        ("unpriced requests".into(), r.unpriced_requests.to_string()),
        ("tokens".into(), format::count(r.tokens)),
        ("developers".into(), r.developers.to_string()),
        ("per developer".into(), format::money(r.per_developer)),
        (
            "last 14 days".into(),
            r.trend
                .iter()
                .zip(&m.trend_days)
                .map(|(v, d)| {
                    format!(
                        "{d} {}",
                        format::money(crate::domain::Money::from_micro_usd(*v))
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ];
    if let Some(b) = r.budget {
        fields.push((
            "budget".into(),
            format!(
                "{} spent this month{} of {}; month-end forecast {} (estimate){}",
                format::money(b.spent),
                if m.dim == CostDim::Project {
                    " (the whole project)"
                } else {
                    ""
                },
                format::money(b.budget.unwrap_or_default()),
                format::money(b.forecast),
                budget_flag(&b)
                    .map(|f| format!(" — {f}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if r.high_spenders > 0 {
        fields.push((
            "high spend".into(),
            format!(
                "{} developer(s) above {HIGH_SPEND_FACTOR}× the median spend in scope",
                r.high_spenders
            ),
        ));
    }
    if r.low_acceptance > 0 {
        fields.push((
            "low acceptance".into(),
            format!(
                "{} developer(s) flagged by the low_acceptance rule (`agentdeck alerts rules`)",
                r.low_acceptance
            ),
        ));
    }
    DetailModel::new(format!("{} {}", dim_label(m.dim), r.key), fields)
}
