//! Adoption over the period (`p`, `[`, `]`): how many of each team's developers use an
//! agent on each weekday (or in each of the 8 weeks to the period's end, `w`), per-agent
//! reach in the period's last 7 days (local sessions and vendor-reported days: Cursor,
//! Copilot), and every developer with role and tenure from the directory, low adopters
//! (< 30% of the period's working days) first.
//!
//! ```text
//! ┌ Active by weekday, 30d ───────────────────────┐┌ Agent reach, 7d ──────────┐
//! │ team       Mon   Tue   Wed   Thu   Fri  Sat …  ││ claude_code ████  62%     │
//! │ platform   ▓ 78% █ 91% ▓ 80% ▒ 60% ░ 30% · 0%  ││ copilot     ██    31%     │
//! └────────────────────────────────────────────────┘└───────────────────────────┘
//! ┌ Developers: role and tenure (directory), active workdays ─────────────────────┐
//! │▶ bob   security  SRE       3mo   1/20d  copilot       ⚠ low                  │
//! └───────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::DrawCtx;
use crate::domain::period::{local_date, local_day_edges};
use crate::domain::span::Period;
use crate::store::{Reader, Result};
use crate::tui::state::Screen;
use crate::tui::widgets::table::TableData;
use crate::tui::widgets::{bar, shade, table};
use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::collections::{BTreeMap, BTreeSet};

mod developers;
pub use developers::{DevAdoption, detail};

const WEEKS: usize = 8;
/// A developer active on fewer than this share of working days is a low adopter.
pub const LOW_ADOPTION: f64 = 0.30;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Debug, Clone, PartialEq)]
pub struct TeamHeat {
    pub team: String,
    pub size: usize,
    /// Share of the team active, per weekday (Mon..Sun), averaged over the window.
    pub weekdays: [f64; 7],
    /// Share of the team active at least once, per week, oldest first.
    pub weeks: Vec<f64>,
    pub share_30d: f64,
}

/// One developer of the directory in the period: who they are (role and tenure from the
/// directory) and how much they used an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionModel {
    pub teams: Vec<TeamHeat>,
    /// (agent, developers using it in the last 7 days, share of all developers).
    pub agents: Vec<(String, usize, f64)>,
    /// Every developer, low adopters first (fewest active days first).
    pub developers: Vec<DevAdoption>,
    pub needs_enablement: Vec<String>,
    pub week_labels: Vec<String>,
    /// The first day counted when the store's data begins inside the window (earlier days
    /// have no data: neither active nor idle).
    pub counted_from: Option<NaiveDate>,
    pub period: Period,
    /// Days of the period up to today (the heatmap's window).
    pub window_days: i64,
    pub table: TableData,
}

impl AdoptionModel {
    /// The low adopters, fewest active days first.
    pub fn low(&self) -> impl Iterator<Item = &DevAdoption> {
        self.developers.iter().filter(|d| d.low)
    }
}

pub fn load(reader: &Reader, period: Period, now_ms: i64, tz: Tz) -> Result<AdoptionModel> {
    let today = local_date(now_ms, tz);
    let span = period.span(today);
    // The window ends with the period, never after today (future days have no activity).
    let last = span.last.min(today);
    let window_first = span.first.min(last);
    let weeks_first = last - Duration::days((WEEKS * 7) as i64 - 1);
    let first = window_first.min(weeks_first);
    let n_days = (last - first).num_days() + 1;
    let facts = reader.activity_facts(
        &local_day_edges(first, n_days, tz),
        &first.format("%Y-%m-%d").to_string(),
        &last.format("%Y-%m-%d").to_string(),
    )?;
    let mut active: BTreeSet<(String, NaiveDate)> = BTreeSet::new();
    let mut agent_devs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Agents (and vendor sources) each developer used in the period.
    let mut dev_agents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (dev, agent, i) in &facts.agent_days {
        let day = first + Duration::days(*i as i64);
        active.insert((dev.clone(), day));
        if day >= window_first {
            dev_agents
                .entry(dev.clone())
                .or_default()
                .insert(agent.clone());
        }
        if (last - day).num_days() < 7 {
            agent_devs
                .entry(agent.clone())
                .or_default()
                .insert(dev.clone());
        }
    }
    for (dev, source, day) in &facts.vendor_days {
        if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            active.insert((dev.clone(), d));
            if d >= window_first && d <= last {
                dev_agents
                    .entry(dev.clone())
                    .or_default()
                    .insert(source.clone());
            }
            if (last - d).num_days() < 7 {
                agent_devs
                    .entry(source.clone())
                    .or_default()
                    .insert(dev.clone());
            }
        }
    }
    let mut teams: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (id, label, team) in &facts.developers {
        teams
            .entry(team.clone())
            .or_default()
            .push((id.clone(), label.clone()));
    }
    // Developers seen only in usage (a local identity, a vendor's user not in the
    // directory) are in no team: `unassigned`, as the directory calls them.
    let known: BTreeSet<&str> = facts
        .developers
        .iter()
        .map(|(id, _, _)| id.as_str())
        .collect();
    let unknown: BTreeSet<&String> = active
        .iter()
        .map(|(dev, _)| dev)
        .filter(|d| !known.contains(d.as_str()))
        .collect();
    for dev in unknown {
        teams
            .entry("unassigned".into())
            .or_default()
            .push((dev.clone(), dev.clone()));
    }
    let window_days = (last - window_first).num_days() + 1;
    // Days before the store's first activity have no data: they count neither as active
    // nor as idle (a team that installed agentdeck last week is not 20 % active).
    let data_first = reader.data_begins_after(first, tz)?;
    let counted_from = data_first
        .filter(|d| *d > window_first)
        .map(|d| d.min(last + Duration::days(1)));
    let days: Vec<NaiveDate> = (0..window_days)
        .map(|i| window_first + Duration::days(i))
        .filter(|d| counted_from.is_none_or(|c| *d >= c))
        .collect();
    let working: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect();
    let directory: BTreeMap<String, crate::store::queries::directory::DirectoryEntry> = reader
        .directory()?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let mut heat = Vec::new();
    let mut developers = Vec::new();
    for (team, members) in &teams {
        let n = members.len().max(1) as f64;
        let mut weekdays = [0.0; 7];
        for (wd, slot) in weekdays.iter_mut().enumerate() {
            let these: Vec<&NaiveDate> = days
                .iter()
                .filter(|d| d.weekday().num_days_from_monday() as usize == wd)
                .collect();
            let hits: usize = these
                .iter()
                .map(|d| {
                    members
                        .iter()
                        .filter(|(id, _)| active.contains(&(id.clone(), **d)))
                        .count()
                })
                .sum();
            *slot = if these.is_empty() {
                f64::NAN // no such weekday since the first data
            } else {
                hits as f64 / (n * these.len() as f64)
            };
        }
        let weeks = (0..WEEKS)
            .map(|w| {
                let start = weeks_first + Duration::days((w * 7) as i64);
                if data_first.is_some_and(|d| start + Duration::days(6) < d) {
                    return f64::NAN; // a week before any data
                }
                let users = members
                    .iter()
                    .filter(|(id, _)| {
                        (0..7).any(|d| active.contains(&(id.clone(), start + Duration::days(d))))
                    })
                    .count();
                users as f64 / n
            })
            .collect();
        let mut used = 0;
        for (id, label) in members {
            let active_days = working
                .iter()
                .filter(|d| active.contains(&(id.clone(), **d)))
                .count();
            if active_days > 0 {
                used += 1;
            }
            let entry = directory.get(id);
            developers.push(DevAdoption {
                id: id.clone(),
                developer: label.clone(),
                team: team.clone(),
                role: entry.and_then(|e| e.role.clone()),
                started_on: entry.and_then(|e| e.started_on),
                tenure_days: entry.and_then(|e| e.tenure_days(last)),
                active_days,
                working_days: working.len(),
                agents: dev_agents
                    .get(id)
                    .map(|a| a.iter().cloned().collect())
                    .unwrap_or_default(),
                low: !working.is_empty()
                    && (active_days as f64) < LOW_ADOPTION * working.len() as f64,
            });
        }
        heat.push(TeamHeat {
            team: team.clone(),
            size: members.len(),
            weekdays,
            weeks,
            share_30d: used as f64 / n,
        });
    }
    developers.sort_by(|a, b| {
        b.low
            .cmp(&a.low)
            .then_with(|| a.active_days.cmp(&b.active_days))
            .then_with(|| a.team.cmp(&b.team))
            .then_with(|| a.developer.cmp(&b.developer))
    });
    let total_devs = developers.len().max(1) as f64;
    let mut agents: Vec<(String, usize, f64)> = agent_devs
        .into_iter()
        .map(|(a, d)| (a, d.len(), d.len() as f64 / total_devs))
        .collect();
    agents.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let needs_enablement = heat
        .iter()
        .filter(|h| {
            let known: Vec<f64> = h.weekdays[..5]
                .iter()
                .copied()
                .filter(|v| !v.is_nan())
                .collect();
            !known.is_empty() && known.iter().sum::<f64>() / (known.len() as f64) < 0.4
        })
        .map(|h| h.team.clone())
        .collect();
    let week_labels = (0..WEEKS)
        .map(|w| {
            (weeks_first + Duration::days((w * 7) as i64))
                .format("%m-%d")
                .to_string()
        })
        .collect();
    Ok(AdoptionModel {
        table: developers::table(&developers),
        period,
        window_days,
        teams: heat,
        agents,
        developers,
        needs_enablement,
        week_labels,
        counted_from,
    })
}

/// The heatmap and agent reach side by side on top, every developer below.
fn split(body: Rect) -> (Rect, Rect, Rect) {
    let top = (body.height / 2).min(13);
    let rows = Layout::vertical([Constraint::Length(top), Constraint::Min(4)]).split(body);
    let cols =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).split(rows[0]);
    (cols[0], cols[1], rows[1])
}

pub fn table_area(body: Rect) -> Rect {
    split(body).2
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &AdoptionModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let (heat_area, agent_area, low_area) = split(area);
    let block = |title: String, area: Rect| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .title(Span::styled(
                crate::tui::widgets::title(&title, area.width),
                t.title,
            ))
    };
    let weeks = ctx.state.weeks;
    let columns = if weeks { m.week_labels.len() } else { 7 } as u16;
    // Six cells ("▓ 72%") when they fit, else five ("▓ 72", the title says "%").
    let cell: usize = if heat_area.width >= 14 + 6 * columns {
        6
    } else {
        5
    };
    let labels: Vec<String> = if weeks {
        m.week_labels.clone()
    } else {
        WEEKDAYS.iter().map(|s| s.to_string()).collect()
    };
    let mut lines = vec![Line::from(
        std::iter::once(Span::styled(format!("{:<12}", "team"), t.header))
            .chain(
                labels
                    .iter()
                    .map(|l| Span::styled(format!("{l:>cell$}"), t.header)),
            )
            .collect::<Vec<_>>(),
    )];
    for h in &m.teams {
        let values: Vec<f64> = if weeks {
            h.weeks.clone()
        } else {
            h.weekdays.to_vec()
        };
        let mut spans = vec![Span::styled(
            format!("{:<12}", crate::tui::format::fit(&h.team, 11)),
            t.text,
        )];
        for v in values {
            if v.is_nan() {
                // No data yet on that day or in that week.
                spans.push(Span::styled(format!("{:>w$}", "–", w = cell), t.muted));
                continue;
            }
            spans.push(Span::styled(
                if cell == 6 {
                    format!(" {}{:>3.0}%", shade(v), v * 100.0)
                } else {
                    format!(" {}{:>3.0}", shade(v), v * 100.0)
                },
                t.heat(v),
            ));
        }
        spans.push(Span::styled(format!("  {} devs", h.size), t.muted));
        lines.push(Line::from(spans));
    }
    if m.teams.is_empty() {
        lines = vec![
            Line::from("No developers or teams known yet."),
            Line::from("Declare [[team]] tables (name, members) in config.toml, or import"),
            Line::from("a CSV / GitHub teams; vendor APIs (Copilot, Cursor) add their users."),
        ];
    }
    lines.push(Line::from(""));
    let inner = heat_area.width.saturating_sub(2) as usize;
    let shown_nan = m.teams.iter().any(|h| {
        if weeks {
            h.weeks.iter().any(|v| v.is_nan())
        } else {
            h.weekdays.iter().any(|v| v.is_nan())
        }
    });
    let legend = match m.counted_from {
        Some(d) => format!(
            "shade ·░▒▓█ = % of the team active, counted from {} (the first data; – before); \
             w: weekdays/weeks",
            d.format("%m-%d")
        ),
        None if shown_nan => {
            "shade ·░▒▓█ = % of the team active; – before the first data; w: weekdays/weeks".into()
        }
        None => "shade ·░▒▓█ = % of the team active; w: weekdays/weeks".into(),
    };
    lines.push(Line::from(Span::styled(
        crate::tui::format::fit(&legend, inner),
        t.muted,
    )));
    if !m.needs_enablement.is_empty() {
        lines.push(Line::from(Span::styled(
            crate::tui::format::fit(
                &format!(
                    "⚠ needs enablement (< 40% on workdays): {}",
                    m.needs_enablement.join(", ")
                ),
                inner,
            ),
            t.warning,
        )));
    }
    let title = if weeks {
        format!(" Active per week ({WEEKS} weeks to the period's end) ")
    } else {
        format!(" Active by weekday, {} ({}d) ", m.period, m.window_days)
    };
    f.render_widget(
        Paragraph::new(lines).block(block(title, heat_area)),
        heat_area,
    );

    let w = agent_area.width.saturating_sub(26).max(4) as usize;
    let agent_lines: Vec<Line> = if m.agents.is_empty() {
        vec![Line::from(Span::styled(
            "no agent activity in the period's last 7 days",
            t.muted,
        ))]
    } else {
        m.agents
            .iter()
            .enumerate()
            .map(|(i, (a, n, share))| {
                Line::from(vec![
                    Span::styled(format!("{:<12}", crate::tui::format::fit(a, 12)), t.text),
                    Span::styled(bar(*share, w), t.series(i)),
                    Span::styled(format!(" {n:>3} {:>3.0}%", share * 100.0), t.muted),
                ])
            })
            .collect()
    };
    f.render_widget(
        Paragraph::new(agent_lines)
            .block(block(" Agent reach, 7d to period end ".into(), agent_area)),
        agent_area,
    );

    table::draw(
        f,
        low_area,
        table::TableView {
            title: format!(
                " Developers: role and tenure (directory), active workdays; ⚠ low < {:.0}%, listed first ",
                LOW_ADOPTION * 100.0
            ),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(
                ctx,
                screen,
                m.developers.len(),
                vec![
                    Line::from("No developers known yet."),
                    Line::from(
                        "Declare [[team]] members or a [directory] csv (email,team,role,started_on).",
                    ),
                ],
            ),
        },
        t,
    );
}
