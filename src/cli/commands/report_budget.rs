//! `agentdeck report budget`: every team and project with a monthly budget, its
//! month-to-date spend and seasonal month-end forecast (with its band) against its OWN
//! budget (`domain::budget`), the same standing the alert rules judge. Table, JSON or CSV.

use crate::cli::args::ReportArgs;
use crate::cli::context::Context;
use crate::cli::listing::Listing;
use crate::domain::alert_rules::Scope;
use crate::domain::budget::BudgetStatus;
use crate::store::Reader;
use crate::store::queries::alert_inputs::InputClock;
use crate::store::queries::budgets::BudgetRow;
use crate::tui::widgets::columns::Align;
use serde_json::{Value, json};
use std::io::Write;

fn status(s: BudgetStatus) -> &'static str {
    match s {
        BudgetStatus::NoBudget => "no_budget",
        BudgetStatus::OnTrack => "on_track",
        BudgetStatus::ForecastOver => "forecast_over",
        BudgetStatus::Breached => "breached",
    }
}

pub fn run(ctx: &Context, reader: &Reader, args: &ReportArgs) -> anyhow::Result<()> {
    let clock = InputClock::at(chrono::Utc::now().timestamp_millis(), ctx.tz);
    let mut rows: Vec<BudgetRow> = reader.budget_standing(Scope::Team, &clock)?;
    rows.extend(reader.budget_standing(Scope::Project, &clock)?);
    let mut out = std::io::stdout().lock();
    let usd = |m: crate::domain::Money| m.as_usd();
    if args.output.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "scope": r.scope.as_str(), "name": r.key, "budget_usd": usd(r.budget),
                    "spent_usd": usd(r.forecast.month_to_date),
                    "forecast_usd": usd(r.forecast.month_end),
                    "forecast_low_usd": usd(r.forecast.low),
                    "forecast_high_usd": usd(r.forecast.high),
                    "spent_ratio": r.state.spent_ratio, "forecast_ratio": r.state.forecast_ratio,
                    "status": status(r.state.status),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "budgets": list }))?;
        writeln!(out)?;
    } else if args.output.csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "scope",
            "name",
            "budget_usd",
            "spent_usd",
            "forecast_usd",
            "forecast_low_usd",
            "forecast_high_usd",
            "status",
        ])?;
        for r in &rows {
            w.write_record([
                r.scope.as_str().to_string(),
                r.key.clone(),
                format!("{:.2}", usd(r.budget)),
                format!("{:.6}", usd(r.forecast.month_to_date)),
                format!("{:.6}", usd(r.forecast.month_end)),
                format!("{:.6}", usd(r.forecast.low)),
                format!("{:.6}", usd(r.forecast.high)),
                status(r.state.status).to_string(),
            ])?;
        }
        w.flush()?;
    } else {
        let mut list = Listing::new(&[
            ("SCOPE", Align::Left),
            ("NAME", Align::Left),
            ("BUDGET", Align::Right),
            ("SPENT", Align::Right),
            ("FORECAST (80% BAND)", Align::Right),
            ("STATUS", Align::Left),
        ]);
        for r in &rows {
            let f = &r.forecast;
            list.row([
                r.scope.as_str().to_string(),
                r.key.clone(),
                r.budget.to_string(),
                f.month_to_date.to_string(),
                format!("{} ({}–{})", f.month_end, f.low, f.high),
                r.state.flag().unwrap_or_else(|| "on track".into()),
            ]);
        }
        list.write(&mut out)?;
        if rows.is_empty() {
            writeln!(
                out,
                "no budgets: set `budget_usd_month` on a [[team]] or a [[project]] in the config"
            )?;
        }
    }
    Ok(())
}
