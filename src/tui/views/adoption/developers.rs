//! Adoption's Developers table: every developer of the directory with team, role and
//! tenure, active working days and the agents used in the period, and the row's detail.

use super::LOW_ADOPTION;
use crate::tui::format;
use crate::tui::views::detail::DetailModel;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{Cell, Role, TableData, Value};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub struct DevAdoption {
    pub id: String,
    pub developer: String,
    pub team: String,
    /// Free text from the directory (`[directory] csv`, config); `None` when not known.
    pub role: Option<String>,
    pub started_on: Option<NaiveDate>,
    /// Whole days since `started_on`, counted to the period's last day.
    pub tenure_days: Option<i64>,
    pub active_days: usize,
    pub working_days: usize,
    /// Agents (and vendor sources: `cursor`, `copilot`) used in the period.
    pub agents: Vec<String>,
    /// Active on fewer than [`LOW_ADOPTION`] of the working days.
    pub low: bool,
}

pub fn table(devs: &[DevAdoption]) -> TableData {
    let rows = devs
        .iter()
        .map(|d| {
            vec![
                Cell::new(d.developer.clone()),
                Cell::new(d.team.clone()),
                Cell::new(d.role.clone().unwrap_or_else(|| "–".into())),
                match d.tenure_days {
                    Some(t) => Cell::new(format::tenure(t)).with(Value::Rank(t)),
                    None => Cell::styled("–", Role::Muted).with(Value::Rank(-1)),
                },
                Cell::new(format!("{}/{}d", d.active_days, d.working_days))
                    .with(Value::Int(d.active_days as i64)),
                Cell::new(d.agents.join(" ")),
                if d.low {
                    Cell::styled("⚠ low", Role::Warning).with(Value::Rank(1))
                } else {
                    Cell::new("").with(Value::Rank(0))
                },
            ]
        })
        .collect();
    TableData::new(
        vec![
            Column::text("developer", 0, 8),
            Column::text("team", 2, 6),
            Column::text("role", 1, 6),
            Column::number("tenure", 1),
            Column::number("active", 0),
            Column::text("agents", 3, 6),
            Column::whole("", 0),
        ],
        rows,
    )
}

pub fn detail(d: &DevAdoption) -> DetailModel {
    let mut fields = vec![
        ("developer".into(), d.developer.clone()),
        ("id".into(), d.id.clone()),
        ("team".into(), d.team.clone()),
        (
            "role".into(),
            d.role
                .clone()
                .unwrap_or_else(|| "– (not in the directory: [directory] csv)".into()),
        ),
        (
            "tenure".into(),
            match (d.started_on, d.tenure_days) {
                (Some(on), Some(t)) => format!("{} (started {on})", format::tenure(t)),
                _ => "– (no start date in the directory)".into(),
            },
        ),
        (
            "active".into(),
            format!(
                "{} of {} working days in the period used an agent ({})",
                d.active_days,
                d.working_days,
                format::percent(d.active_days as i64, d.working_days as i64)
            ),
        ),
        (
            "agents".into(),
            if d.agents.is_empty() {
                "none in the period".into()
            } else {
                d.agents.join(", ")
            },
        ),
    ];
    if d.low {
        fields.push((
            "flag".into(),
            format!(
                "⚠ low adopter: active on fewer than {:.0}% of working days",
                LOW_ADOPTION * 100.0
            ),
        ));
    }
    DetailModel::new(format!("developer {}", d.developer), fields)
}
