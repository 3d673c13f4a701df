//! Live: running and recent sessions across the team, newest first; ⏎ opens a session's
//! timeline (see `timeline.rs`).
//!
//! ```text
//!  3 running · 5 idle · 192 ended (newest 200)
//! ┌ Sessions ───────────────────────────────────────────────────────────────┐
//! │  state    developer  agent   project  branch  model   age  tokens  cost │
//! │▶ ● run    ana        claude  api      main    sonnet  12s  1.2M   $3.40 │
//! └─────────────────────────────────────────────────────────────────────────┘
//! ```

use super::DrawCtx;
use crate::store::queries::view_live::LiveSessionRow;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::table;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Sessions shown at most.
pub const LIVE_LIMIT: usize = 200;
/// Activity within this many ms counts as running; within `IDLE_MS` as idle.
pub const RUNNING_MS: i64 = 2 * 60_000;
pub const IDLE_MS: i64 = 30 * 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Running,
    Idle,
    Ended,
}

impl SessionState {
    pub fn of(last_activity_ms: i64, now_ms: i64) -> SessionState {
        let quiet = now_ms - last_activity_ms;
        if quiet <= RUNNING_MS {
            SessionState::Running
        } else if quiet <= IDLE_MS {
            SessionState::Idle
        } else {
            SessionState::Ended
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SessionState::Running => "● running",
            SessionState::Idle => "◐ idle",
            SessionState::Ended => "○ ended",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveRow {
    pub session: LiveSessionRow,
    pub state: SessionState,
    /// Time since the last activity.
    pub age: String,
    /// Time from start to last activity.
    pub length: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveModel {
    pub rows: Vec<LiveRow>,
    pub running: usize,
    pub idle: usize,
    /// The current 5-hour block's burn rate per developer with a running or idle session.
    pub burn: std::collections::BTreeMap<String, crate::domain::blocks::BurnRate>,
}

/// Developers whose burn rate is computed at most (those with the newest activity).
const BURN_DEVELOPERS: usize = 12;

impl LiveModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|r| {
                let s = &r.session;
                format!(
                    "{} {} {} {} {} {}",
                    r.state.label(),
                    s.developer,
                    s.agent,
                    s.project.as_deref().unwrap_or(""),
                    s.branch.as_deref().unwrap_or(""),
                    s.model.as_deref().unwrap_or("")
                )
            })
            .collect()
    }
}

pub fn load(reader: &Reader, now_ms: i64) -> Result<LiveModel> {
    let rows: Vec<LiveRow> = reader
        .live_sessions(LIVE_LIMIT)?
        .into_iter()
        .map(|s| LiveRow {
            state: SessionState::of(s.last_activity_at, now_ms),
            age: format::duration(now_ms - s.last_activity_at),
            length: format::duration(s.last_activity_at - s.started_at),
            session: s,
        })
        .collect();
    let mut burn = std::collections::BTreeMap::new();
    for r in rows.iter().filter(|r| r.state != SessionState::Ended) {
        let dev = &r.session.developer;
        if burn.len() >= BURN_DEVELOPERS || burn.contains_key(dev) {
            continue;
        }
        let filter = crate::store::queries::usage::UsageFilter {
            since_ms: Some(now_ms - 2 * crate::domain::blocks::BLOCK_MS),
            developer: Some(dev.clone()),
            ..Default::default()
        };
        let entries: Vec<crate::domain::blocks::Entry> = reader
            .request_timeline(&filter)?
            .into_iter()
            .map(|t| crate::domain::blocks::Entry {
                ts: t.ts,
                usage: t.usage,
                cost: t.cost,
                unpriced: t.unpriced,
            })
            .collect();
        if let Some(b) = crate::domain::blocks::identify(&entries, now_ms)
            .last()
            .and_then(|b| crate::domain::blocks::burn(b, now_ms))
        {
            burn.insert(dev.clone(), b);
        }
    }
    Ok(LiveModel {
        burn,
        running: rows
            .iter()
            .filter(|r| r.state == SessionState::Running)
            .count(),
        idle: rows
            .iter()
            .filter(|r| r.state == SessionState::Idle)
            .count(),
        rows,
    })
}

pub fn table_area(body: Rect) -> Rect {
    Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).split(body)[1]
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &LiveModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let parts = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).split(area);
    let summary = Line::from(vec![
        Span::styled(format!(" {} running", m.running), t.ok),
        Span::styled(
            format!(
                " · {} idle · {} ended",
                m.idle,
                m.rows.len() - m.running - m.idle
            ),
            t.muted,
        ),
        Span::styled(
            format!("   (newest {LIVE_LIMIT}; cost computed from list prices)"),
            t.muted,
        ),
    ]);
    // The focused developer's current 5-hour block: pace and where it ends up.
    let focused = super::selection(screen, visible)
        .and_then(|s| visible.get(s))
        .and_then(|&i| m.rows.get(i))
        .map(|r| r.session.developer.clone());
    let summary = match focused.as_ref().and_then(|d| m.burn.get(d).map(|b| (d, b))) {
        Some((dev, b)) => {
            let mut spans = summary.spans;
            spans.push(Span::styled(
                format!(
                    "   {dev} 5h block: {} tok/min · {}/h → {} at end ({}m left, est.)",
                    format::count(b.tokens_per_minute.round() as i64),
                    format::money(crate::domain::Money::from_usd(b.usd_per_hour)),
                    format::money(b.projected_cost),
                    b.minutes_left
                ),
                t.accent,
            ));
            Line::from(spans)
        }
        None => summary,
    };
    f.render_widget(Paragraph::new(summary), parts[0]);
    let wide = area.width >= 120;
    let rows = table::window(visible, screen.offset, parts[1])
        .iter()
        .map(|&i| {
            let r = &m.rows[i];
            let s = &r.session;
            let state_style = match r.state {
                SessionState::Running => t.ok,
                SessionState::Idle => t.text,
                SessionState::Ended => t.muted,
            };
            let mut cells = vec![
                Line::from(Span::styled(r.state.label(), state_style)),
                Line::from(s.developer.clone()),
                Line::from(s.agent.clone()),
                Line::from(s.project.clone().unwrap_or_else(|| "–".into())),
            ];
            if wide {
                cells.push(Line::from(s.branch.clone().unwrap_or_else(|| "–".into())));
                cells.push(Line::from(
                    s.model.clone().unwrap_or_else(|| "unknown".into()),
                ));
            }
            if wide {
                cells.push(Line::from(r.length.clone()).right_aligned());
            }
            cells.push(Line::from(r.age.clone()).right_aligned());
            cells.push(Line::from(format::count(s.usage.total())).right_aligned());
            let cost = if s.cost.micro_usd() == 0 && s.unpriced_tokens > 0 {
                "unpriced".to_string()
            } else {
                format::money(s.cost)
            };
            cells.push(Line::from(cost).right_aligned());
            cells
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec![
                "state",
                "developer",
                "agent",
                "project",
                "branch",
                "model",
                "length",
                "idle",
                "tokens",
                "cost",
            ],
            vec![
                Constraint::Length(10),
                Constraint::Min(12),
                Constraint::Length(12),
                Constraint::Min(10),
                Constraint::Min(10),
                Constraint::Min(12),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Length(9),
            ],
        )
    } else {
        (
            vec![
                "state",
                "developer",
                "agent",
                "project",
                "idle",
                "tokens",
                "cost",
            ],
            vec![
                Constraint::Length(10),
                Constraint::Min(10),
                Constraint::Length(11),
                Constraint::Min(8),
                Constraint::Length(7),
                Constraint::Length(7),
                Constraint::Length(8),
            ],
        )
    };
    table::draw(
        f,
        parts[1],
        table::TableSpec {
            title: " Sessions — ⏎ tails one ".into(),
            header,
            widths,
            rows,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            total: visible.len(),
            focused: true,
            empty: vec![
                Line::from("No sessions yet."),
                Line::from(
                    "Run an agent (Claude Code, Codex, Gemini CLI) on this machine, or point",
                ),
                Line::from(
                    "[sources] claude_dirs / codex_dirs / gemini_dirs in config.toml at their logs,",
                ),
                Line::from("or try `agentdeck --demo`."),
            ],
        },
        t,
    );
}
